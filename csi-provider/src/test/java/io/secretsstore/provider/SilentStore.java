package io.secretsstore.provider;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A store address that accepts connections, reads what is sent and never answers: a store that
 * hangs mid-request. It counts the connections made to it and the ones the client closed (it never
 * closes one itself), so a test can tell whether a request was abandoned by its client.
 */
final class SilentStore implements AutoCloseable {

  private final ServerSocket socket;
  private final AtomicInteger accepted = new AtomicInteger();
  private final AtomicInteger closedByClient = new AtomicInteger();

  SilentStore() throws IOException {
    socket = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    Thread.ofVirtual()
        .name("silent-store")
        .start(
            () -> {
              while (!socket.isClosed()) {
                try {
                  Socket connection = socket.accept();
                  accepted.incrementAndGet();
                  Thread.ofVirtual().start(() -> drain(connection));
                } catch (IOException closed) {
                  return;
                }
              }
            });
  }

  private void drain(Socket connection) {
    try (connection;
        InputStream in = connection.getInputStream()) {
      byte[] buffer = new byte[8192];
      while (in.read(buffer) >= 0) {
        // reading only: the request is never answered
      }
      closedByClient.incrementAndGet();
    } catch (IOException reset) {
      closedByClient.incrementAndGet();
    }
  }

  String address() {
    return "http://127.0.0.1:" + socket.getLocalPort();
  }

  int connections() {
    return accepted.get();
  }

  int closedByClient() {
    return closedByClient.get();
  }

  @Override
  public void close() throws IOException {
    socket.close();
  }
}
