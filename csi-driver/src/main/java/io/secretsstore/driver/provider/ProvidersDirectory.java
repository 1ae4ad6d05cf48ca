package io.secretsstore.driver.provider;

import io.secretsstore.linux.Directory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The host directory where providers bind {@code <name>.sock}. kubelet creates a {@code
 * DirectoryOrCreate} hostPath as root:root 0755, in which a provider that runs as non-root (ours:
 * uid/gid 65532) cannot bind. The driver is root on every node, so at start it makes the directory
 * root:{@code <providers group>} 0770: the providers' group may create sockets, nobody else sees
 * in.
 */
public final class ProvidersDirectory {

  private static final Logger log = LoggerFactory.getLogger(ProvidersDirectory.class);

  /** rwx for root and the providers' group, nothing for others. */
  public static final int MODE = 0770;

  private ProvidersDirectory() {}

  /**
   * Creates {@code dir} if needed and sets its owner, group and mode; the directory itself must not
   * be a symlink (it is opened without following one).
   */
  public static void prepare(Path dir, int groupId) {
    try {
      Files.createDirectories(dir);
      try (Directory directory = Directory.open(dir)) {
        directory.chown(0, groupId);
        directory.chmod(MODE);
      }
      log.info("Providers directory {} is root:{} mode 0770", dir, groupId);
    } catch (IOException e) {
      throw new IllegalStateException(
          "cannot prepare the providers directory "
              + dir
              + " (secrets-store.driver.providers-dir) for group "
              + groupId
              + " (secrets-store.driver.providers-group-id): "
              + e.getMessage(),
          e);
    }
  }
}
