package io.secretsstore.e2e.bench;

import static org.assertj.core.api.Assertions.assertThat;

import io.secretsstore.e2e.E2eSystem;
import io.secretsstore.e2e.InstalledSystem;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The system benchmark with tiny counts, in the e2e suite: the harness works and its numbers are
 * structurally sane (every pod counted, every burst pod Ready, the store saw the benchmark's logins
 * and reads, memory of every component read). Counts only; timings are printed, never asserted.
 */
@ExtendWith(E2eSystem.class)
class SystemBenchSmokeIT {

  @Test
  void theHarnessMeasuresEveryPhase(InstalledSystem system) throws Exception {
    BenchPlan plan = BenchPlan.smoke();
    BenchResult result =
        new SystemBench(system, plan, line -> System.err.println("bench smoke: " + line)).run();
    String markdown = BenchReport.markdown(result);
    System.out.println(markdown);
    Path json = BenchReport.writeJson(result, Path.of("target/bench").toAbsolutePath());

    for (PodVariant variant : plan.variants()) {
      PodStartPhase.VariantResult started = result.podStart().variants().get(variant);
      assertThat(started.failures()).as(variant + " pods that never ran").isZero();
      assertThat(started.samples()).as(variant + " samples").hasSize(plan.podsPerVariant());
      // Every pod printed its marker, so its files and env were there when the app started.
      assertThat(started.app().count())
          .as(variant + " app outputs")
          .isEqualTo(plan.podsPerVariant());
      assertThat(started.samples())
          .allSatisfy(
              s -> {
                assertThat(s.createdMs()).isPositive();
                assertThat(s.runningMs()).isGreaterThanOrEqualTo(s.createdMs());
              });
    }
    long podsWithSecrets =
        plan.variants().stream().filter(v -> v.files() || v.env()).count() * plan.podsPerVariant();
    assertThat(result.podStart().store().logins()).isBetween(1L, 2 * podsWithSecrets);
    assertThat(result.podStart().fileReads()).isPositive();
    assertThat(result.podStart().envReads()).isPositive();

    // Both pods at concurrency 1 and 16, every admission answered and seen by the API server.
    assertThat(result.webhookLoad().loads()).hasSize(4);
    for (WebhookPhase.Load load : result.webhookLoad().loads()) {
      assertThat(load.denied()).as(load.pod() + " at " + load.concurrency()).isZero();
      assertThat(load.roundTripMs().count()).isEqualTo(plan.webhookRequests());
      assertThat(load.apiServer().admissions()).isGreaterThanOrEqualTo(plan.webhookRequests());
    }
    assertThat(result.bursts()).hasSize(plan.burstVariants().size());
    for (BenchResult.BurstOutcome burst : result.bursts()) {
      assertThat(burst.burst().ready())
          .as(burst.burst().variant() + " burst")
          .isEqualTo(plan.burstReplicas());
      assertThat(burst.burst().podReady().count()).isEqualTo(plan.burstReplicas());
      assertThat(burst.burst().appStarted())
          .as(burst.burst().variant() + " burst pods whose app saw its secrets")
          .isEqualTo(plan.burstReplicas());
      assertThat(burst.burst().store().reads()).isPositive();
      assertThat(burst.burst().store().uniqueReadPaths()).isEqualTo(5);
      assertThat(burst.podCost().pods()).isEqualTo(plan.burstReplicas());
      assertThat(burst.componentMemory()).isNotEmpty();
    }
    assertThat(result.rotation()).isNotNull();
    assertThat(result.rotation().volumes()).isEqualTo(plan.burstReplicas());
    // The outage: pods needed the store while it was away, so clients knocked; every mounted file
    // survived the failed cycles; every pod started during the outage got its secrets afterwards.
    OutagePhase.Result outage = result.outage();
    assertThat(outage).isNotNull();
    assertThat(outage.attemptsWhileDown()).isPositive();
    assertThat(outage.volumesChecked()).isEqualTo(plan.burstReplicas());
    assertThat(outage.volumesIntact()).isEqualTo(outage.volumesChecked());
    assertThat(outage.podsStarted())
        .as("outage pods with their secrets; the others by reason: %s", outage.notStartedByReason())
        .isEqualTo(plan.burstReplicas());
    // The injector's watch mode: every pod got its env, the injector (still the app's parent)
    // shows in the app container's memory, and the polls reached the store.
    WatchModePhase.Result watch = result.watchMode();
    assertThat(watch).isNotNull();
    assertThat(watch.started()).isEqualTo(plan.watchPods());
    assertThat(watch.cost().pods()).isEqualTo(plan.watchPods());
    assertThat(watch.cost().appRssAvgBytes()).isGreaterThan(8L << 20);
    assertThat(watch.storeWhileWatched().reads()).isPositive();
    assertThat(result.memoryIdle())
        .extracting(NodeMemory.Container::rssBytes)
        .isNotEmpty()
        .allSatisfy(rss -> assertThat(rss).isPositive());

    assertThat(json).exists();
    assertThat(Files.readString(json))
        .contains("\"podStart\"", "\"bursts\"", "\"rotation\"", "\"outage\"");
    assertThat(markdown)
        .contains("Pod start overhead", "Burst", "Rotation", "Store outage", "Memory");
  }
}
