package io.secretsstore.vault;

import java.io.IOException;
import java.net.HttpURLConnection;
import java.net.Proxy;
import java.net.SocketTimeoutException;
import javax.net.ssl.HttpsURLConnection;
import javax.net.ssl.SSLSocketFactory;
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
 * <p>Connections are kept alive in the JDK's keep-alive cache (per host and port, and for HTTPS per
 * this factory's TLS socket factory, so a connection made with one trust is never reused with
 * another); an idle connection is kept 5 s, at most {@code http.maxConnections} (5 by default) per
 * destination. No proxy (as the JDK client had none), no redirects (a token is never sent on to
 * another address), no response cache.
 */
final class StoreRequestFactory extends SimpleClientHttpRequestFactory {

  private final SSLSocketFactory tls;

  StoreRequestFactory(StoreConnection connection) {
    this.tls = StoreTls.sslContext(connection.tls()).getSocketFactory();
    setProxy(Proxy.NO_PROXY);
    setConnectTimeout(connection.connectTimeout());
    // Bounds each wait for the store's bytes; a store that answers nothing fails with a timeout.
    setReadTimeout(connection.requestTimeout());
  }

  @Override
  protected void prepareConnection(HttpURLConnection connection, String httpMethod)
      throws IOException {
    super.prepareConnection(connection, httpMethod);
    connection.setInstanceFollowRedirects(false);
    connection.setUseCaches(false);
    if (connection instanceof HttpsURLConnection https) {
      // The JVM's default host name verifier: the name is checked in the handshake by the trust
      // manager (StoreTls), which is where skip-verify and a configured server name apply.
      https.setSSLSocketFactory(tls);
    }
  }

  /**
   * Whether {@code timeout} happened while connecting (nothing answered at the address), as opposed
   * to waiting for an answer on a connection that was made. {@code HttpURLConnection} reports both
   * as a {@link SocketTimeoutException}; the connect is the one thrown from {@code Socket.connect}.
   */
  static boolean isConnectTimeout(SocketTimeoutException timeout) {
    for (StackTraceElement frame : timeout.getStackTrace()) {
      if (frame.getMethodName().equals("connect")
          && (frame.getClassName().equals("java.net.Socket")
              || frame.getClassName().equals("sun.nio.ch.NioSocketImpl"))) {
        return true;
      }
    }
    return false;
  }
}
