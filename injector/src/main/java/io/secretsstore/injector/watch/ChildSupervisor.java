package io.secretsstore.injector.watch;

import io.secretsstore.injector.config.InjectorConfig;
import io.secretsstore.injector.exec.Posix;
import io.secretsstore.injector.log.InjectorLog;
import io.secretsstore.injector.resolve.EnvironmentResolver;
import io.secretsstore.injector.resolve.ResolutionException;
import io.secretsstore.injector.resolve.StoreSession;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * The restart modes: the application runs as a child; signals sent to the injector are passed on;
 * the secrets (watch-for-data) or the store token (watch-for-lease) are checked at the poll
 * interval (±30%). When the application must restart, it gets SIGTERM, then SIGKILL after a grace
 * period, the reason goes to the termination log, and the injector exits with {@link
 * #RESTART_EXIT_CODE} so that kubelet starts the container again with fresh values.
 */
public final class ChildSupervisor {

  public static final int RESTART_EXIT_CODE = 2;
  static final Duration GRACE = Duration.ofSeconds(10);

  /** Signals passed on to the application (SIGQUIT stays with the JVM where it is reserved). */
  static final List<String> FORWARDED = List.of("TERM", "INT", "HUP", "QUIT", "USR1", "USR2");

  private final InjectorConfig config;
  private final InjectorLog log;
  private final StoreSession store;
  private final EnvironmentResolver resolver;

  public ChildSupervisor(
      InjectorConfig config, InjectorLog log, StoreSession store, EnvironmentResolver resolver) {
    this.config = config;
    this.log = log;
    this.store = store;
    this.resolver = resolver;
  }

  /** Runs the application until it exits (its exit code) or must restart ({@code 2}). */
  public int run(
      Path executable,
      List<String> argv,
      Map<String, String> childEnvironment,
      Map<String, String> originalEnvironment,
      String digest)
      throws IOException, InterruptedException {
    ProcessBuilder builder = new ProcessBuilder(argv).inheritIO();
    builder.command().set(0, executable.toString());
    builder.environment().clear();
    builder.environment().putAll(childEnvironment);
    Process child = builder.start();
    forwardSignals(child);
    log.info(
        "started "
            + argv.getFirst()
            + " (pid "
            + child.pid()
            + ") in "
            + config.restartMode().name().toLowerCase().replace('_', '-')
            + " mode");
    while (true) {
      long base = config.pollInterval().toMillis();
      long wait = (long) (base * (0.7 + ThreadLocalRandom.current().nextDouble() * 0.6));
      if (child.waitFor(wait, TimeUnit.MILLISECONDS)) {
        return child.exitValue();
      }
      String reason = check(originalEnvironment, digest);
      if (reason != null) {
        log.info("restarting the application: " + reason);
        writeTerminationLog(reason);
        stop(child);
        return RESTART_EXIT_CODE;
      }
    }
  }

  /** Null while all is well; otherwise why the application must restart. */
  private String check(Map<String, String> originalEnvironment, String digest) {
    switch (config.restartMode()) {
      case WATCH_FOR_DATA -> {
        try {
          EnvironmentResolver.Resolved now = resolver.resolve(originalEnvironment, false);
          if (!now.digest().equals(digest)) {
            return "secret values changed in the store";
          }
        } catch (ResolutionException e) {
          // A store outage must not restart a healthy application; try again at the next poll.
          log.warn(
              "checking the secrets failed, keeping the application running: " + e.getMessage());
        }
        return null;
      }
      case WATCH_FOR_LEASE -> {
        if (store.renewToken()) {
          return null;
        }
        try {
          store.login(Instant.now().plus(config.clientTimeout()));
          return null;
        } catch (ResolutionException e) {
          return "the store token can no longer be renewed and a new login failed: "
              + e.getMessage();
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return "interrupted";
        }
      }
      case NONE -> {
        return null;
      }
    }
    return null;
  }

  private void stop(Process child) throws InterruptedException {
    Posix.kill(child.pid(), 15);
    if (!child.waitFor(GRACE.toMillis(), TimeUnit.MILLISECONDS)) {
      log.warn("the application did not stop within " + GRACE + " after SIGTERM; sending SIGKILL");
      child.destroyForcibly();
      child.waitFor();
    }
  }

  private void writeTerminationLog(String reason) {
    try {
      Files.writeString(config.terminationLog(), "secrets-store-injector: " + reason + "\n");
    } catch (IOException e) {
      log.debug("no termination log at " + config.terminationLog() + ": " + e.getMessage());
    }
  }

  @SuppressWarnings("restriction")
  private void forwardSignals(Process child) {
    for (String name : FORWARDED) {
      try {
        sun.misc.Signal.handle(
            new sun.misc.Signal(name), signal -> Posix.kill(child.pid(), signal.getNumber()));
      } catch (IllegalArgumentException e) {
        log.debug("SIG" + name + " cannot be forwarded here: " + e.getMessage());
      }
    }
  }
}
