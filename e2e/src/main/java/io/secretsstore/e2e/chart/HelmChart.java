package io.secretsstore.e2e.chart;

import io.secretsstore.e2e.cluster.Command;
import io.secretsstore.e2e.cluster.RealCluster;
import io.secretsstore.e2e.cluster.RepoLayout;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Installs, upgrades and removes the project's chart with the real helm CLI (built by {@code
 * tools/helm/build.sh}), exactly as a user does: a release name, a namespace, a values file.
 */
public final class HelmChart {

  private final RepoLayout repo;
  private final RealCluster cluster;
  private final Path helm;
  private final Path workDir;

  public HelmChart(RepoLayout repo, RealCluster cluster, Path workDir) {
    this.repo = repo;
    this.cluster = cluster;
    this.workDir = workDir;
    this.helm = locateHelm(repo);
  }

  /** {@code HELM_BIN} if set, else the cached build of tools/helm (built when missing). */
  public static Path locateHelm(RepoLayout repo) {
    Command.Result result =
        Command.run(
            List.of(repo.tool("helm/build.sh").toString()), Map.of(), Duration.ofMinutes(40));
    return Path.of(result.orThrow().stdout().strip());
  }

  /** {@code helm upgrade --install --wait} of the chart with {@code values} (YAML text). */
  public Command.Result install(String release, String namespace, String valuesYaml) {
    return helm(
        "upgrade",
        "--install",
        release,
        repo.chart().toString(),
        "--namespace",
        namespace,
        "--create-namespace",
        "--values",
        writeValues(release, valuesYaml).toString(),
        "--wait",
        "--timeout",
        "10m");
  }

  /** {@code helm upgrade --wait} with two values files, the second winning. */
  public Command.Result upgrade(
      String release, String namespace, String valuesYaml, String overridesYaml) {
    return helm(
        "upgrade",
        release,
        repo.chart().toString(),
        "--namespace",
        namespace,
        "--values",
        writeValues(release, valuesYaml).toString(),
        "--values",
        writeValues(release + "-overrides", overridesYaml).toString(),
        "--wait",
        "--timeout",
        "10m");
  }

  public Command.Result uninstall(String release, String namespace) {
    return helm("uninstall", release, "--namespace", namespace, "--wait", "--timeout", "5m");
  }

  public Command.Result template(String release, String namespace, String valuesYaml) {
    return helm(
        "template",
        release,
        repo.chart().toString(),
        "--namespace",
        namespace,
        "--values",
        writeValues(release, valuesYaml).toString());
  }

  public Command.Result helm(String... args) {
    List<String> command = new ArrayList<>(List.of(helm.toString()));
    command.addAll(List.of(args));
    return Command.run(
        command,
        Map.of(
            "KUBECONFIG", cluster.kubeconfig().toString(),
            "HELM_CACHE_HOME", workDir.resolve("helm/cache").toString(),
            "HELM_CONFIG_HOME", workDir.resolve("helm/config").toString(),
            "HELM_DATA_HOME", workDir.resolve("helm/data").toString()),
        Duration.ofMinutes(15));
  }

  private Path writeValues(String release, String valuesYaml) {
    try {
      Files.createDirectories(workDir);
      Path file = workDir.resolve(release + "-values.yaml");
      Files.writeString(file, valuesYaml);
      return file;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
