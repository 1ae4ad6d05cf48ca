package io.secretsstore.e2e.bench;

import io.secretsstore.e2e.cluster.Waiting;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Rotation: while the burst's pods keep their volumes of the one 5-file import mounted, the store's
 * audit log is watched for {@code cycles} rotation intervals (the chart install sets 15 s).
 * Requests are grouped into cycles by the quiet gaps between them; the API server's writes in the
 * same window come from its own request counter.
 */
final class RotationPhase {

  /** One rotation cycle as the store saw it. */
  record Cycle(long reads, long logins, long uniquePaths, double durationMs) {}

  record Result(
      int volumes,
      double windowSeconds,
      double intervalSeconds,
      long reads,
      long logins,
      double readsPerInterval,
      double loginsPerInterval,
      List<Cycle> cycles,
      Map<String, Double> apiWrites) {}

  private final BenchPlan plan;
  private final Consumer<String> log;

  RotationPhase(BenchPlan plan, Consumer<String> log) {
    this.plan = plan;
    this.log = log;
  }

  Result run(int volumes, StoreTraffic store, ApiServerMetrics metrics) {
    // Let the mount wave's own reads pass, so the window holds rotation only.
    Waiting.sleep(Duration.ofSeconds(2));
    ApiServerMetrics.Snapshot before = metrics.snapshot();
    long mark = store.mark();
    Instant start = Instant.now();
    Duration window = plan.rotationInterval().multipliedBy(plan.rotationCycles());
    log.accept("rotation: watching " + volumes + " volumes for " + window.toSeconds() + " s");
    Waiting.sleep(window);
    List<StoreTraffic.Entry> entries = store.since(mark);
    Map<String, Double> writes = metrics.snapshot().writesSince(before);
    double seconds = Duration.between(start, Instant.now()).toMillis() / 1000.0;
    long reads = entries.stream().filter(StoreTraffic.Entry::isBenchRead).count();
    long logins = entries.stream().filter(StoreTraffic.Entry::isBenchLogin).count();
    double intervals = seconds / plan.rotationInterval().toMillis() * 1000.0;
    return new Result(
        volumes,
        seconds,
        plan.rotationInterval().toMillis() / 1000.0,
        reads,
        logins,
        reads / intervals,
        logins / intervals,
        cycles(entries),
        writes);
  }

  /** Groups the benchmark's requests into bursts separated by at least a third of the interval. */
  private List<Cycle> cycles(List<StoreTraffic.Entry> entries) {
    Duration gap = plan.rotationInterval().dividedBy(3);
    List<Cycle> cycles = new ArrayList<>();
    List<StoreTraffic.Entry> current = new ArrayList<>();
    for (StoreTraffic.Entry entry : entries) {
      if (!entry.isBenchRead() && !entry.isBenchLogin()) {
        continue;
      }
      if (!current.isEmpty()
          && Duration.between(current.getLast().time(), entry.time()).compareTo(gap) > 0) {
        cycles.add(cycle(current));
        current = new ArrayList<>();
      }
      current.add(entry);
    }
    if (!current.isEmpty()) {
      cycles.add(cycle(current));
    }
    return cycles;
  }

  private static Cycle cycle(List<StoreTraffic.Entry> entries) {
    return new Cycle(
        entries.stream().filter(StoreTraffic.Entry::isBenchRead).count(),
        entries.stream().filter(StoreTraffic.Entry::isBenchLogin).count(),
        entries.stream()
            .filter(StoreTraffic.Entry::isBenchRead)
            .map(StoreTraffic.Entry::path)
            .distinct()
            .count(),
        PodStartPhase.millis(entries.getFirst().time(), entries.getLast().time()));
  }
}
