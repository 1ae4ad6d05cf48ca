package io.secretsstore.injector;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Starts the injector jar with variables and arguments given as bytes, through {@code env -i} in a
 * shell script ({@code printf} octal escapes), because a JVM cannot pass bytes that are not valid
 * in its locale to a child. The environment has no {@code LANG} or {@code LC_*}.
 */
final class RawProcess {

  private RawProcess() {}

  /** The injector jar's standard output, as bytes. */
  static byte[] run(
      Map<String, String> env,
      Map<String, byte[]> rawVariables,
      List<String> arguments,
      List<byte[]> rawArguments)
      throws Exception {
    java.util.List<String> command = new java.util.ArrayList<>(InjectorProcess.javaCommand());
    command.addAll(arguments);
    Path file = Files.createTempFile("raw-injector", ".sh");
    Files.writeString(
        file, script("/usr/local/bin:/usr/bin:/bin", env, rawVariables, command, rawArguments));
    return output(new ProcessBuilder("/bin/sh", file.toString()));
  }

  /**
   * A shell script that runs {@code command} (plain words) followed by {@code rawArguments}, with
   * exactly {@code PATH}, {@code env} and {@code rawVariables} as its environment.
   */
  static String script(
      String path,
      Map<String, String> env,
      Map<String, byte[]> rawVariables,
      List<String> command,
      List<byte[]> rawArguments) {
    StringBuilder script = new StringBuilder("exec env -i PATH=" + path);
    env.forEach((name, value) -> script.append(' ').append(quote(name + "=" + value)));
    rawVariables.forEach(
        (name, value) -> {
          byte[] nameBytes = (name + "=").getBytes(StandardCharsets.UTF_8);
          byte[] assignment = new byte[nameBytes.length + value.length];
          System.arraycopy(nameBytes, 0, assignment, 0, nameBytes.length);
          System.arraycopy(value, 0, assignment, nameBytes.length, value.length);
          script.append(' ').append(printf(assignment));
        });
    for (String part : command) {
      script.append(' ').append(quote(part));
    }
    for (byte[] argument : rawArguments) {
      script.append(' ').append(printf(argument));
    }
    return script.append('\n').toString();
  }

  /** Runs to the end; the standard output as bytes, or an error with the standard error. */
  static byte[] output(ProcessBuilder builder) throws Exception {
    Path stdout = Files.createTempFile("raw-injector", ".out");
    Path stderr = Files.createTempFile("raw-injector", ".err");
    Process process =
        builder.redirectOutput(stdout.toFile()).redirectError(stderr.toFile()).start();
    if (!process.waitFor(90, TimeUnit.SECONDS) || process.exitValue() != 0) {
      process.destroyForcibly();
      throw new AssertionError("the injector failed: " + Files.readString(stderr));
    }
    return Files.readAllBytes(stdout);
  }

  private static String quote(String text) {
    return "'" + text.replace("'", "'\\''") + "'";
  }

  /** {@code "$(printf '\ooo...')"}: exactly these bytes as one word. */
  private static String printf(byte[] bytes) {
    StringBuilder out = new StringBuilder("\"$(printf '");
    for (byte b : bytes) {
      out.append(String.format("\\%03o", b & 0xff));
    }
    return out.append("')\"").toString();
  }
}
