package io.secretsstore.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * One of our services started from its built jar as a real process (the way e2e and cross-service
 * tests use them: no service calls another's classes). Output goes to a log file the test can read,
 * e.g. to prove that no secret was logged.
 */
public final class ServiceProcess implements AutoCloseable {

  private final Process process;
  private final Path log;

  private ServiceProcess(Process process, Path log) {
    this.process = process;
    this.log = log;
  }

  /**
   * Runs {@code java -jar jar args...} with the JDK running the tests and waits until {@code ready}
   * holds.
   */
  public static ServiceProcess startJar(
      Path jar, List<String> args, BooleanSupplier ready, Duration timeout) throws IOException {
    return startJar(jar, args, java.util.Map.of(), ready, timeout);
  }

  /**
   * {@link #startJar(Path, List, BooleanSupplier, Duration)} with {@code environment} added to (or,
   * with a null value, removed from) the process' environment: a service started with exactly the
   * environment a chart renders.
   */
  public static ServiceProcess startJar(
      Path jar,
      List<String> args,
      java.util.Map<String, String> environment,
      BooleanSupplier ready,
      Duration timeout)
      throws IOException {
    if (!Files.isRegularFile(jar)) {
      throw new IllegalStateException(
          jar + " does not exist: build it first (./dev.sh mvn -pl <module> package -DskipTests)");
    }
    String java = ProcessHandle.current().info().command().orElse("java");
    List<String> command =
        new ArrayList<>(List.of(java, "-XX:TieredStopAtLevel=1", "-jar", jar.toString()));
    command.addAll(args);
    Path log = Files.createTempFile(jar.getFileName().toString().replace(".jar", ""), ".log");
    ProcessBuilder builder =
        new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
    environment.forEach(
        (name, value) -> {
          if (value == null) {
            builder.environment().remove(name);
          } else {
            builder.environment().put(name, value);
          }
        });
    Process process = builder.start();
    ServiceProcess service = new ServiceProcess(process, log);
    // A test JVM that ends without close() (a failed setup, a killed build) takes it along.
    Runtime.getRuntime().addShutdownHook(new Thread(process::destroyForcibly));
    Instant deadline = Instant.now().plus(timeout);
    while (!ready.getAsBoolean()) {
      if (!process.isAlive()) {
        throw new IllegalStateException(
            jar.getFileName() + " exited with " + process.exitValue() + ":\n" + service.output());
      }
      if (Instant.now().isAfter(deadline)) {
        service.close();
        throw new IllegalStateException(
            jar.getFileName() + " not ready within " + timeout + ":\n" + service.output());
      }
      sleep(50);
    }
    return service;
  }

  public boolean isAlive() {
    return process.isAlive();
  }

  /** Everything the process printed so far. */
  public String output() {
    try {
      return Files.readString(log, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  public void close() {
    process.destroy();
    try {
      if (!process.waitFor(10, TimeUnit.SECONDS)) {
        process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      process.destroyForcibly();
    }
  }

  private static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
