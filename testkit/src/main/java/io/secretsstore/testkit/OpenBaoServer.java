package io.secretsstore.testkit;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

/**
 * A real OpenBao server in dev mode (in-memory storage, unsealed, KV v2 at {@code secret/}),
 * started as a child process on a free loopback port.
 *
 * <p>{@link #start()} honours {@code VAULT_ADDR} + {@code VAULT_TOKEN}: when both are set, no
 * process is started and the tests use that store (they create mounts with random names, so an
 * existing store is not disturbed). {@link #startLocal(TlsListener)} always starts a process, for
 * tests that stop the server or need TLS.
 *
 * <p>The server's output goes to {@code target/openbao-<port>.log}, not to the console. Every
 * process is stopped on {@link #close()} and, as a safety net, by a JVM shutdown hook.
 */
public final class OpenBaoServer implements AutoCloseable {

  private static final List<Process> RUNNING = new CopyOnWriteArrayList<>();

  static {
    Runtime.getRuntime()
        .addShutdownHook(new Thread(() -> RUNNING.forEach(Process::destroyForcibly)));
  }

  /** An extra TLS listener: the server certificate and key as PEM files. */
  public record TlsListener(Path certificatePem, Path privateKeyPem) {}

  private final String address;
  private final Optional<String> tlsAddress;
  private final String rootToken;
  private final Process process;
  private final Path logFile;
  private AutoCloseable container;

  private OpenBaoServer(
      String address, Optional<String> tlsAddress, String rootToken, Process process, Path log) {
    this.address = address;
    this.tlsAddress = tlsAddress;
    this.rootToken = rootToken;
    this.process = process;
    this.logFile = log;
  }

  /** A store in a container; closing the server stops it. */
  static OpenBaoServer inContainer(String address, String rootToken, AutoCloseable container) {
    OpenBaoServer server = new OpenBaoServer(address, Optional.empty(), rootToken, null, null);
    server.container = container;
    return server;
  }

  /**
   * The store from {@code VAULT_ADDR}/{@code VAULT_TOKEN} if set; else, where a Docker engine
   * answers and no {@code OPENBAO_BIN} is given, a Vault dev server in a container (testcontainers'
   * Vault module, so such machines need no Go toolchain); else a new local OpenBao process.
   */
  public static OpenBaoServer start() {
    String externalAddress = System.getenv("VAULT_ADDR");
    String externalToken = System.getenv("VAULT_TOKEN");
    if (externalAddress != null
        && !externalAddress.isBlank()
        && externalToken != null
        && !externalToken.isBlank()) {
      return new OpenBaoServer(
          stripSlash(externalAddress), Optional.empty(), externalToken, null, null);
    }
    if (System.getenv("OPENBAO_BIN") == null && DockerVault.engineAnswers()) {
      return DockerVault.start();
    }
    return startLocal(null);
  }

  /** Always starts a local process; with {@code tls} it also listens with that certificate. */
  public static OpenBaoServer startLocal(TlsListener tls) {
    return startLocal(tls, null);
  }

  /**
   * As {@link #startLocal(TlsListener)}, and with {@code auditLog} the server logs every request to
   * that file (a file audit device; OpenBao enables audit devices only from its configuration).
   */
  public static OpenBaoServer startLocal(TlsListener tls, Path auditLog) {
    IllegalStateException last = null;
    for (int attempt = 0; attempt < 3; attempt++) {
      try {
        return launch(tls, auditLog);
      } catch (IllegalStateException e) {
        last = e; // most likely a port taken between probing and binding; try other ports
      }
    }
    throw last;
  }

  private static OpenBaoServer launch(TlsListener tls, Path auditLog) {
    Path binary = OpenBaoBinary.locate();
    int port = freePort();
    String token = "root-" + UUID.randomUUID();
    List<String> command = new ArrayList<>();
    command.add(binary.toString());
    command.add("server");
    command.add("-dev");
    command.add("-dev-root-token-id=" + token);
    command.add("-dev-listen-address=127.0.0.1:" + port);
    Optional<String> tlsAddress = Optional.empty();
    try {
      Path workDir = Files.createDirectories(Path.of("target", "openbao"));
      Path log = workDir.resolve("openbao-" + port + ".log").toAbsolutePath();
      StringBuilder config = new StringBuilder();
      if (tls != null) {
        int tlsPort = freePort();
        config
            .append("listener \"tcp\" {\n  address = \"127.0.0.1:")
            .append(tlsPort)
            .append("\"\n  tls_cert_file = \"")
            .append(tls.certificatePem().toAbsolutePath())
            .append("\"\n  tls_key_file = \"")
            .append(tls.privateKeyPem().toAbsolutePath())
            .append("\"\n}\n");
        tlsAddress = Optional.of("https://127.0.0.1:" + tlsPort);
      }
      if (auditLog != null) {
        config
            .append("audit \"file\" \"file\" {\n  options = {\n    file_path = \"")
            .append(auditLog.toAbsolutePath())
            .append("\"\n  }\n}\n");
      }
      if (!config.isEmpty()) {
        Path file = workDir.resolve("config-" + port + ".hcl");
        Files.writeString(file, config.toString());
        command.add("-config=" + file.toAbsolutePath());
      }
      ProcessBuilder builder =
          new ProcessBuilder(command)
              .redirectErrorStream(true)
              .redirectOutput(ProcessBuilder.Redirect.to(log.toFile()));
      // The store must not pick up the caller's VAULT_* settings.
      builder
          .environment()
          .keySet()
          .removeIf(name -> name.startsWith("VAULT_") || name.startsWith("BAO_"));
      Process process = builder.start();
      RUNNING.add(process);
      OpenBaoServer server =
          new OpenBaoServer("http://127.0.0.1:" + port, tlsAddress, token, process, log);
      try {
        server.awaitHealthy(Duration.ofSeconds(60));
      } catch (IllegalStateException e) {
        server.close();
        throw e;
      }
      return server;
    } catch (IOException e) {
      throw new IllegalStateException("cannot start OpenBao from " + binary + ": " + e, e);
    }
  }

  /** Plain-HTTP address, e.g. {@code http://127.0.0.1:38211}. */
  public String address() {
    return address;
  }

  /** The HTTPS address, when started with a {@link TlsListener}. */
  public Optional<String> tlsAddress() {
    return tlsAddress;
  }

  public String rootToken() {
    return rootToken;
  }

  /** True when the tests use a store from {@code VAULT_ADDR} rather than their own process. */
  public boolean isExternal() {
    return process == null;
  }

  public boolean isRunning() {
    return process == null || process.isAlive();
  }

  /**
   * The local server's process id, for a test that pauses it (SIGSTOP: a store that takes
   * connections and never answers); empty for a store from {@code VAULT_ADDR} or in a container.
   */
  public OptionalLong pid() {
    return process == null ? OptionalLong.empty() : OptionalLong.of(process.pid());
  }

  /** Root-token admin API of this store. */
  public StoreAdmin admin() {
    return new StoreAdmin(address, rootToken, Optional.empty());
  }

  /** Stops the server process (for "store down" tests); the address then refuses connections. */
  public void stop() {
    if (process == null) {
      throw new IllegalStateException("cannot stop an external store (VAULT_ADDR)");
    }
    process.destroy();
    try {
      if (!process.waitFor(10, TimeUnit.SECONDS)) {
        process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      process.destroyForcibly();
    }
    RUNNING.remove(process);
  }

  @Override
  public void close() {
    if (process != null && process.isAlive()) {
      stop();
    }
    if (container != null) {
      try {
        container.close();
      } catch (Exception e) {
        throw new IllegalStateException("cannot stop the store container", e);
      }
    }
  }

  private void awaitHealthy(Duration timeout) {
    HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();
    Instant deadline = Instant.now().plus(timeout);
    while (Instant.now().isBefore(deadline)) {
      if (!process.isAlive()) {
        throw new IllegalStateException(
            "OpenBao exited with " + process.exitValue() + " during start-up: " + logTail());
      }
      try {
        HttpResponse<Void> response =
            client.send(
                HttpRequest.newBuilder(URI.create(address + "/v1/sys/health"))
                    .timeout(Duration.ofSeconds(2))
                    .build(),
                HttpResponse.BodyHandlers.discarding());
        if (response.statusCode() == 200) {
          return;
        }
      } catch (IOException notYet) {
        // not listening yet
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted while waiting for OpenBao", e);
      }
      try {
        Thread.sleep(50);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted while waiting for OpenBao", e);
      }
    }
    throw new IllegalStateException(
        "OpenBao did not become healthy in " + timeout + ": " + logTail());
  }

  private String logTail() {
    try {
      List<String> lines = Files.readAllLines(logFile, StandardCharsets.UTF_8);
      return String.join("\n", lines.subList(Math.max(0, lines.size() - 15), lines.size()));
    } catch (IOException e) {
      return "(no log: " + e.getMessage() + ")";
    }
  }

  static int freePort() {
    return LoopbackPorts.free();
  }

  private static String stripSlash(String address) {
    return address.endsWith("/") ? address.substring(0, address.length() - 1) : address;
  }
}
