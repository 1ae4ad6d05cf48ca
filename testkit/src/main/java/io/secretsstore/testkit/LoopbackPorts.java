package io.secretsstore.testkit;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.security.SecureRandom;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Free loopback ports for servers that bind later than they are chosen (a server process started
 * with the port as an argument, the chart's host-network pods, the registry). Chosen below the
 * kernel's ephemeral range (32768 and up by default): a port from {@code new ServerSocket(0)} lies
 * inside it, and on a busy machine an outgoing connection can take it as its local port before the
 * server binds ("address already in use", seen with the kubelet). {@code tools/cluster/cluster.sh}
 * picks its own ports from 20000 up to that range; these come from below 20000, so the two never
 * choose the same port either.
 */
public final class LoopbackPorts {

  static final int FIRST = 10000;
  static final int LAST = 19999;

  private static final Set<Integer> HANDED_OUT = ConcurrentHashMap.newKeySet();
  private static final Random RANDOM = new SecureRandom();

  private LoopbackPorts() {}

  /** A port nothing listens on now and that this JVM has not handed out before. */
  public static int free() {
    for (int attempt = 0; attempt < 1000; attempt++) {
      int port = FIRST + RANDOM.nextInt(LAST - FIRST + 1);
      if (!HANDED_OUT.add(port)) {
        continue;
      }
      try (ServerSocket probe = new ServerSocket()) {
        probe.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 1);
        return port;
      } catch (IOException inUse) {
        // taken: try another
      }
    }
    throw new IllegalStateException(
        "no free loopback port between " + FIRST + " and " + LAST + " after 1000 tries");
  }
}
