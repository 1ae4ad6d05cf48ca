package io.secretsstore.vault;

import java.io.IOException;
import java.net.InetAddress;
import java.net.Socket;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.SSLSocketFactory;

/**
 * A store client's TLS sockets, each set to verify the store's host name in the handshake (endpoint
 * identification {@code HTTPS}). {@code HttpsURLConnection} would otherwise only do so while the
 * JVM's default {@code HostnameVerifier} is untouched: anything in the process replacing it would
 * silently change how the store's certificate is checked. The trust managers of {@link StoreTls}
 * decide what the check means: the address host by default, the configured server name ({@code
 * vaultTLSServerName}), or nothing for skip-verify.
 */
final class HostCheckingSocketFactory extends SSLSocketFactory {

  private final SSLSocketFactory delegate;

  HostCheckingSocketFactory(SSLContext context) {
    this.delegate = context.getSocketFactory();
  }

  @Override
  public String[] getDefaultCipherSuites() {
    return delegate.getDefaultCipherSuites();
  }

  @Override
  public String[] getSupportedCipherSuites() {
    return delegate.getSupportedCipherSuites();
  }

  @Override
  public Socket createSocket() throws IOException {
    return checked(delegate.createSocket());
  }

  @Override
  public Socket createSocket(Socket socket, String host, int port, boolean autoClose)
      throws IOException {
    return checked(delegate.createSocket(socket, host, port, autoClose));
  }

  @Override
  public Socket createSocket(String host, int port) throws IOException {
    return checked(delegate.createSocket(host, port));
  }

  @Override
  public Socket createSocket(String host, int port, InetAddress localHost, int localPort)
      throws IOException {
    return checked(delegate.createSocket(host, port, localHost, localPort));
  }

  @Override
  public Socket createSocket(InetAddress host, int port) throws IOException {
    return checked(delegate.createSocket(host, port));
  }

  @Override
  public Socket createSocket(InetAddress address, int port, InetAddress localAddress, int localPort)
      throws IOException {
    return checked(delegate.createSocket(address, port, localAddress, localPort));
  }

  private static Socket checked(Socket socket) {
    if (socket instanceof SSLSocket ssl) {
      SSLParameters parameters = ssl.getSSLParameters();
      parameters.setEndpointIdentificationAlgorithm("HTTPS");
      ssl.setSSLParameters(parameters);
    }
    return socket;
  }
}
