package io.secretsstore.helm;

import static io.secretsstore.helm.DaemonBenchSupport.*;
import static io.secretsstore.helm.DaemonMemory.*;
import static io.secretsstore.helm.DaemonsBenchmark.*;

import java.util.Arrays;
import java.util.Locale;

/** The daemons benchmark's report: one table of figure | ours | floor | goal | met?, then NMT. */
final class DaemonsTable {

  /** Upstream vault-csi-provider's Mount p50 with sharing off, as recorded in issue 17. */
  static final double UPSTREAM_MOUNT_P50_MS = 14.1;

  /** Everything one run measured. */
  record Figures(
      Floor providerFloor,
      Floor driverFloor,
      double providerStart,
      double driverStart,
      double firstMount,
      Snapshot providerIdle,
      Snapshot driverIdle,
      Snapshot providerLoaded,
      Snapshot driverLoaded,
      double[] publish,
      double burstWall,
      double[] get,
      double[] threeGets,
      double[] loginThreeGets,
      DaemonStartups.Result startups,
      String loadBefore,
      String loadAfter) {}

  private DaemonsTable() {}

  static String render(Figures f) {
    StringBuilder t = new StringBuilder();
    t.append("Node daemons as the chart starts them (issue 17). Machine load (1/5/15 min) before: ")
        .append(f.loadBefore)
        .append(", after: ")
        .append(f.loadAfter)
        .append(", cores: ")
        .append(Runtime.getRuntime().availableProcessors())
        .append("\n\n");
    t.append("| figure | ours | floor (same run) | goal | met? |\n|---|---|---|---|---|\n");
    String jvm = "minimal JVM %.0f".formatted(f.providerFloor.rssMiB() * 1.0);
    String jvms =
        "2 minimal JVMs %.0f".formatted(f.providerFloor.rssMiB() + f.driverFloor.rssMiB() * 1.0);
    String burst = BURST + " volumes + " + CYCLES + " rotations";
    long pairIdle = f.providerIdle.rssMiB() + f.driverIdle.rssMiB();
    long pairLoaded = f.providerLoaded.rssMiB() + f.driverLoaded.rssMiB();
    row(t, "provider RSS idle, fresh (MiB)", f.providerIdle.rssMiB(), jvm, "", null);
    row(t, "driver RSS idle, fresh (MiB)", f.driverIdle.rssMiB(), jvm, "", null);
    row(t, "driver + provider RSS idle (MiB)", pairIdle, jvms, "<= 160", pairIdle <= 160);
    row(t, "provider RSS after " + burst + " (MiB)", f.providerLoaded.rssMiB(), jvm, "", null);
    row(t, "driver RSS after " + burst + " (MiB)", f.driverLoaded.rssMiB(), jvm, "", null);
    row(t, "driver + provider RSS after " + burst, pairLoaded, jvms, "<= 200", pairLoaded <= 200);

    DaemonStartups.Result s = f.startups;
    String start = "minimal JVM %.0f".formatted(f.providerFloor.startMs());
    for (boolean cached : new boolean[] {true, false}) {
      String how = cached ? "AOT cache (as the image)" : "no AOT cache";
      double p = s.median(cached, DaemonStartups.Run::providerStartMs);
      double d = s.median(cached, DaemonStartups.Run::driverStartMs);
      row(t, "provider start -> ready, " + how + " (ms)", p, start, "<= 2000", p <= 2000);
      row(t, "driver start -> ready, " + how + " (ms)", d, start, "<= 2000", d <= 2000);
    }
    String cold = "login + 3 GETs p50 %.1f".formatted(percentile(f.loginThreeGets, 50));
    for (boolean cached : new boolean[] {true, false}) {
      double m = s.median(cached, DaemonStartups.Run::firstMountMs);
      String how = cached ? "AOT cache" : "no AOT cache";
      row(t, "first Mount after ready, " + how + " (ms)", m, cold, "<= 100", m <= 100);
    }
    double seq = percentile(s.sequentialMs(), 50);
    row(
        t,
        "NodePublish p50 (driver + provider), sharing off, warm, "
            + DaemonStartups.SEQUENTIAL
            + " one after another (ms)",
        seq,
        "3 GETs p50 %.1f; %s".formatted(percentile(f.threeGets, 50), cold),
        "<= %.1f (upstream, issue)".formatted(UPSTREAM_MOUNT_P50_MS),
        seq <= UPSTREAM_MOUNT_P50_MS);
    row(
        t,
        "  of which the provider's Mount, mean (its own timer, ms)",
        s.providerMountMeanMs(),
        "3 GETs mean %.1f".formatted(Arrays.stream(f.threeGets).average().orElse(Double.NaN)),
        "",
        null);
    double rawMean = Arrays.stream(f.get).average().orElse(Double.NaN);
    row(
        t,
        "mean store read inside the provider (ms)",
        s.storeReadMeanMs(),
        "raw GET mean %.2f".formatted(rawMean),
        "<= 1.2x floor",
        s.storeReadMeanMs() <= 1.2 * rawMean);
    String getP50 = "raw GET p50 %.1f".formatted(percentile(f.get, 50));
    row(
        t,
        "publish p50 in the burst, " + PARALLEL + " at a time (ms)",
        percentile(f.publish, 50),
        getP50,
        "",
        null);
    row(
        t,
        "publish p99 in the burst (ms)",
        percentile(f.publish, 99),
        "raw GET p99 %.1f".formatted(percentile(f.get, 99)),
        "",
        null);

    t.append(
        String.format(
            Locale.ROOT,
            "\nStart-up runs (%d, alternating; both daemons extracted to a thin jar + lib/, the AOT"
                + " cache trained until ready then SIGTERM; caches: provider %d MiB, driver %d"
                + " MiB), provider / driver start -> ready / first Mount (ms):\n",
            s.runs().size(),
            s.providerCacheMiB(),
            s.driverCacheMiB()));
    for (DaemonStartups.Run r : s.runs()) {
      t.append(
          String.format(
              Locale.ROOT,
              "  %-12s %6.0f / %6.0f / %6.1f\n",
              r.cached() ? "AOT cache" : "no cache",
              r.providerStartMs(),
              r.driverStartMs(),
              r.firstMountMs()));
    }
    t.append(
        String.format(
            Locale.ROOT,
            "Memory run (fat jars, NMT on, no cache): provider start -> ready %.0f ms, driver %.0f"
                + " ms, first Mount %.1f ms; burst of %d volumes: %.0f ms wall.\n"
                + "Sharing-off mounts: %d store reads and %d logins by the provider for %d mounts"
                + " (p99 %.1f ms); floors from this JVM over HTTP/1.1 kept alive: %d raw GETs of one"
                + " secret, %d x 3 GETs, %d x login + 3 GETs.\n",
            f.providerStart,
            f.driverStart,
            f.firstMount,
            BURST - 1,
            f.burstWall,
            s.storeReads(),
            s.logins(),
            s.sequentialMs().length,
            percentile(s.sequentialMs(), 99),
            f.get.length,
            f.threeGets.length,
            f.loginThreeGets.length));

    t.append(
        "\nNative Memory Tracking, committed MiB (RSS also holds libjvm and mapped files):\n\n");
    t.append(
        "| daemon | state | RSS | NMT total | heap | class+metaspace | shared classes | symbols |"
            + " code | threads (count) | GC | other (direct) | NMT itself |\n");
    t.append("|---|---|---|---|---|---|---|---|---|---|---|---|---|\n");
    nmt(t, "provider", "idle", f.providerIdle);
    nmt(t, "provider", "after burst", f.providerLoaded);
    nmt(t, "driver", "idle", f.driverIdle);
    nmt(t, "driver", "after burst", f.driverLoaded);
    nmt(t, "minimal JVM", "idle", f.providerFloor.snapshot());
    t.append("\nLoaded classes: provider ")
        .append(f.providerLoaded.classes())
        .append(", driver ")
        .append(f.driverLoaded.classes())
        .append(", minimal JVM ")
        .append(f.providerFloor.snapshot().classes())
        .append('\n');
    return t.toString();
  }

  static void row(
      StringBuilder t, String figure, double ours, String floor, String goal, Boolean met) {
    t.append(
        String.format(
            Locale.ROOT,
            "| %s | %s | %s | %s | %s |\n",
            figure,
            ours < 20 ? "%.1f".formatted(ours) : "%.0f".formatted(ours),
            floor,
            goal.isEmpty() ? "-" : goal,
            met == null ? "-" : met ? "yes" : "no"));
  }
}
