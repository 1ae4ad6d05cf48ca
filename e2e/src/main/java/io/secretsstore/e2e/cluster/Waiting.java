package io.secretsstore.e2e.cluster;

import java.time.Duration;

/** The harness's one pause between polls: an interrupt ends the test instead of being lost. */
public final class Waiting {

  private Waiting() {}

  public static void sleep(Duration duration) {
    try {
      Thread.sleep(duration);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while waiting", e);
    }
  }
}
