package io.secretsstore.driver.csi;

import io.micrometer.core.instrument.MeterRegistry;

/** Tests' reading of {@link VolumeCallPool}'s meters, by the names the pool registers. */
public final class VolumeCallMeters {

  private static final String PREFIX = "secrets_store.driver.volume_calls.";

  private VolumeCallMeters() {}

  /**
   * Calls of {@code method} ({@code publish}, {@code unpublish}) refused because the pool was full.
   */
  public static double refused(MeterRegistry meters, String method) {
    return meters.get(PREFIX + "refused").tag("method", method).counter().count();
  }

  /** The pool's gauge {@code threads}, {@code busy} or {@code queued}. */
  public static double gauge(MeterRegistry meters, String name) {
    return meters.get(PREFIX + name).gauge().value();
  }
}
