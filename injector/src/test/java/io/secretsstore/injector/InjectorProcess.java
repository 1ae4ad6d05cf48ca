package io.secretsstore.injector;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** Runs the injector jar as a real process with exactly the given environment. */
final class InjectorProcess {

  record Result(int exitCode, String stdout, String stderr, long pid) {
    String all() {
      return stdout + stderr;
    }
  }

  /** The jar under test; {@code INJECTOR_TEST_JAR} runs the tests against another build. */
  static Path jar() {
    String other = System.getenv("INJECTOR_TEST_JAR");
    if (other != null && !other.isBlank()) {
      return Path.of(other);
    }
    return Path.of(System.getProperty("injector.jar", "target/injector-0.1.0-SNAPSHOT.jar"));
  }

  /** {@code java ... -jar injector.jar}, with the JVM running this test. */
  static List<String> javaCommand() {
    String java = ProcessHandle.current().info().command().orElse("java");
    return List.of(java, "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-jar", jar().toString());
  }

  static Process start(Map<String, String> env, List<String> args, Path stdout, Path stderr)
      throws IOException {
    List<String> command = new ArrayList<>(javaCommand());
    command.addAll(args);
    ProcessBuilder builder =
        new ProcessBuilder(command).redirectOutput(stdout.toFile()).redirectError(stderr.toFile());
    builder.environment().clear();
    builder.environment().put("PATH", "/usr/local/bin:/usr/bin:/bin");
    builder.environment().putAll(env);
    return builder.start();
  }

  /** Runs a prepared command to its end, output captured. */
  static Result finish(ProcessBuilder builder) throws Exception {
    Path stdout = Files.createTempFile("injector", ".out");
    Path stderr = Files.createTempFile("injector", ".err");
    Process process =
        builder.redirectOutput(stdout.toFile()).redirectError(stderr.toFile()).start();
    if (!process.waitFor(90, TimeUnit.SECONDS)) {
      process.destroyForcibly();
      throw new IllegalStateException("did not finish: " + Files.readString(stderr));
    }
    return new Result(
        process.exitValue(), Files.readString(stdout), Files.readString(stderr), process.pid());
  }

  static Result run(Map<String, String> env, String... args) throws Exception {
    Path stdout = Files.createTempFile("injector", ".out");
    Path stderr = Files.createTempFile("injector", ".err");
    Process process = start(env, List.of(args), stdout, stderr);
    if (!process.waitFor(90, TimeUnit.SECONDS)) {
      process.destroyForcibly();
      throw new IllegalStateException("the injector did not finish: " + Files.readString(stderr));
    }
    return new Result(
        process.exitValue(), Files.readString(stdout), Files.readString(stderr), process.pid());
  }
}
