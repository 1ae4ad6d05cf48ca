package io.secretsstore.helm;

import static io.secretsstore.helm.DaemonBenchSupport.*;
import static io.secretsstore.helm.DaemonMemory.*;
import static io.secretsstore.helm.DaemonsBenchmark.*;
import static io.secretsstore.helm.KubeletCsi.*;
import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.secretsstore.testkit.KubernetesApiMock;
import io.secretsstore.testkit.OpenBaoServer;
import java.nio.file.Files;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A store outage with the driver's bounded publish pool: the benchmark's OpenBao is paused
 * (SIGSTOP: it takes connections and never answers, as a hung store does), then {@link #SENT}
 * publishes arrive at once, as kubelet sends them for a node's pods. Pods of a service account of
 * their own ({@link #ACCOUNT}), so that the provider has neither a login nor a finished read to
 * reuse and every publish waits on the store. At the peak (every call refused, queued or running on
 * a pool thread, read off the driver's own gauges, not a time) the driver's RSS, threads and NMT;
 * then the store resumes (SIGCONT), the held and queued publishes complete, the refused ones are
 * sent again (kubelet's retry), and the driver is read again once every volume has its files. The
 * store is resumed in every case (a failed run leaves it running); the caller unpublishes the pods.
 */
final class HeldPublishes {

  static final int SENT = 150;
  static final String ACCOUNT = "held";

  /** The name prefix of the driver's publish pool threads (csi-driver's VolumeCallPool). */
  static final String POOL_THREAD_PREFIX = "csi-volume-call-";

  /** What the phase measured. */
  record Result(
      int sent,
      int threads,
      int busy,
      int queued,
      int refused,
      int otherErrors,
      long poolThreadsAtPeak,
      Snapshot before,
      Snapshot peak,
      Snapshot recovered,
      Snapshot providerPeak,
      double recoveryMs) {}

  private HeldPublishes() {}

  /**
   * @param pods where the phase's pods are added before any is published (the caller unpublishes
   *     them, also after a failure)
   */
  static Result measure(
      Csi csi,
      RenderedService driver,
      RenderedService provider,
      int driverPort,
      OpenBaoServer store,
      KubernetesApiMock kubernetes,
      List<Pod> pods)
      throws Exception {
    long storePid =
        store
            .pid()
            .orElseThrow(
                () ->
                    new AssertionError(
                        "the held-publish phase pauses the store's own process: run it with"
                            + " OPENBAO_BIN (./dev.sh bench daemons does), not a store from"
                            + " VAULT_ADDR or a container"));
    List<Pod> held = new ArrayList<>();
    List<String> tokens = new ArrayList<>();
    for (int i = 0; i < SENT; i++) {
      held.add(new Pod("held-" + i, UUID.randomUUID().toString()));
      tokens.add(
          kubernetes.tokens().mint(NAMESPACE, ACCOUNT, List.of(AUDIENCE), Duration.ofHours(1)));
    }
    pods.addAll(held);
    Snapshot before = Snapshot.of(driver);
    int threads = (int) metric(driverPort, "secrets_store_driver_volume_calls_threads");

    List<Future<Status.Code>> calls = new ArrayList<>();
    ExecutorService kubelets = Executors.newVirtualThreadPerTaskExecutor();
    try {
      Snapshot peak;
      Snapshot providerPeak;
      long poolThreads;
      int busy;
      int queued;
      signal("STOP", storePid);
      try {
        AtomicInteger answered = new AtomicInteger();
        for (int i = 0; i < SENT; i++) {
          Pod pod = held.get(i);
          String token = tokens.get(i);
          calls.add(
              kubelets.submit(
                  () -> {
                    try {
                      csi.publish(pod, ACCOUNT, token);
                      return Status.Code.OK;
                    } catch (StatusRuntimeException e) {
                      return e.getStatus().getCode();
                    } finally {
                      answered.incrementAndGet();
                    }
                  }));
        }
        // The peak: every call answered (refused), queued or on a pool thread, every thread busy.
        Instant giveUp = Instant.now().plus(Duration.ofMinutes(2));
        while (true) {
          busy = (int) metric(driverPort, "secrets_store_driver_volume_calls_busy");
          queued = (int) metric(driverPort, "secrets_store_driver_volume_calls_queued");
          if (busy == threads && answered.get() + busy + queued == SENT) {
            break;
          }
          if (Instant.now().isAfter(giveUp)) {
            throw new AssertionError(
                "no held peak: %d answered, %d busy of %d, %d queued of %d sent"
                    .formatted(answered.get(), busy, threads, queued, SENT));
          }
          Thread.sleep(20);
        }
        peak = Snapshot.of(driver);
        // The driver's threads by name: the pool's, however many calls wait.
        poolThreads =
            jcmd(driver.pid(), "Thread.print")
                .lines()
                .filter(l -> l.startsWith("\"" + POOL_THREAD_PREFIX))
                .count();
        providerPeak = Snapshot.of(provider);
      } finally {
        signal("CONT", storePid);
      }
      long resumed = System.nanoTime();
      int refused = 0;
      int otherErrors = 0;
      List<Integer> again = new ArrayList<>();
      for (int i = 0; i < SENT; i++) {
        Status.Code code = calls.get(i).get(5, TimeUnit.MINUTES);
        if (code != Status.Code.OK) {
          again.add(i);
          if (code == Status.Code.RESOURCE_EXHAUSTED) {
            refused++;
          } else {
            otherErrors++;
            System.err.println("held publish " + held.get(i).name() + ": " + code);
          }
        }
      }
      // kubelet sends every failed publish again after its backoff.
      for (int i : again) {
        csi.publish(held.get(i), ACCOUNT, tokens.get(i));
      }
      double recoveryMs = millisSince(resumed);
      Snapshot recovered = Snapshot.of(driver);
      for (Pod pod : held) {
        assertThat(Files.readString(csi.target(pod).resolve("db-user"))).isEqualTo("u");
      }
      return new Result(
          SENT,
          threads,
          busy,
          queued,
          refused,
          otherErrors,
          poolThreads,
          before,
          peak,
          recovered,
          providerPeak,
          recoveryMs);
    } finally {
      kubelets.shutdownNow();
    }
  }

  private static void signal(String signal, long pid) throws Exception {
    Process kill = new ProcessBuilder("kill", "-" + signal, Long.toString(pid)).inheritIO().start();
    assertThat(kill.waitFor(30, TimeUnit.SECONDS) && kill.exitValue() == 0)
        .as("kill -" + signal + " " + pid)
        .isTrue();
  }
}
