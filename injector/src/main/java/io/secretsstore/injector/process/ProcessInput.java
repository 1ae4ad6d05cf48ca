package io.secretsstore.injector.process;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The injector's environment and arguments byte for byte, from {@code /proc/self/environ} and
 * {@code /proc/self/cmdline}, decoded with {@link RawText}. What the JVM hands to {@code main} and
 * {@link System#getenv()} is decoded with the locale's charset and loses every non-ASCII byte in a
 * container without a UTF-8 locale. Without {@code /proc} (not Linux) the JVM's view is used.
 *
 * @param environment the variables in their original order (the first of duplicate names wins, as
 *     with {@code getenv})
 * @param arguments the arguments of {@code main}
 */
public record ProcessInput(Map<String, String> environment, List<String> arguments) {

  public static ProcessInput current(String[] jvmArguments) {
    return read(Path.of("/proc/self"), jvmArguments, System.getenv());
  }

  static ProcessInput read(Path proc, String[] jvmArguments, Map<String, String> jvmEnvironment) {
    Map<String, String> environment;
    List<String> arguments;
    try {
      environment = environment(Files.readAllBytes(proc.resolve("environ")));
      arguments = arguments(Files.readAllBytes(proc.resolve("cmdline")), jvmArguments);
    } catch (IOException | RuntimeException noProc) {
      return new ProcessInput(new LinkedHashMap<>(jvmEnvironment), List.of(jvmArguments));
    }
    return new ProcessInput(environment, arguments);
  }

  static Map<String, String> environment(byte[] environ) {
    Map<String, String> environment = new LinkedHashMap<>();
    for (byte[] entry : split(environ)) {
      int equals = indexOf(entry, (byte) '=');
      if (equals <= 0) {
        continue; // not NAME=value: getenv cannot see it either
      }
      String name = RawText.decode(Arrays.copyOfRange(entry, 0, equals));
      environment.putIfAbsent(
          name, RawText.decode(Arrays.copyOfRange(entry, equals + 1, entry.length)));
    }
    return environment;
  }

  /**
   * The arguments of {@code main} are the last ones of the command line (the launcher's own
   * options, {@code @argfiles} included, come before the main class). The JVM's decoded copy tells
   * how many; each must agree with its bytes in every ASCII character, or the JVM's copy is used.
   */
  static List<String> arguments(byte[] cmdline, String[] jvmArguments) {
    List<byte[]> all = split(cmdline);
    if (all.size() < jvmArguments.length) {
      return List.of(jvmArguments);
    }
    List<String> arguments = new ArrayList<>(jvmArguments.length);
    int first = all.size() - jvmArguments.length;
    for (int i = 0; i < jvmArguments.length; i++) {
      String raw = RawText.decode(all.get(first + i));
      if (!asciiOnly(raw).equals(asciiOnly(jvmArguments[i]))) {
        return List.of(jvmArguments);
      }
      arguments.add(raw);
    }
    return arguments;
  }

  private static String asciiOnly(String text) {
    StringBuilder ascii = new StringBuilder(text.length());
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (c < 0x80 && c != '?') {
        ascii.append(c);
      }
    }
    return ascii.toString();
  }

  private static List<byte[]> split(byte[] block) {
    List<byte[]> parts = new ArrayList<>();
    int start = 0;
    for (int i = 0; i < block.length; i++) {
      if (block[i] == 0) {
        parts.add(Arrays.copyOfRange(block, start, i));
        start = i + 1;
      }
    }
    if (start < block.length) {
      parts.add(Arrays.copyOfRange(block, start, block.length));
    }
    return parts;
  }

  private static int indexOf(byte[] bytes, byte value) {
    for (int i = 0; i < bytes.length; i++) {
      if (bytes[i] == value) {
        return i;
      }
    }
    return -1;
  }
}
