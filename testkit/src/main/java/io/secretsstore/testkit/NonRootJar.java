package io.secretsstore.testkit;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A service jar started as the chart starts it: uid/gid 65532 with no supplementary groups ({@code
 * setpriv}, the test runs as root), so the kernel's permission checks are the real ones.
 */
public final class NonRootJar implements AutoCloseable {

  public static final int UID = 65532;

  private final Process process;
  private final Path log;

  private NonRootJar(Process process, Path log) {
    this.process = process;
    this.log = log;
  }

  public static NonRootJar start(Path jar, List<String> args) throws IOException {
    if (!Files.isRegularFile(jar)) {
      throw new IllegalStateException(jar + " does not exist: build it first");
    }
    String java = ProcessHandle.current().info().command().orElse("java");
    List<String> command =
        new ArrayList<>(
            List.of(
                "setpriv",
                "--reuid",
                Integer.toString(UID),
                "--regid",
                Integer.toString(UID),
                "--clear-groups",
                java,
                "-XX:TieredStopAtLevel=1",
                "-jar",
                jar.toAbsolutePath().toString()));
    command.addAll(args);
    Path log = Files.createTempFile("non-root-", ".log");
    ProcessBuilder builder =
        new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
    builder.environment().put("HOME", "/tmp");
    Process process = builder.start();
    Runtime.getRuntime().addShutdownHook(new Thread(process::destroyForcibly));
    return new NonRootJar(process, log);
  }

  public boolean isAlive() {
    return process.isAlive();
  }

  public String output() throws IOException {
    return Files.readString(log, StandardCharsets.UTF_8);
  }

  @Override
  public void close() throws Exception {
    process.destroy();
    if (!process.waitFor(10, TimeUnit.SECONDS)) {
      process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
    }
    Files.deleteIfExists(log);
  }
}
