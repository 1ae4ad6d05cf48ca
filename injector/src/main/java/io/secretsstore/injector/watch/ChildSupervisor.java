package io.secretsstore.injector.watch;

import io.secretsstore.injector.TerminationLog;
import io.secretsstore.injector.config.InjectorConfig;
import io.secretsstore.injector.exec.ExecHygiene;
import io.secretsstore.injector.exec.Posix;
import io.secretsstore.injector.log.InjectorLog;
import io.secretsstore.injector.process.RawText;
import io.secretsstore.injector.resolve.EnvironmentResolver;
import io.secretsstore.injector.resolve.ResolutionException;
import io.secretsstore.injector.resolve.ResolutionPlan;
import io.secretsstore.injector.resolve.StoreSession;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The restart modes: the application runs as a child (started with {@code posix_spawn}: bytes as
 * they came, default signal actions, empty signal mask, no inherited descriptors); signals sent to
 * the injector are passed on; every child that ends is reaped, orphans included (the injector is
 * PID 1 in most containers). The secrets (watch-for-data) or the leases and token (watch-for-lease)
 * are checked at the poll interval (±30%). When the application must restart, it gets SIGTERM, then
 * SIGKILL after a grace period, the reason goes to the termination log, and the injector exits with
 * {@link #RESTART_EXIT_CODE} so that kubelet starts the container again.
 */
public final class ChildSupervisor {

  public static final int RESTART_EXIT_CODE = 2;
  static final Duration GRACE = Duration.ofSeconds(10);

  private final InjectorConfig config;
  private final InjectorLog log;
  private final StoreSession store;
  private final EnvironmentResolver checks;
  private final TerminationLog terminationLog;

  public ChildSupervisor(
      InjectorConfig config,
      InjectorLog log,
      StoreSession store,
      EnvironmentResolver resolver,
      TerminationLog terminationLog) {
    this.config = config;
    this.log = log;
    this.store = store;
    this.checks = resolver.forChecks();
    this.terminationLog = terminationLog;
  }

  /**
   * Runs the application until it exits (its exit code) or must restart ({@code 2}).
   *
   * @throws Posix.SpawnException when the application cannot be started
   */
  public int run(
      String executable,
      List<String> argv,
      EnvironmentResolver.Resolved resolved,
      ResolutionPlan plan)
      throws Posix.SpawnException, InterruptedException {
    ExecHygiene.closeOnExecAbove2();
    SignalForwarder signals = new SignalForwarder(log);
    signals.install();
    int pid =
        Posix.spawn(
            RawText.encode(executable),
            argv.stream().map(RawText::encode).toList(),
            entries(resolved.environment()));
    signals.attach(pid);
    CompletableFuture<Integer> exit = reap(pid);
    LeaseKeeper leases =
        config.restartMode() == InjectorConfig.RestartMode.WATCH_FOR_LEASE
            ? new LeaseKeeper(store, log, resolved.leases(), config.clientTimeout(), Instant::now)
            : null;
    log.info(
        "started "
            + argv.getFirst()
            + " (pid "
            + pid
            + ") in "
            + config.restartMode().name().toLowerCase(java.util.Locale.ROOT).replace('_', '-')
            + " mode"
            + (leases == null ? "" : ", keeping " + leases.leaseCount() + " lease(s)"));
    while (true) {
      long base = config.pollInterval().toMillis();
      long wait = (long) (base * (0.7 + ThreadLocalRandom.current().nextDouble() * 0.6));
      Integer code = await(exit, wait);
      if (code != null) {
        return code;
      }
      String reason =
          leases != null
              ? leases.check(untilNextCheck(), GRACE)
              : dataChanged(plan, resolved.digest());
      if (reason != null) {
        log.info("restarting the application: " + reason);
        terminationLog.write(reason);
        stop(pid, exit);
        return RESTART_EXIT_CODE;
      }
    }
  }

  /** The longest time to the next check (poll interval + 30% jitter) and its store requests. */
  private Duration untilNextCheck() {
    return config.pollInterval().multipliedBy(13).dividedBy(10).plus(config.clientTimeout());
  }

  private String dataChanged(ResolutionPlan plan, String digest) {
    try {
      if (!checks.resolve(plan, false).digest().equals(digest)) {
        return "secret values changed in the store";
      }
    } catch (ResolutionException e) {
      // A store outage must not restart a healthy application; try again at the next poll.
      log.warn("checking the secrets failed, keeping the application running: " + e.getMessage());
    }
    return null;
  }

  /**
   * Waits for children in the background: the application's exit completes the future, any other
   * child (an orphan re-parented to us) is reaped so that no zombie stays.
   */
  private CompletableFuture<Integer> reap(int pid) {
    CompletableFuture<Integer> exit = new CompletableFuture<>();
    Thread reaper =
        new Thread(
            () -> {
              while (true) {
                var ended = Posix.waitAny();
                if (ended.isEmpty()) {
                  if (!exit.isDone()) {
                    exit.complete(128 + 9);
                  }
                  // No children left for now; orphans may still come (we may be PID 1).
                  try {
                    Thread.sleep(200);
                  } catch (InterruptedException e) {
                    return;
                  }
                  continue;
                }
                if (ended.get().pid() == pid) {
                  exit.complete(ended.get().code());
                } else {
                  log.debug("reaped process " + ended.get().pid());
                }
              }
            },
            "reaper");
    reaper.setDaemon(true);
    reaper.start();
    return exit;
  }

  private static Integer await(CompletableFuture<Integer> exit, long millis)
      throws InterruptedException {
    try {
      return exit.get(millis, TimeUnit.MILLISECONDS);
    } catch (TimeoutException stillRunning) {
      return null;
    } catch (ExecutionException e) {
      throw new IllegalStateException(e.getCause());
    }
  }

  private void stop(int pid, CompletableFuture<Integer> exit) throws InterruptedException {
    Posix.kill(pid, 15);
    if (await(exit, GRACE.toMillis()) == null) {
      log.warn("the application did not stop within " + GRACE + " after SIGTERM; sending SIGKILL");
      Posix.kill(pid, 9);
      await(exit, GRACE.toMillis());
    }
  }

  private static List<byte[]> entries(Map<String, String> environment) {
    return environment.entrySet().stream()
        .map(e -> RawText.encode(e.getKey() + "=" + e.getValue()))
        .toList();
  }
}
