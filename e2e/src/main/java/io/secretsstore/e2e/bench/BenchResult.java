package io.secretsstore.e2e.bench;

import java.time.Instant;
import java.util.List;
import java.util.Map;

/** Everything one run of the system benchmark measured; written as JSON and as the report. */
record BenchResult(
    String plan,
    Instant started,
    double tookSeconds,
    Map<String, String> machine,
    PodStartPhase.Result podStart,
    ApiServerMetrics.WebhookLatency webhookPodStart,
    WebhookPhase.Result webhookLoad,
    List<BurstOutcome> bursts,
    RotationPhase.Result rotation,
    OutagePhase.Result outage,
    WatchModePhase.Result watchMode,
    List<NodeMemory.Container> memoryIdle,
    List<String> notes) {

  /** A burst with what the node and the webhook paid for it. */
  record BurstOutcome(
      BurstPhase.Result burst,
      UpstreamModel model,
      ApiServerMetrics.WebhookLatency webhook,
      List<NodeMemory.Container> componentMemory,
      PodCost podCost) {}

  /** What each burst pod paid: its app container's memory and its emptyDir bytes. */
  record PodCost(
      int pods, long appRssAvgBytes, long appWorkingSetAvgBytes, long emptyDirAvgBytes) {}
}
