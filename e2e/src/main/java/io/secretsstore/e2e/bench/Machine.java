package io.secretsstore.e2e.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/** What the report says about the machine: CPU model and count, memory, kernel, JVM. */
final class Machine {

  private Machine() {}

  static Map<String, String> describe() {
    Map<String, String> machine = new LinkedHashMap<>();
    machine.put("cpus", String.valueOf(Runtime.getRuntime().availableProcessors()));
    machine.put("cpuModel", firstValue(Path.of("/proc/cpuinfo"), "model name"));
    machine.put("memTotal", firstValue(Path.of("/proc/meminfo"), "MemTotal"));
    machine.put("kernel", System.getProperty("os.version"));
    machine.put("java", System.getProperty("java.version"));
    return machine;
  }

  private static String firstValue(Path file, String key) {
    try {
      return Files.readAllLines(file).stream()
          .filter(line -> line.startsWith(key))
          .map(line -> line.substring(line.indexOf(':') + 1).strip())
          .findFirst()
          .orElse("?");
    } catch (IOException e) {
      return "?";
    }
  }
}
