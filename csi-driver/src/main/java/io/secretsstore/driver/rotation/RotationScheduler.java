package io.secretsstore.driver.rotation;

import io.secretsstore.driver.publish.DriverMetrics;
import io.secretsstore.driver.publish.MountedVolume;
import io.secretsstore.driver.publish.RotationCycle;
import io.secretsstore.driver.publish.VolumeService;
import io.secretsstore.driver.publish.VolumeService.RotationResult;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Rotation cycles: every {@code interval} (±10% jitter, so the nodes of a cluster do not hit the
 * store in step) all mounted volumes are rotated, {@code parallelism} at a time, as one {@link
 * RotationCycle}: its volumes share one read of each import, and the provider shares one store read
 * per (identity, path, version) among them, however long the cycle takes.
 */
public final class RotationScheduler implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(RotationScheduler.class);

  private final VolumeService volumes;
  private final DriverMetrics metrics;
  private final Duration interval;
  private final ExecutorService workers;
  private final ScheduledExecutorService timer =
      Executors.newSingleThreadScheduledExecutor(
          Thread.ofPlatform().name("rotation-timer").daemon().factory());

  public RotationScheduler(
      VolumeService volumes, DriverMetrics metrics, Duration interval, int parallelism) {
    this.volumes = volumes;
    this.metrics = metrics;
    this.interval = interval;
    this.workers =
        Executors.newFixedThreadPool(
            parallelism, Thread.ofPlatform().name("rotation-", 0).daemon().factory());
  }

  public void start() {
    scheduleNext();
  }

  private void scheduleNext() {
    long base = interval.toMillis();
    long jitter = (long) (base * 0.1 * (ThreadLocalRandom.current().nextDouble() * 2 - 1));
    timer.schedule(
        () -> {
          try {
            runCycle();
          } catch (RuntimeException e) {
            log.error("rotation cycle failed", e);
          } finally {
            if (!timer.isShutdown()) {
              scheduleNext();
            }
          }
        },
        Math.max(1000, base + jitter),
        TimeUnit.MILLISECONDS);
  }

  /** One cycle over all mounted volumes; returns how many ended how. */
  public Map<RotationResult, Integer> runCycle() {
    Instant started = Instant.now();
    RotationCycle cycle = RotationCycle.start();
    List<Future<RotationResult>> results = new ArrayList<>();
    for (MountedVolume volume : volumes.mounted()) {
      results.add(workers.submit(() -> volumes.rotate(volume, cycle)));
    }
    Map<RotationResult, Integer> counts = new EnumMap<>(RotationResult.class);
    for (Future<RotationResult> result : results) {
      try {
        counts.merge(result.get(), 1, Integer::sum);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      } catch (ExecutionException e) {
        counts.merge(RotationResult.FAILED, 1, Integer::sum);
      }
    }
    Duration took = Duration.between(started, Instant.now());
    metrics.rotationCycle(took);
    if (!results.isEmpty()) {
      log.info(
          "rotation cycle over {} volume(s) in {} ms: {}", results.size(), took.toMillis(), counts);
    }
    return counts;
  }

  @Override
  public void close() {
    timer.shutdownNow();
    workers.shutdownNow();
  }
}
