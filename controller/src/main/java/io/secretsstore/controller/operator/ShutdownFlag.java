package io.secretsstore.controller.operator;

import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Tells a planned stop from a lost lease. Losing the lease while running means another replica may
 * already reconcile: this one exits (and is restarted by Kubernetes) rather than risk two writers.
 * A planned stop gives the lease up quietly.
 */
public final class ShutdownFlag {

  private static final Logger log = LoggerFactory.getLogger(ShutdownFlag.class);

  private final AtomicBoolean stopping = new AtomicBoolean();

  void stopping() {
    stopping.set(true);
  }

  void leadershipLost() {
    if (stopping.get()) {
      log.info("gave up leadership on shutdown");
      return;
    }
    log.error("lost leadership while running; exiting so that only one replica reconciles");
    // Not on the elector's thread: exiting runs the shutdown hooks, which stop the elector.
    Thread.ofPlatform().name("leadership-lost-exit").start(() -> System.exit(1));
  }
}
