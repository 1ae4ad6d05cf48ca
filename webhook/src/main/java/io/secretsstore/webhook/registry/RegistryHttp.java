package io.secretsstore.webhook.registry;

import com.google.api.client.http.HttpTransport;
import com.google.api.client.http.apache.v2.ApacheHttpTransport;
import com.google.api.client.util.SslUtils;
import com.google.cloud.tools.jib.api.LogEvent;
import com.google.cloud.tools.jib.http.FailoverHttpClient;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.lang.reflect.Constructor;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.security.GeneralSecurityException;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.apache.http.HttpEntity;
import org.apache.http.HttpHost;
import org.apache.http.HttpRequest;
import org.apache.http.HttpResponse;
import org.apache.http.client.methods.HttpRequestWrapper;
import org.apache.http.conn.ssl.NoopHostnameVerifier;
import org.apache.http.conn.ssl.SSLConnectionSocketFactory;
import org.apache.http.entity.HttpEntityWrapper;
import org.apache.http.impl.client.HttpClientBuilder;
import org.apache.http.impl.conn.SystemDefaultDnsResolver;
import org.apache.http.protocol.HttpContext;
import org.apache.http.protocol.HttpCoreContext;

/**
 * jib-core's HTTP client, with every request it makes held to {@link RegistryAccess}: the
 * registry's own, the bearer-token realm its {@code WWW-Authenticate} names, and every redirect
 * (google-http-client follows redirects itself and builds a new request for each). The check runs
 * before a connection is made, and again on the addresses the connection resolves (a name that
 * resolved to a public address for the check cannot connect to an internal one). Every answer's
 * body is capped while it is read: manifests (and token answers) at {@code max-manifest-bytes},
 * blobs at {@code max-config-bytes}; a declared length above the cap fails before reading.
 */
final class RegistryHttp {

  /** A request the address rule refuses; its message is the refusal shown to the user. */
  static final class Refused extends IOException {
    Refused(String message) {
      super(message);
    }
  }

  /** The same, found when the connection resolves the host. */
  static final class RefusedHost extends UnknownHostException {
    RefusedHost(String message) {
      super(message);
    }
  }

  /** An answer larger than its cap. */
  static final class TooLarge extends IOException {
    final String setting;
    final long limit;
    final boolean blob;

    TooLarge(boolean blob, String setting, long limit) {
      super("the registry's answer is larger than " + setting + " (" + limit + ")");
      this.blob = blob;
      this.setting = setting;
      this.limit = limit;
    }
  }

  /**
   * jib's public constructor builds its own transports; the package-private one takes ours. Looked
   * up once, at start: a jib version without it fails the webhook's start, not an admission.
   */
  private static final Constructor<FailoverHttpClient> WITH_TRANSPORTS = withTransports();

  private RegistryHttp() {}

  @SuppressWarnings("unchecked")
  private static Constructor<FailoverHttpClient> withTransports() {
    try {
      Constructor<FailoverHttpClient> constructor =
          FailoverHttpClient.class.getDeclaredConstructor(
              boolean.class,
              boolean.class,
              Consumer.class,
              Supplier.class,
              Supplier.class,
              boolean.class);
      constructor.setAccessible(true);
      return constructor;
    } catch (ReflectiveOperationException | RuntimeException e) {
      throw new IllegalStateException(
          "this jib-core has no FailoverHttpClient(boolean, boolean, Consumer, Supplier, Supplier,"
              + " boolean): registry requests could not be checked",
          e);
    }
  }

  /** Makes sure the client can be built (called at start). */
  static void verifyAvailable() {
    if (WITH_TRANSPORTS == null) {
      throw new IllegalStateException("no jib-core transport constructor");
    }
  }

  /**
   * A client for one lookup.
   *
   * @param insecure the registry is listed in {@code insecure-registries} (jib then also fails over
   *     to unverified TLS and plain http, as its public constructor does)
   */
  static FailoverHttpClient client(
      RegistryAccess access, RegistryProperties properties, boolean insecure) {
    Supplier<HttpTransport> secure = () -> transport(access, properties, false);
    Supplier<HttpTransport> unverified = () -> transport(access, properties, true);
    Consumer<LogEvent> quiet = event -> {};
    try {
      // No retries inside jib: its back-off handler would repeat a refused or cut-off request
      // until the lookup's deadline; one lookup is one attempt, the admission its own deadline.
      return WITH_TRANSPORTS.newInstance(insecure, false, quiet, secure, unverified, false);
    } catch (ReflectiveOperationException e) {
      throw new IllegalStateException("could not build jib's HTTP client", e);
    }
  }

  /** As jib builds its transports, plus the address rule and the caps. */
  private static HttpTransport transport(
      RegistryAccess access, RegistryProperties properties, boolean trustAll) {
    HttpClientBuilder builder = ApacheHttpTransport.newDefaultHttpClientBuilder();
    if (trustAll) {
      try {
        builder
            .setSSLSocketFactory(null)
            .setSSLContext(SslUtils.trustAllSSLContext())
            .setSSLHostnameVerifier(new NoopHostnameVerifier());
      } catch (GeneralSecurityException e) {
        throw new IllegalStateException("no trust-all TLS context", e);
      }
    } else {
      builder.setSSLSocketFactory(SSLConnectionSocketFactory.getSystemSocketFactory());
    }
    builder
        .setDnsResolver(host -> resolve(access, host))
        .addInterceptorFirst(
            (HttpRequest request, HttpContext context) -> {
              HttpHost target = target(request, context);
              try {
                access.checkRequest(target.getSchemeName(), target.getHostName(), target.getPort());
              } catch (ImageCommands.LookupException e) {
                throw new Refused(e.getMessage());
              }
            })
        .addInterceptorLast(
            (HttpResponse response, HttpContext context) -> {
              HttpEntity entity = response.getEntity();
              if (entity == null) {
                return;
              }
              HttpRequest request = HttpCoreContext.adapt(context).getRequest();
              String path = request == null ? "" : request.getRequestLine().getUri();
              boolean blob = path.contains("/blobs/");
              long limit = blob ? properties.maxConfigBytes() : properties.maxManifestBytes();
              String setting = blob ? "registry.max-config-bytes" : "registry.max-manifest-bytes";
              if (entity.getContentLength() > limit) {
                throw new TooLarge(blob, setting, limit);
              }
              response.setEntity(new CappedEntity(entity, blob, setting, limit));
            });
    return new ApacheHttpTransport(builder.build());
  }

  private static HttpHost target(HttpRequest request, HttpContext context) throws Refused {
    Object attribute = context.getAttribute(HttpCoreContext.HTTP_TARGET_HOST);
    if (attribute instanceof HttpHost host) {
      return host;
    }
    if (request instanceof HttpRequestWrapper wrapper && wrapper.getTarget() != null) {
      return wrapper.getTarget();
    }
    throw new Refused("registry request without a target host");
  }

  private static InetAddress[] resolve(RegistryAccess access, String host)
      throws UnknownHostException {
    InetAddress[] addresses = SystemDefaultDnsResolver.INSTANCE.resolve(host);
    try {
      access.checkResolved(host, addresses);
    } catch (ImageCommands.LookupException e) {
      throw new RefusedHost(e.getMessage());
    }
    return addresses;
  }

  /** The entity, read through {@link CappedStream}. */
  private static final class CappedEntity extends HttpEntityWrapper {
    private final boolean blob;
    private final String setting;
    private final long limit;

    CappedEntity(HttpEntity entity, boolean blob, String setting, long limit) {
      super(entity);
      this.blob = blob;
      this.setting = setting;
      this.limit = limit;
    }

    @Override
    public InputStream getContent() throws IOException {
      return new CappedStream(super.getContent(), blob, setting, limit);
    }

    @Override
    public void writeTo(java.io.OutputStream out) throws IOException {
      try (InputStream in = getContent()) {
        in.transferTo(out);
      }
    }

    @Override
    public boolean isStreaming() {
      return true;
    }
  }

  /** Fails once more than {@code limit} bytes were read. */
  private static final class CappedStream extends FilterInputStream {
    private final boolean blob;
    private final String setting;
    private final long limit;
    private long read;

    CappedStream(InputStream in, boolean blob, String setting, long limit) {
      super(in);
      this.blob = blob;
      this.setting = setting;
      this.limit = limit;
    }

    @Override
    public int read() throws IOException {
      int b = super.read();
      if (b >= 0) {
        count(1);
      }
      return b;
    }

    @Override
    public int read(byte[] buffer, int offset, int length) throws IOException {
      int n = super.read(buffer, offset, length);
      if (n > 0) {
        count(n);
      }
      return n;
    }

    @Override
    public long skip(long n) throws IOException {
      long skipped = super.skip(n);
      count(skipped);
      return skipped;
    }

    private void count(long n) throws TooLarge {
      read += n;
      if (read > limit) {
        throw new TooLarge(blob, setting, limit);
      }
    }
  }
}
