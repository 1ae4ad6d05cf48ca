package io.secretsstore.vault;

import java.io.IOException;
import java.net.ConnectException;
import java.net.HttpURLConnection;
import java.net.NoRouteToHostException;
import java.net.Proxy;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.UnknownHostException;
import java.time.Duration;
import javax.net.ssl.HttpsURLConnection;
import org.springframework.http.HttpMethod;
import org.springframework.http.client.ClientHttpRequest;
import org.springframework.http.client.SimpleClientHttpRequestFactory;

/**
 * The HTTP transport of one {@link StoreClient}: Spring's {@link SimpleClientHttpRequestFactory}
 * (the JDK's {@code HttpURLConnection}), blocking on the caller's thread, HTTP/1.1 with keep-alive.
 *
 * <p>Why not the JDK's {@code java.net.http.HttpClient}: measured in one JVM with the provider's
 * flags against a real OpenBao (issue 17, docs/memory.md), one KV read cost about twice the CPU and
 * latency there, most of it the asynchronous exchange (a selector thread, an executor hop and
 * future chains per request) that a provider JVM running C1 only also has to compile first. Here a
 * request is one write and one read on the caller's (virtual) thread; interrupting a virtual thread
 * closes its socket, so a cancelled mount still aborts the request in flight.
 *
 * <p>Bounds: the connect timeout; the request timeout for each wait for the store's bytes and, by
 * {@link RequestDeadline}, for the whole exchange (a store that trickles its answer a byte at a
 * time cannot hold a caller's platform thread, such as a controller reconciler's, for longer).
 *
 * <p>Connections are kept alive in the JDK's keep-alive cache (per host and port, and for HTTPS per
 * this factory's TLS socket factory, so a connection made with one trust is never reused with
 * another); an idle connection is kept 5 s, at most {@code http.maxConnections} (5 by default) per
 * destination. No HTTP proxy (as the JDK client had none; a SOCKS proxy set by the operator's JVM
 * properties would still apply to TLS sockets), no redirects (a token is never sent on to another
 * address), no response cache. Bodies are streamed (Spring sets a fixed length or chunks), which
 * also means the JDK never silently re-sends a write on a stale kept-alive connection; only a GET
 * may be re-sent once.
 */
final class StoreRequestFactory extends SimpleClientHttpRequestFactory {

  /** The connection {@link #prepareConnection} just set up, for {@link #createRequest}. */
  private static final ThreadLocal<HttpURLConnection> PREPARED = new ThreadLocal<>();

  private final HostCheckingSocketFactory tls;
  private final Duration deadline;

  StoreRequestFactory(StoreConnection connection) {
    this.tls = new HostCheckingSocketFactory(StoreTls.sslContext(connection.tls()));
    this.deadline = connection.requestTimeout();
    setProxy(Proxy.NO_PROXY);
    setConnectTimeout(connection.connectTimeout());
    // Bounds each wait for the store's bytes; a store that answers nothing fails with a timeout.
    setReadTimeout(connection.requestTimeout());
  }

  @Override
  public ClientHttpRequest createRequest(URI uri, HttpMethod httpMethod) throws IOException {
    try {
      ClientHttpRequest request = super.createRequest(uri, httpMethod);
      return new RequestDeadline(request, PREPARED.get(), deadline);
    } finally {
      PREPARED.remove();
    }
  }

  @Override
  protected void prepareConnection(HttpURLConnection connection, String httpMethod)
      throws IOException {
    super.prepareConnection(connection, httpMethod);
    connection.setInstanceFollowRedirects(false);
    connection.setUseCaches(false);
    if (connection instanceof HttpsURLConnection https) {
      // Its sockets verify the host name in the handshake themselves (HostCheckingSocketFactory),
      // whatever the JVM's default HostnameVerifier is.
      https.setSSLSocketFactory(tls);
    }
    PREPARED.set(connection);
  }

  /**
   * Whether {@code error} (or a cause) was thrown before a connection to the store existed:
   * refused, no route, network unreachable, unknown host, connect timeout. The store certainly did
   * not see the request. {@code HttpURLConnection} reports some of these as a plain {@link
   * SocketException} or {@link SocketTimeoutException}, like failures on a connection that was
   * made: those are told apart by being thrown from {@code Socket.connect}.
   */
  static boolean failedWhileConnecting(Throwable error) {
    for (Throwable current = error; current != null; current = current.getCause()) {
      if (current instanceof ConnectException
          || current instanceof NoRouteToHostException
          || current instanceof UnknownHostException) {
        return true;
      }
      if ((current instanceof SocketException || current instanceof SocketTimeoutException)
          && thrownByConnect(current)) {
        return true;
      }
      if (current.getCause() == current) {
        break;
      }
    }
    return false;
  }

  /** {@link #failedWhileConnecting} for a timeout: nothing answered at the address in time. */
  static boolean isConnectTimeout(SocketTimeoutException timeout) {
    return thrownByConnect(timeout);
  }

  private static boolean thrownByConnect(Throwable error) {
    for (StackTraceElement frame : error.getStackTrace()) {
      if (frame.getMethodName().equals("connect")
          && (frame.getClassName().equals("java.net.Socket")
              || frame.getClassName().equals("sun.nio.ch.NioSocketImpl"))) {
        return true;
      }
    }
    return false;
  }
}
