package io.secretsstore.daemon.startup;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.ApplicationArguments;
import org.springframework.boot.ApplicationRunner;

/**
 * Runs the daemon's {@link WarmUp} steps before it reports ready. Spring Boot publishes {@code
 * ReadinessState.ACCEPTING_TRAFFIC} (the chart's readiness probe) and {@code ApplicationReadyEvent}
 * (the driver's kubelet registration) only after every {@link ApplicationRunner} returned, so
 * readiness follows the warm-up by construction. Bounded: after {@code timeout} the start goes on
 * (one WARN line) and the steps left finish in the background; a failing step logs one line.
 */
public final class StartupWarmUp implements ApplicationRunner {

  private static final Logger log = LoggerFactory.getLogger(StartupWarmUp.class);

  /** What became of one step. */
  public record StepResult(String name, long millis, String failure) {
    public boolean succeeded() {
      return failure == null;
    }
  }

  private final List<WarmUp.Step> steps;
  private final Duration timeout;
  private final boolean enabled;
  private final CountDownLatch finished = new CountDownLatch(1);
  private final List<StepResult> results = Collections.synchronizedList(new ArrayList<>());
  private volatile boolean gaveUp;

  public StartupWarmUp(List<WarmUp> warmUps, Duration timeout, boolean enabled) {
    List<WarmUp.Step> all = new ArrayList<>();
    warmUps.forEach(warmUp -> all.addAll(warmUp.steps()));
    this.steps = List.copyOf(all);
    this.timeout = timeout;
    this.enabled = enabled;
  }

  @Override
  public void run(ApplicationArguments args) throws InterruptedException {
    if (!enabled || steps.isEmpty()) {
      log.info("Start-up warm-up is off (secrets-store.warm-up.enabled=false or no steps)");
      finished.countDown();
      return;
    }
    long started = System.nanoTime();
    // Its own thread, so the bound holds even when a step blocks; a daemon thread never keeps the
    // JVM from exiting.
    Thread.ofPlatform().name("startup-warm-up").daemon().start(this::runSteps);
    if (!finished.await(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
      gaveUp = true;
      log.warn(
          "Start-up warm-up did not finish within {} (secrets-store.warm-up.timeout); reporting"
              + " ready anyway, the first requests may be slower (finished: {})",
          timeout,
          summary());
      return;
    }
    log.info(
        "Start-up warm-up before readiness took {} ms: {}",
        TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started),
        summary());
  }

  private void runSteps() {
    try {
      for (WarmUp.Step step : steps) {
        long t = System.nanoTime();
        String failure = null;
        try {
          step.work().run();
        } catch (Exception | LinkageError e) {
          failure = e.getClass().getSimpleName() + ": " + oneLine(e.getMessage());
          log.warn("Start-up warm-up step '{}' failed (ignored): {}", step.name(), failure);
        }
        results.add(
            new StepResult(
                step.name(), TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t), failure));
      }
    } finally {
      finished.countDown();
    }
  }

  /** Whether the warm-up is over: every step ran, it is off, or it ran out of time. */
  public boolean finished() {
    return finished.getCount() == 0 || gaveUp;
  }

  /** Whether it ran out of time before its steps were done. */
  public boolean gaveUp() {
    return gaveUp;
  }

  /** The steps that ran so far, in order. */
  public List<StepResult> results() {
    synchronized (results) {
      return List.copyOf(results);
    }
  }

  private String summary() {
    Map<String, String> parts = new LinkedHashMap<>();
    for (StepResult result : results()) {
      parts.put(result.name(), result.millis() + " ms" + (result.succeeded() ? "" : " (failed)"));
    }
    return parts.isEmpty() ? "no step" : parts.toString();
  }

  private static String oneLine(String message) {
    return message == null ? "" : message.replaceAll("\\s*[\\r\\n]+\\s*", " ").strip();
  }
}
