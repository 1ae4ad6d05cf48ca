package io.secretsstore.testkit;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A TCP forwarder on loopback in front of a server (plain or TLS: it forwards bytes, it does not
 * look at them) that counts the connections clients open: how a test sees whether a client reuses
 * its connections. Closing it closes every forwarded connection.
 */
public final class ConnectionCountingForwarder implements AutoCloseable {

  private final ServerSocket socket;
  private final InetSocketAddress target;
  private final AtomicInteger connections = new AtomicInteger();
  private final List<Socket> open = new CopyOnWriteArrayList<>();

  /**
   * @param targetAddress where to forward, e.g. {@code http://127.0.0.1:8200}
   */
  public ConnectionCountingForwarder(String targetAddress) {
    URI uri = URI.create(targetAddress);
    this.target = new InetSocketAddress(uri.getHost(), uri.getPort());
    try {
      socket = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
    Thread.ofVirtual().name("forwarder-accept").start(this::acceptLoop);
  }

  /** The forwarder's address with the given scheme ({@code http} or {@code https}). */
  public String address(String scheme) {
    return scheme + "://127.0.0.1:" + socket.getLocalPort();
  }

  /** Connections accepted so far. */
  public int connections() {
    return connections.get();
  }

  private void acceptLoop() {
    while (!socket.isClosed()) {
      Socket client;
      try {
        client = socket.accept();
      } catch (IOException closed) {
        return;
      }
      connections.incrementAndGet();
      open.add(client);
      Thread.ofVirtual()
          .name("forwarder-connection")
          .start(
              () -> {
                try (Socket server = new Socket()) {
                  server.connect(target, 5_000);
                  open.add(server);
                  Thread back = Thread.ofVirtual().start(() -> pump(server, client));
                  pump(client, server);
                  back.join();
                } catch (IOException | InterruptedException e) {
                  // the other side went away
                } finally {
                  closeQuietly(client);
                }
              });
    }
  }

  private static void pump(Socket from, Socket to) {
    try (InputStream in = from.getInputStream()) {
      OutputStream out = to.getOutputStream();
      byte[] buffer = new byte[16 * 1024];
      for (int n; (n = in.read(buffer)) >= 0; ) {
        out.write(buffer, 0, n);
        out.flush();
      }
    } catch (IOException closed) {
      // one side closed
    } finally {
      closeQuietly(to);
    }
  }

  private static void closeQuietly(Socket s) {
    try {
      s.close();
    } catch (IOException ignored) {
      // closing
    }
  }

  @Override
  public void close() {
    try {
      socket.close();
    } catch (IOException ignored) {
      // closing
    }
    open.forEach(ConnectionCountingForwarder::closeQuietly);
  }
}
