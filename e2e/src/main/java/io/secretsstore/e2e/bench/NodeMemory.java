package io.secretsstore.e2e.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.secretsstore.e2e.cluster.Command;
import io.secretsstore.e2e.cluster.RealCluster;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Memory of every container on the node from the kubelet's stats summary API ({@code
 * /stats/summary} on its HTTPS port: cAdvisor's RSS and working set of each container's cgroup) and
 * the bytes in each pod's emptyDir volumes (what the injector's copy costs a pod).
 */
final class NodeMemory {

  /** One container: its pod, RSS and working set in bytes. */
  record Container(
      String namespace, String pod, String container, long rssBytes, long workingSetBytes) {}

  /** One pod volume's used bytes. */
  record Volume(String namespace, String pod, String volume, long usedBytes) {}

  record Snapshot(List<Container> containers, List<Volume> volumes) {
    List<Container> inNamespace(String namespace) {
      return containers.stream().filter(c -> c.namespace.equals(namespace)).toList();
    }
  }

  private static final ObjectMapper JSON = new ObjectMapper();
  private final RealCluster cluster;

  NodeMemory(RealCluster cluster) {
    this.cluster = cluster;
  }

  /**
   * Asks the kubelet itself (its HTTPS port, as the cluster admin): the API server refuses to proxy
   * to this node's loopback address ("address not allowed").
   */
  Snapshot snapshot() {
    Path pki = cluster.dir().resolve("pki");
    String text =
        Command.run(
                List.of(
                    "curl",
                    "-sSf",
                    "--max-time",
                    "30",
                    "--cacert",
                    pki.resolve("ca.crt").toString(),
                    "--cert",
                    pki.resolve("admin.crt").toString(),
                    "--key",
                    pki.resolve("admin.key").toString(),
                    "https://127.0.0.1:" + kubeletPort() + "/stats/summary"),
                Map.of(),
                Duration.ofMinutes(1))
            .orThrow()
            .stdout();
    try {
      return parse(JSON.readTree(text));
    } catch (IOException e) {
      throw new UncheckedIOException("kubelet stats summary is not JSON", e);
    }
  }

  private String kubeletPort() {
    Path env = cluster.dir().resolve("cluster.env");
    try {
      return Files.readAllLines(env).stream()
          .filter(line -> line.startsWith("KUBELET_PORT="))
          .map(line -> line.substring("KUBELET_PORT=".length()))
          .findFirst()
          .orElseThrow(() -> new IllegalStateException("no KUBELET_PORT in " + env));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static Snapshot parse(JsonNode summary) {
    List<Container> containers = new ArrayList<>();
    List<Volume> volumes = new ArrayList<>();
    for (JsonNode pod : summary.path("pods")) {
      String namespace = pod.path("podRef").path("namespace").asText();
      String name = pod.path("podRef").path("name").asText();
      for (JsonNode c : pod.path("containers")) {
        containers.add(
            new Container(
                namespace,
                name,
                c.path("name").asText(),
                c.path("memory").path("rssBytes").asLong(0),
                c.path("memory").path("workingSetBytes").asLong(0)));
      }
      for (JsonNode v : pod.path("volume")) {
        volumes.add(
            new Volume(namespace, name, v.path("name").asText(), v.path("usedBytes").asLong(0)));
      }
    }
    return new Snapshot(containers, volumes);
  }
}
