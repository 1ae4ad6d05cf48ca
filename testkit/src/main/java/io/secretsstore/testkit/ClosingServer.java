package io.secretsstore.testkit;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A TCP server on loopback that accepts every connection and closes it at once, before a byte is
 * exchanged: what clients of a TLS store see while it (or a proxy in front of it) goes down — the
 * connection is made, the handshake is cut. Counts the connections.
 */
public final class ClosingServer implements AutoCloseable {

  private final ServerSocket socket;
  private final AtomicInteger connections = new AtomicInteger();

  public ClosingServer() {
    try {
      socket = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
    Thread.ofVirtual()
        .name("closing-server")
        .start(
            () -> {
              while (!socket.isClosed()) {
                try (Socket accepted = socket.accept()) {
                  connections.incrementAndGet();
                } catch (IOException closed) {
                  return;
                }
              }
            });
  }

  /** An {@code https} address: the client starts a TLS handshake that the server cuts. */
  public String httpsAddress() {
    return "https://127.0.0.1:" + socket.getLocalPort();
  }

  public int connections() {
    return connections.get();
  }

  @Override
  public void close() {
    try {
      socket.close();
    } catch (IOException ignored) {
      // closing
    }
  }
}
