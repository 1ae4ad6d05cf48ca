package io.secretsstore.e2e.cluster;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Runs one external command (a tools/ script, kubectl, helm) and returns what it printed. Output is
 * read while the command runs, so a chatty command never blocks on a full pipe.
 */
public final class Command {

  /** What a finished command left: exit code, stdout and stderr as text. */
  public record Result(List<String> command, int exitCode, String stdout, String stderr) {
    public boolean ok() {
      return exitCode == 0;
    }

    /** This result, or an exception carrying the command, its exit code and its output. */
    public Result orThrow() {
      if (!ok()) {
        throw new IllegalStateException(
            String.join(" ", command) + " exited with " + exitCode + ":\n" + stderr + stdout);
      }
      return this;
    }
  }

  private Command() {}

  public static Result run(List<String> command, Map<String, String> env, Duration timeout) {
    return run(command, env, null, timeout);
  }

  public static Result run(
      List<String> command, Map<String, String> env, Path workDir, Duration timeout) {
    ProcessBuilder builder = new ProcessBuilder(new ArrayList<>(command));
    builder.environment().putAll(env);
    if (workDir != null) {
      builder.directory(workDir.toFile());
    }
    builder.redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()));
    try {
      Process process = builder.start();
      CompletableFuture<String> out = drain(process.getInputStream());
      CompletableFuture<String> err = drain(process.getErrorStream());
      if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
        process.descendants().forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly();
        process.waitFor(10, TimeUnit.SECONDS);
        throw new IllegalStateException(
            String.join(" ", command) + " did not finish within " + timeout + ":\n" + err.join());
      }
      return new Result(List.copyOf(command), process.exitValue(), out.join(), err.join());
    } catch (IOException e) {
      throw new UncheckedIOException("could not start " + command.getFirst(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while running " + command.getFirst(), e);
    }
  }

  private static CompletableFuture<String> drain(java.io.InputStream stream) {
    return CompletableFuture.supplyAsync(
        () -> {
          try (stream) {
            return new String(stream.readAllBytes(), StandardCharsets.UTF_8);
          } catch (IOException e) {
            return "(output unreadable: " + e.getMessage() + ")";
          }
        },
        Thread::startVirtualThread);
  }
}
