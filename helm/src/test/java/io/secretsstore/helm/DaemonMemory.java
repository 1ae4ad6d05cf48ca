package io.secretsstore.helm;

import static io.secretsstore.helm.DaemonBenchSupport.*;
import static io.secretsstore.helm.DaemonsBenchmark.*;
import static io.secretsstore.helm.KubeletCsi.*;
import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Quantity;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** What a daemon costs in memory: RSS, threads, classes and NMT, and the idle-JVM floor. */
final class DaemonMemory {

  private DaemonMemory() {}

  static void nmt(StringBuilder t, String daemon, String state, Snapshot s) {
    t.append(
        String.format(
            Locale.ROOT,
            "| %s | %s | %d | %.0f | %.0f | %.0f | %.0f | %.0f | %.0f | %.0f (%d) | %.1f | %.1f | %.1f |\n",
            daemon,
            state,
            s.rssMiB,
            s.nmt("Total"),
            s.nmt("Java Heap"),
            s.nmt("Class") + s.nmt("Metaspace"),
            s.nmt("Shared class space"),
            s.nmt("Symbol"),
            s.nmt("Code"),
            s.nmt("Thread"),
            s.threads,
            s.nmt("GC"),
            s.nmt("Other"),
            s.nmt("Native Memory Tracking")));
  }

  // ------------------------------------------------------------------ processes

  static RenderedService start(
      RenderedChart chart,
      String workload,
      Path jar,
      Path work,
      Map<String, Path> hostPaths,
      Path kubeconfig,
      String podName)
      throws IOException {
    return RenderedService.start(
        chart,
        workload,
        jar,
        work,
        hostPaths,
        name -> Map.of(),
        Map.of(
            "metadata.name", podName,
            "metadata.namespace", Helm.NAMESPACE,
            "spec.nodeName", NODE),
        kubeconfig,
        List.of("-XX:NativeMemoryTracking=summary"));
  }

  record Floor(double startMs, long rssMiB, Snapshot snapshot) {}

  /** {@link IdleJvm} with the daemon image's JVM flags and its chart limit as RAM. */
  static Floor idleJvm(RenderedChart chart, String workload, Path jar, Path work) throws Exception {
    List<String> command = floorJvm(chart, workload, jar);
    command.add("-cp");
    command.add(testClasses());
    command.add(IdleJvm.class.getName());
    long started = System.nanoTime();
    Process process =
        new ProcessBuilder(command).directory(work.toFile()).redirectErrorStream(true).start();
    try {
      BufferedReader out =
          new BufferedReader(
              new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
      String line = out.readLine();
      double startMs = millisSince(started);
      assertThat(line).isEqualTo("ready");
      Thread.sleep(IDLE.toMillis());
      Snapshot snapshot = Snapshot.of(process.pid(), workload + " floor");
      return new Floor(startMs, snapshot.rssMiB, snapshot);
    } finally {
      process.destroy();
      process.waitFor(20, TimeUnit.SECONDS);
    }
  }

  /**
   * Mean and p50 (ms) of {@code rounds} raw GETs of one secret from a JVM started with the provider
   * image's flags ({@link io.secretsstore.helm.floor.RawGets}): the floor of the provider's store
   * read, from a JVM like its own.
   */
  static double[] rawGetsLikeTheProvider(
      RenderedChart chart, Path providerJar, Path work, String url, String token, int rounds)
      throws Exception {
    List<String> command = floorJvm(chart, PROVIDER, providerJar);
    command.add("-cp");
    command.add(testClasses());
    command.add(io.secretsstore.helm.floor.RawGets.class.getName());
    command.add(url);
    command.add("50");
    command.add(Integer.toString(rounds));
    Process process =
        new ProcessBuilder(command).directory(work.toFile()).redirectErrorStream(true).start();
    try {
      try (var stdin = process.getOutputStream()) {
        stdin.write((token + "\n").getBytes(StandardCharsets.UTF_8));
      }
      String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      assertThat(process.waitFor(5, TimeUnit.MINUTES)).as("raw GETs finished").isTrue();
      Matcher m = Pattern.compile("mean (\\S+) p50 (\\S+)").matcher(output);
      assertThat(m.find()).as("raw GETs printed their figures: " + output).isTrue();
      return new double[] {Double.parseDouble(m.group(1)), Double.parseDouble(m.group(2))};
    } finally {
      process.destroy();
      process.waitFor(20, TimeUnit.SECONDS);
    }
  }

  /** This module's test classes (the floor programs' class path). */
  private static String testClasses() throws java.net.URISyntaxException {
    return Path.of(IdleJvm.class.getProtectionDomain().getCodeSource().getLocation().toURI())
        .toString();
  }

  /**
   * {@code java} with the daemon image's JVM flags, its chart limit as RAM and NMT, as the memory
   * run starts the daemon itself: the start of every floor process's command.
   */
  static List<String> floorJvm(RenderedChart chart, String workload, Path jar) throws IOException {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.addAll(RenderedService.imageJvmFlags(jar));
    command.add("-XX:MaxRAM=" + limitBytes(chart, workload).toBigInteger());
    command.add("-XX:NativeMemoryTracking=summary");
    return command;
  }

  /** The chart's memory limit of a workload's container, MiB. */
  static long limitMiB(RenderedChart chart, String workload) {
    return limitBytes(chart, workload).longValue() >> 20;
  }

  private static java.math.BigDecimal limitBytes(RenderedChart chart, String workload) {
    Quantity limit =
        chart.pod(workload).getContainers().getFirst().getResources().getLimits().get("memory");
    return Quantity.getAmountInBytes(limit);
  }

  /** RSS, threads, classes and NMT's summary of one process now. */
  record Snapshot(long rssMiB, int threads, long classes, Map<String, Double> committedMiB) {

    static Snapshot of(RenderedService service) throws Exception {
      return of(service.pid(), service.name);
    }

    static Snapshot of(long pid, String name) throws Exception {
      long rss = 0;
      int threads = 0;
      for (String line : Files.readAllLines(Path.of("/proc", String.valueOf(pid), "status"))) {
        if (line.startsWith("VmRSS:")) {
          rss = Long.parseLong(line.replaceAll("[^0-9]", "")) / 1024;
        } else if (line.startsWith("Threads:")) {
          threads = Integer.parseInt(line.replaceAll("[^0-9]", ""));
        }
      }
      String summary = jcmd(pid, "VM.native_memory", "summary");
      Map<String, Double> committed = new LinkedHashMap<>();
      Matcher total =
          Pattern.compile("Total: reserved=\\d+KB, committed=(\\d+)KB").matcher(summary);
      if (!total.find()) {
        throw new AssertionError("no NMT summary from " + name + ":\n" + summary);
      }
      committed.put("Total", Long.parseLong(total.group(1)) / 1024.0);
      Matcher m =
          Pattern.compile("(?m)^-\\s+(.+?) \\(reserved=\\d+KB, committed=(\\d+)KB")
              .matcher(summary);
      while (m.find()) {
        committed.put(m.group(1).strip(), Long.parseLong(m.group(2)) / 1024.0);
      }
      String classes = jcmd(pid, "VM.classes");
      long count = classes.lines().filter(l -> l.matches("^0x[0-9a-f]+\\s.*")).count();
      return new Snapshot(rss, threads, count, committed);
    }

    double nmt(String category) {
      return committedMiB.getOrDefault(category, 0.0);
    }
  }

  static String jcmd(long pid, String... command) throws Exception {
    List<String> args = new ArrayList<>(List.of(JCMD.toString(), String.valueOf(pid)));
    args.addAll(Arrays.asList(command));
    Process p = new ProcessBuilder(args).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    p.waitFor(60, TimeUnit.SECONDS);
    return out;
  }

  // ------------------------------------------------------------------ kubelet's side
}
