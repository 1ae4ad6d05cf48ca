package io.secretsstore.helm;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The real helm CLI, run as a process on the chart directory. The binary is {@code HELM_BIN}, or
 * the one {@code tools/helm/build.sh} builds (cached) from the version pinned there.
 */
final class Helm {

  /** The Kubernetes version templates are rendered for (the e2e cluster's). */
  static final String KUBE_VERSION = "1.34.4";

  static final String NAMESPACE = "d8-secrets-store-integration";

  record Result(int exitCode, String stdout, String stderr) {
    boolean ok() {
      return exitCode == 0;
    }
  }

  private static Path binary;

  private Helm() {}

  static Path chartDir() {
    return Path.of(System.getProperty("chart.dir", ".")).toAbsolutePath().normalize();
  }

  static Path projectRoot() {
    return Path.of(System.getProperty("project.root", "..")).toAbsolutePath().normalize();
  }

  static synchronized Path binary() {
    if (binary != null) {
      return binary;
    }
    String env = System.getenv("HELM_BIN");
    if (env != null && !env.isBlank()) {
      binary = Path.of(env);
    } else {
      Path script = projectRoot().resolve("tools/helm/build.sh");
      if (!Files.isExecutable(script)) {
        throw new IllegalStateException(
            "no helm: set HELM_BIN to a helm v3 binary, or add tools/helm/build.sh ("
                + script
                + ")");
      }
      Result built = run(List.of(script.toString()), projectRoot(), 30);
      if (!built.ok()) {
        throw new IllegalStateException("tools/helm/build.sh failed: " + built.stderr());
      }
      String[] lines = built.stdout().strip().split("\n");
      binary = Path.of(lines[lines.length - 1].strip());
    }
    if (!Files.isExecutable(binary)) {
      throw new IllegalStateException("helm binary is not executable: " + binary);
    }
    return binary;
  }

  /** {@code helm template} of the chart with the given values files and --set arguments. */
  static Result template(List<Path> valuesFiles, List<String> sets) {
    List<String> command = new ArrayList<>();
    command.addAll(
        List.of(
            binary().toString(),
            "template",
            "secrets-store-integration",
            chartDir().toString(),
            "--namespace",
            NAMESPACE,
            "--kube-version",
            KUBE_VERSION));
    for (Path values : valuesFiles) {
      command.add("--values");
      command.add(values.toString());
    }
    for (String set : sets) {
      command.add("--set");
      command.add(set);
    }
    return run(command, chartDir(), 5);
  }

  static Result lint(Path valuesFile) {
    return run(
        List.of(
            binary().toString(),
            "lint",
            "--strict",
            "--kube-version",
            KUBE_VERSION,
            "--values",
            valuesFile.toString(),
            chartDir().toString()),
        chartDir(),
        5);
  }

  static Result run(List<String> command, Path dir, int timeoutMinutes) {
    try {
      Path out = Files.createTempFile("helm-out", ".txt");
      Path err = Files.createTempFile("helm-err", ".txt");
      try {
        Process process =
            new ProcessBuilder(command)
                .directory(dir.toFile())
                .redirectOutput(out.toFile())
                .redirectError(err.toFile())
                .start();
        if (!process.waitFor(timeoutMinutes, TimeUnit.MINUTES)) {
          process.destroyForcibly();
          throw new IllegalStateException("timed out: " + String.join(" ", command));
        }
        return new Result(
            process.exitValue(),
            Files.readString(out, StandardCharsets.UTF_8),
            Files.readString(err, StandardCharsets.UTF_8));
      } finally {
        Files.deleteIfExists(out);
        Files.deleteIfExists(err);
      }
    } catch (IOException e) {
      throw new IllegalStateException("cannot run " + command.get(0) + ": " + e.getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
