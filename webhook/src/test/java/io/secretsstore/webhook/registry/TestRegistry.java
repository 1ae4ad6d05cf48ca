package io.secretsstore.webhook.registry;

import io.secretsstore.testkit.LoopbackPorts;
import io.secretsstore.testkit.TestCertificateAuthority;
import java.io.IOException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import org.bouncycastle.crypto.generators.OpenBSDBCrypt;

/**
 * The CNCF distribution registry (built by tools/registry/build.sh) on loopback with TLS from a
 * test CA and htpasswd (bcrypt) basic auth.
 */
final class TestRegistry implements AutoCloseable {

  static final String USER = "puller";
  static final String PASSWORD = "pull-secret-password";

  private final Process process;
  private final int port;
  final Path log;

  TestRegistry(TestCertificateAuthority ca) throws Exception {
    Path dir = Files.createTempDirectory("registry");
    var tls = ca.issueLoopbackServer().writeTo(dir, "registry");
    byte[] salt = new byte[16];
    new SecureRandom().nextBytes(salt);
    Files.writeString(
        dir.resolve("htpasswd"),
        USER + ":" + OpenBSDBCrypt.generate("2y", PASSWORD.toCharArray(), salt, 5) + "\n");
    port = LoopbackPorts.free();
    Files.writeString(
        dir.resolve("config.yml"),
        """
        version: 0.1
        log:
          level: warn
        storage:
          filesystem:
            rootdirectory: %s
        http:
          addr: 127.0.0.1:%d
          tls:
            certificate: %s
            key: %s
        auth:
          htpasswd:
            realm: test-registry
            path: %s
        """
            .formatted(
                dir.resolve("data"),
                port,
                tls.certificatePem(),
                tls.privateKeyPem(),
                dir.resolve("htpasswd")));
    log = dir.resolve("registry.log");
    process =
        new ProcessBuilder(binary(), "serve", dir.resolve("config.yml").toString())
            .redirectErrorStream(true)
            .redirectOutput(log.toFile())
            .start();
    Runtime.getRuntime().addShutdownHook(new Thread(process::destroyForcibly));
    Instant deadline = Instant.now().plus(Duration.ofSeconds(30));
    while (true) {
      try (Socket ignored = new Socket("127.0.0.1", port)) {
        return;
      } catch (IOException notYet) {
        if (!process.isAlive() || Instant.now().isAfter(deadline)) {
          throw new IllegalStateException(
              "the registry did not start:\n" + Files.readString(log, StandardCharsets.UTF_8));
        }
        Thread.sleep(100);
      }
    }
  }

  /** {@code localhost:<port>} (the certificate is for localhost and 127.0.0.1). */
  String host() {
    return "localhost:" + port;
  }

  private static String binary() throws Exception {
    String configured = System.getenv("REGISTRY_BIN");
    if (configured != null && !configured.isBlank()) {
      return configured;
    }
    Path script = Path.of("..", "tools", "registry", "build.sh").toAbsolutePath().normalize();
    Process build =
        new ProcessBuilder(script.toString())
            .redirectError(ProcessBuilder.Redirect.INHERIT)
            .start();
    String path = new String(build.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
    if (build.waitFor() != 0) {
      throw new IllegalStateException("building the registry failed (see the output above)");
    }
    return path;
  }

  @Override
  public void close() {
    process.destroy();
  }
}
