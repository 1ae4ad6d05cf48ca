package io.secretsstore.testkit;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A TCP server on loopback that accepts connections and never answers: a store that hangs, for
 * timeout tests with real sockets.
 */
public final class StallingServer implements AutoCloseable {

  private final ServerSocket socket;
  private final List<Socket> accepted = new CopyOnWriteArrayList<>();

  public StallingServer() {
    try {
      socket = new ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress());
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
    Thread.ofVirtual()
        .name("stalling-server")
        .start(
            () -> {
              while (!socket.isClosed()) {
                try {
                  accepted.add(socket.accept());
                } catch (IOException closed) {
                  return;
                }
              }
            });
  }

  public String address() {
    return "http://127.0.0.1:" + socket.getLocalPort();
  }

  @Override
  public void close() {
    try {
      socket.close();
      for (Socket connection : accepted) {
        connection.close();
      }
    } catch (IOException ignored) {
      // closing anyway
    }
  }
}
