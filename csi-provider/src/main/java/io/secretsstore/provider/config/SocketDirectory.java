package io.secretsstore.provider.config;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Gets the socket path ready before the gRPC server binds it. The directory is a host directory
 * shared with the csi-driver; kubelet creates it root:root 0755, and the driver (root) makes it
 * writable for the provider's group when it starts. Until then this waits, saying so in one line
 * (instead of crashing into a restart loop). A socket left by a previous run is removed, but only
 * if it is a socket owned by this process' user: anything else at that name is left alone.
 */
public final class SocketDirectory {

  private static final Logger log = LoggerFactory.getLogger(SocketDirectory.class);
  private static final int FILE_TYPE = 0170000;
  private static final int SOCKET_TYPE = 0140000;

  private final Path socket;
  private final Duration retryEvery;
  private final Duration logEvery;

  public SocketDirectory(Path socket, Duration retryEvery, Duration logEvery) {
    this.socket = socket;
    this.retryEvery = retryEvery;
    this.logEvery = logEvery;
  }

  /** Blocks until the socket path can be bound (or the thread is interrupted). */
  public void awaitBindable() {
    long lastLogged = 0;
    String lastReason = null;
    while (true) {
      Optional<String> blocked = whyNotBindable();
      if (blocked.isEmpty()) {
        if (lastReason != null) {
          log.info("Provider socket {} can be bound now", socket);
        }
        return;
      }
      long now = System.nanoTime();
      if (!blocked.get().equals(lastReason) || now - lastLogged >= logEvery.toNanos()) {
        log.warn(
            "Cannot bind the provider socket yet, retrying every {} ms: {}",
            retryEvery.toMillis(),
            blocked.get());
        lastLogged = now;
        lastReason = blocked.get();
      }
      try {
        Thread.sleep(retryEvery);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted while waiting to bind " + socket, e);
      }
    }
  }

  /** Empty when the socket path is free and binding it works; else what is in the way. */
  Optional<String> whyNotBindable() {
    Path dir = socket.toAbsolutePath().getParent();
    if (!Files.isDirectory(dir)) {
      try {
        // Works where we may (local runs); on a node kubelet or the csi-driver creates it.
        Files.createDirectories(dir);
      } catch (IOException e) {
        return Optional.of(dir + " does not exist yet (the csi-driver creates it)");
      }
    }
    if (!Files.isWritable(dir) || !Files.isExecutable(dir)) {
      return Optional.of(
          dir
              + " is not writable for uid "
              + processUser()
              + " ("
              + describe(dir)
              + "); the csi-driver gives its secrets-store.driver.providers-group-id write access"
              + " when it starts");
    }
    try {
      Optional<String> occupied = removeOwnStaleSocket();
      if (occupied.isPresent()) {
        return occupied;
      }
      // The real check: bind and release, as the gRPC server is about to.
      try (ServerSocketChannel probe = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
        probe.bind(UnixDomainSocketAddress.of(socket));
      }
      Files.deleteIfExists(socket);
      return Optional.empty();
    } catch (IOException e) {
      return Optional.of("binding " + socket + " failed: " + e.getMessage());
    }
  }

  /** Removes {@code socket} if it is our own left-over socket; says what is there otherwise. */
  private Optional<String> removeOwnStaleSocket() throws IOException {
    Map<String, Object> attributes;
    try {
      attributes = Files.readAttributes(socket, "unix:mode,uid", LinkOption.NOFOLLOW_LINKS);
    } catch (NoSuchFileException e) {
      return Optional.empty();
    }
    int mode = (Integer) attributes.get("mode");
    int owner = (Integer) attributes.get("uid");
    if ((mode & FILE_TYPE) == SOCKET_TYPE && owner == processUser()) {
      Files.delete(socket);
      log.info("Removed the socket {} of a previous run", socket);
      return Optional.empty();
    }
    return Optional.of(
        socket
            + " exists and is not a socket of uid "
            + processUser()
            + " (type "
            + String.format("%06o", mode & FILE_TYPE)
            + ", owner uid "
            + owner
            + "); remove it");
  }

  private static String describe(Path dir) {
    try {
      Map<String, Object> attributes = Files.readAttributes(dir, "unix:mode,uid,gid");
      return "owner "
          + attributes.get("uid")
          + ":"
          + attributes.get("gid")
          + ", mode "
          + String.format("%04o", (Integer) attributes.get("mode") & 07777);
    } catch (IOException | RuntimeException e) {
      return "owner unknown";
    }
  }

  /** The effective uid: /proc/self belongs to it. */
  static int processUser() {
    try {
      return (Integer) Files.getAttribute(Path.of("/proc/self"), "unix:uid");
    } catch (IOException e) {
      return -1;
    }
  }
}
