package io.secretsstore.e2e.store;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A TCP pass-through in front of the store's TLS listener, on a port of its own that stays the
 * same: {@link #close() down} refuses connections and cuts open ones, as an outage does, and {@link
 * #open() up} serves again on the same port. TLS is end to end (the gate never decrypts), so the
 * store's certificate for 127.0.0.1 stays valid through it.
 */
public final class StoreGate implements AutoCloseable {

  private final int port;
  private final int targetPort;
  private final Set<Socket> connections = ConcurrentHashMap.newKeySet();
  private volatile ServerSocket listener;

  public StoreGate(int targetPort) {
    this.targetPort = targetPort;
    try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      this.port = probe.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    open();
  }

  public int port() {
    return port;
  }

  public String address() {
    return "https://127.0.0.1:" + port;
  }

  public boolean isOpen() {
    return listener != null;
  }

  /** Serves connections again (on the same port). */
  public synchronized void open() {
    if (listener != null) {
      return;
    }
    try {
      ServerSocket socket = new ServerSocket();
      socket.setReuseAddress(true);
      socket.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 128);
      listener = socket;
      Thread.ofVirtual().name("store-gate-accept").start(() -> accept(socket));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot listen on 127.0.0.1:" + port, e);
    }
  }

  /** Refuses new connections and cuts the open ones: the store is "down" for every client. */
  @Override
  public synchronized void close() {
    ServerSocket socket = listener;
    listener = null;
    if (socket != null) {
      closeQuietly(socket);
    }
    connections.forEach(StoreGate::closeQuietly);
    connections.clear();
  }

  private void accept(ServerSocket socket) {
    while (!socket.isClosed()) {
      try {
        Socket client = socket.accept();
        Socket upstream = new Socket(InetAddress.getLoopbackAddress(), targetPort);
        connections.add(client);
        connections.add(upstream);
        Thread.ofVirtual().start(() -> pump(client, upstream));
        Thread.ofVirtual().start(() -> pump(upstream, client));
      } catch (IOException e) {
        // closed while accepting, or the store itself is gone: the client sees a reset
      }
    }
  }

  private void pump(Socket from, Socket to) {
    byte[] buffer = new byte[16 * 1024];
    try (InputStream in = from.getInputStream();
        OutputStream out = to.getOutputStream()) {
      int n;
      while ((n = in.read(buffer)) >= 0) {
        out.write(buffer, 0, n);
        out.flush();
      }
    } catch (IOException e) {
      // one side closed
    } finally {
      closeQuietly(from);
      closeQuietly(to);
      connections.remove(from);
      connections.remove(to);
    }
  }

  private static void closeQuietly(java.io.Closeable closeable) {
    try {
      closeable.close();
    } catch (IOException ignored) {
      // nothing to do
    }
  }
}
