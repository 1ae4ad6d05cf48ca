package io.secretsstore.testkit;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.UUID;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.vault.VaultContainer;

/**
 * The store as a Vault dev server in a container (testcontainers' Vault module), for developer
 * machines with a Docker engine: they then need no Go toolchain for the module tests. Our CI
 * machines have no Docker engine and use the local OpenBao build.
 */
final class DockerVault {

  /** The image; override with {@code -Dtestkit.vault.image=...}. */
  static final String IMAGE = System.getProperty("testkit.vault.image", "hashicorp/vault:1.18");

  private DockerVault() {}

  /**
   * True when a Docker engine answers. The socket or DOCKER_HOST is checked first, so machines
   * without Docker never load the Docker client.
   */
  static boolean engineAnswers() {
    boolean hinted =
        System.getenv("DOCKER_HOST") != null || Files.exists(Path.of("/var/run/docker.sock"));
    if (!hinted) {
      return false;
    }
    try {
      return DockerClientFactory.instance().isDockerAvailable();
    } catch (RuntimeException | LinkageError e) {
      return false;
    }
  }

  static OpenBaoServer start() {
    String token = "root-" + UUID.randomUUID();
    VaultContainer<?> container = new VaultContainer<>(IMAGE).withVaultToken(token);
    container.start();
    return OpenBaoServer.inContainer(container.getHttpHostAddress(), token, container::stop);
  }
}
