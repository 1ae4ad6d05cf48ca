package io.secretsstore.e2e.bench;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The benchmark's parsers and manifests, without a cluster. */
class BenchPartsTest {

  @Test
  void percentilesAreNearestRankValuesOfTheSample() {
    List<Double> sample =
        java.util.stream.IntStream.rangeClosed(1, 100).mapToObj(i -> (double) i).toList();

    Percentiles p = Percentiles.of(sample);

    assertThat(p.count()).isEqualTo(100);
    assertThat(p.p50()).isEqualTo(50.0);
    assertThat(p.p95()).isEqualTo(95.0);
    assertThat(p.max()).isEqualTo(100.0);
    assertThat(Percentiles.of(List.of()).count()).isZero();
  }

  @Test
  void everyVariantIsAValidPodWithWhatItAsksFor() {
    for (PodVariant variant : PodVariant.values()) {
      Pod pod = Serialization.unmarshal(BenchManifests.pod("p", variant, "podstart"), Pod.class);

      assertThat(pod.getMetadata().getLabels()).containsEntry("bench-phase", "podstart");
      var app = pod.getSpec().getContainers().getFirst();
      assertThat(app.getCommand().getLast()).endsWith("echo bench-started; exec sleep 36000");
      assertThat(pod.getSpec().getVolumes().size()).isEqualTo(variant.files() ? 1 : 0);
      assertThat(app.getEnv().size()).isEqualTo(variant.env() ? 5 : 0);
      assertThat(pod.getMetadata().getAnnotations().containsKey("secrets-store.deckhouse.io/role"))
          .isEqualTo(variant.env());
      if (variant.env()) {
        assertThat(app.getEnv().getLast().getValue())
            .isEqualTo("secrets-store:secret/data/e2e/bench-env-5#value");
        assertThat(app.getCommand().getLast()).contains("[ -n \"$F5\" ]");
      }
      if (variant.files()) {
        assertThat(pod.getSpec().getVolumes().getFirst().getCsi().getVolumeAttributes())
            .containsEntry("secretsStoreImport", "bench-files");
        assertThat(app.getCommand().getLast()).contains("[ -s /mnt/secrets/file-5 ]");
      }
    }
  }

  @Test
  void theBurstIsADeploymentOfZeroReplicasSelectingItsPods() {
    Deployment deployment =
        Serialization.unmarshal(
            BenchManifests.deployment("burst-both", PodVariant.BOTH), Deployment.class);

    assertThat(deployment.getSpec().getReplicas()).isZero();
    assertThat(deployment.getSpec().getSelector().getMatchLabels())
        .containsEntry("bench-burst", "burst-both");
    assertThat(deployment.getSpec().getTemplate().getMetadata().getLabels())
        .containsEntry("bench-burst", "burst-both");
    assertThat(deployment.getSpec().getTemplate().getSpec().getVolumes()).hasSize(1);
  }

  @Test
  void theImportHasFiveFilesOfFivePaths() {
    var ssi =
        Serialization.unmarshal(
            BenchManifests.fileImport(),
            io.fabric8.kubernetes.api.model.GenericKubernetesResource.class);

    @SuppressWarnings("unchecked")
    List<Object> files =
        (List<Object>)
            ((java.util.Map<String, Object>) ssi.getAdditionalProperties().get("spec"))
                .get("files");
    assertThat(files).hasSize(5);
    assertThat(files.getLast().toString()).contains("file-5", "secret/data/e2e/bench-file-5");
  }

  @Test
  void logTimestampsAreReadWithNanoseconds() {
    String logs =
        "2026-12-02T10:00:00.123456789Z other\n2026-12-02T10:00:01.000000001Z bench-started\n";

    assertThat(ContainerLogs.parse(logs, "bench-started"))
        .isEqualTo(Instant.parse("2026-12-02T10:00:01.000000001Z"));
    assertThat(ContainerLogs.parse("2026-12-02T10:00:00Z nothing", "bench-started")).isNull();
  }

  @Test
  void apiServerWritesAndWebhookLatencyAreDeltasOfItsCounters() {
    String before =
        """
        # HELP apiserver_request_total x
        apiserver_request_total{code="201",component="apiserver",resource="pods",subresource="",verb="POST"} 10
        apiserver_request_total{code="200",component="apiserver",resource="leases",subresource="",verb="PUT"} 5
        apiserver_request_total{code="200",component="apiserver",resource="pods",subresource="",verb="GET"} 100
        apiserver_admission_webhook_admission_duration_seconds_bucket{name="w",operation="CREATE",rejected="false",type="admit",le="0.005"} 0
        apiserver_admission_webhook_admission_duration_seconds_bucket{name="w",operation="CREATE",rejected="false",type="admit",le="0.01"} 0
        apiserver_admission_webhook_admission_duration_seconds_bucket{name="w",operation="CREATE",rejected="false",type="admit",le="+Inf"} 0
        """;
    String after =
        """
        apiserver_request_total{code="201",component="apiserver",resource="pods",subresource="",verb="POST"} 14
        apiserver_request_total{code="200",component="apiserver",resource="leases",subresource="",verb="PUT"} 5
        apiserver_request_total{code="200",component="apiserver",resource="pods",subresource="status",verb="PATCH"} 3
        apiserver_request_total{code="200",component="apiserver",resource="pods",subresource="",verb="GET"} 180
        apiserver_admission_webhook_admission_duration_seconds_bucket{name="w",operation="CREATE",rejected="false",type="admit",le="0.005"} 2
        apiserver_admission_webhook_admission_duration_seconds_bucket{name="w",operation="CREATE",rejected="false",type="admit",le="0.01"} 4
        apiserver_admission_webhook_admission_duration_seconds_bucket{name="w",operation="CREATE",rejected="false",type="admit",le="+Inf"} 4
        """;
    var then = new ApiServerMetrics.Snapshot(ApiServerMetrics.parse(before));
    var now = new ApiServerMetrics.Snapshot(ApiServerMetrics.parse(after));

    assertThat(now.writesSince(then))
        .containsOnly(java.util.Map.entry("pods", 4.0), java.util.Map.entry("pods/status", 3.0));
    ApiServerMetrics.WebhookLatency latency = now.webhookSince(then);
    assertThat(latency.admissions()).isEqualTo(4);
    assertThat(latency.p50Ms()).isEqualTo(5.0);
    assertThat(latency.p99Ms()).isBetween(5.0, 10.0);
  }

  @Test
  void storeTrafficCountsTheBenchmarksLoginsAndReadsOnly(@TempDir Path dir) throws Exception {
    Path audit = dir.resolve("audit.log");
    Files.writeString(
        audit,
        """
        {"type":"request","time":"2026-12-02T10:00:00.1Z","request":{"operation":"update","path":"auth/kubernetes_local/login"}}
        {"type":"response","time":"2026-12-02T10:00:00.2Z","request":{"operation":"update","path":"auth/kubernetes_local/login"},"response":{"auth":{"metadata":{"service_account_namespace":"bench"}}}}
        {"type":"response","time":"2026-12-02T10:00:00.2Z","request":{"operation":"update","path":"auth/kubernetes_local/login"},"response":{"auth":{"metadata":{"service_account_namespace":"my-namespace"}}}}
        {"type":"response","time":"2026-12-02T10:00:00.2Z","error":"permission denied","request":{"operation":"update","path":"auth/kubernetes_local/login"}}
        {"type":"request","time":"2026-12-02T10:00:00.3Z","auth":{"metadata":{"service_account_namespace":"bench"}},"request":{"operation":"read","path":"secret/data/e2e/bench-file-1"}}
        {"type":"request","time":"2026-12-02T10:00:00.4Z","request":{"operation":"read","path":"secret/data/e2e/bench-file-1"}}
        {"type":"request","time":"2026-12-02T10:00:00.5Z","request":{"operation":"read","path":"secret/data/myapp"}}
        {"type":"requ
        """);

    StoreTraffic.Counts counts = new StoreTraffic(audit).countsSince(0);

    assertThat(counts).isEqualTo(new StoreTraffic.Counts(1, 1, 2, 1));
  }

  @Test
  void aRunIsWrittenAsJsonAndAsTheReportsTables(@TempDir Path dir) throws Exception {
    var sample = new PodStartPhase.Sample(PodVariant.PLAIN, 10, 900, 950);
    var p = Percentiles.of(List.of(900.0));
    var variant = new PodStartPhase.VariantResult(PodVariant.PLAIN, List.of(sample), 0, p, p, p);
    var counts = new StoreTraffic.Counts(1, 0, 5, 5);
    var podStart =
        new PodStartPhase.Result(java.util.Map.of(PodVariant.PLAIN, variant), counts, 5, 0, 3.0);
    var burst =
        new BurstPhase.Result(PodVariant.FILES, 3, 3, 2000, p, 3, p, 0, java.util.Map.of(), counts);
    var memory =
        List.of(
            new NodeMemory.Container(
                "ns", "secrets-store-csi-driver-abcde", "csi-driver", 100 << 20, 120 << 20));
    var outcome =
        new BenchResult.BurstOutcome(
            burst,
            UpstreamModel.mounts(3, 5),
            new ApiServerMetrics.WebhookLatency(3, 4.0, 9.0),
            memory,
            new BenchResult.PodCost(3, 1 << 20, 2 << 20, 0));
    var rotation =
        new RotationPhase.Result(
            3,
            15,
            15,
            5,
            0,
            5,
            0,
            List.of(new RotationPhase.Cycle(5, 0, 5, 20)),
            java.util.Map.of("leases", 2.0));
    var result =
        new BenchResult(
            "test",
            Instant.parse("2026-12-02T10:00:00Z"),
            60,
            Machine.describe(),
            podStart,
            new ApiServerMetrics.WebhookLatency(1, 3.0, 3.0),
            new WebhookPhase.Result(
                List.of(
                    new WebhookPhase.Load(
                        "command in the pod spec",
                        16,
                        16,
                        0,
                        new ApiServerMetrics.WebhookLatency(16, 4.0, 9.5),
                        p))),
            List.of(outcome),
            rotation,
            new OutagePhase.Result(
                20.5,
                42,
                new StoreTraffic.Counts(1, 0, 10, 10),
                10,
                3,
                3,
                2,
                2,
                3,
                p,
                2,
                java.util.Map.of("Running/CrashLoopBackOff: secrets-store-injector error: a|b", 1)),
            new WatchModePhase.Result(
                2,
                2,
                30.0,
                new BenchResult.PodCost(2, 40L << 20, 41L << 20, 0),
                new StoreTraffic.Counts(0, 0, 30, 5)),
            memory,
            List.of());

    Path json = BenchReport.writeJson(result, dir);
    Path doc = dir.resolve("benchmarks.md");
    Files.writeString(
        doc, "# kept\n" + BenchReport.BEGIN + "\nold\n" + BenchReport.END + "\n# also kept\n");
    BenchReport.writeMarkdown(result, doc);

    assertThat(Files.readString(json))
        .contains("\"started\" : \"2026-12-02T10:00:00Z\"", "\"tookSeconds\" : 3.0");
    String text = Files.readString(doc);
    assertThat(text)
        .startsWith("# kept\n")
        .contains("# also kept", "| plain pod (baseline) | 1 | 0 |", "100.0 MiB")
        .contains(
            "| connection attempts while down (all clients, iptables SYN count) | 42 (2.0/s) |")
        .contains("| mounted volumes with every file after the failed cycles | 3 / 3 |")
        .contains("| outage pods with their secrets | 2 / 3 |")
        .contains("polls every 10 s) | 2 | 40.0 MiB | 41.0 MiB | 0.0 MiB |")
        .contains("the store saw 30 reads (5.0 per pod per poll")
        .contains("| 1 | Running/CrashLoopBackOff: secrets-store-injector error: a\\|b |")
        .contains("![Pod start per variant](benchmarks-pod-start.svg)")
        .contains("| command in the pod spec | 16 | 16 | 0 | 4.0 / 9.5 ms | 900 / 900 ms |")
        .doesNotContain("old");
    assertThat(Files.readString(dir.resolve("benchmarks-pod-start.svg")))
        .startsWith("<svg")
        .contains("plain pod (baseline)", "all containers running", "900 / 900 ms")
        .endsWith("</svg>\n");
  }
}
