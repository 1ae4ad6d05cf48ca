package io.secretsstore.driver.registration;

import io.fabric8.kubernetes.api.model.storage.CSIDriver;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads this driver's own {@code CSIDriver} object once at start and logs one WARN line if it does
 * not set {@code spec.requiresRepublish: true}: without it kubelet never calls NodePublishVolume
 * again, so no volume gets a fresh service-account token and rotation stops for good once the token
 * of the mount expires. Runs in the background after start-up; a missing object or an API server
 * that cannot be asked is logged, never fatal.
 */
public final class CsiDriverCheck {

  /** What the check found. */
  public enum Outcome {
    /** {@code spec.requiresRepublish: true}. */
    REPUBLISHES,
    /** The object exists but does not set {@code requiresRepublish: true}. */
    NO_REPUBLISH,
    /** No CSIDriver of this name. */
    MISSING,
    /** The API server could not be asked (unreachable, forbidden, ...). */
    UNREADABLE
  }

  private static final Logger log = LoggerFactory.getLogger(CsiDriverCheck.class);

  private final KubernetesClient kubernetes;
  private final String driverName;
  private final CompletableFuture<Outcome> done = new CompletableFuture<>();
  private final AtomicBoolean started = new AtomicBoolean();

  public CsiDriverCheck(KubernetesClient kubernetes, String driverName) {
    this.kubernetes = kubernetes;
    this.driverName = driverName;
  }

  /**
   * Runs {@link #check()} on a virtual thread, once however often it is called (the start-up
   * warm-up starts it before ready, the ready event again): start-up never waits for the API server
   * beyond the warm-up's bound.
   */
  public void startInBackground() {
    if (started.compareAndSet(false, true)) {
      Thread.ofVirtual().name("csidriver-check").start(this::check);
    }
  }

  /** Completes with the outcome of the check once it has run (and logged). */
  public CompletableFuture<Outcome> done() {
    return done;
  }

  /** Reads the CSIDriver, logs at most one line, and returns what it found. */
  public Outcome check() {
    Outcome outcome;
    try {
      outcome = checkOnce();
    } catch (RuntimeException e) {
      log.warn(
          "cannot read CSIDriver '{}' to check spec.requiresRepublish: {}; if it is not true,"
              + " kubelet never republishes volumes with fresh service-account tokens and"
              + " rotation stops once a mount's token expires",
          driverName,
          describe(e));
      outcome = Outcome.UNREADABLE;
    }
    done.complete(outcome);
    return outcome;
  }

  /** fabric8's message names only the operation; the root cause says what went wrong. */
  private static String describe(Throwable e) {
    Throwable root = e;
    while (root.getCause() != null && root.getCause() != root) {
      root = root.getCause();
    }
    String message = String.valueOf(e.getMessage()).strip();
    if (root == e) {
      return message;
    }
    return message
        + " ("
        + root.getClass().getSimpleName()
        + (root.getMessage() == null ? "" : ": " + root.getMessage())
        + ")";
  }

  private Outcome checkOnce() {
    CSIDriver driver = kubernetes.storage().v1().csiDrivers().withName(driverName).get();
    if (driver == null) {
      log.warn(
          "CSIDriver '{}' does not exist: kubelet serves no inline volume of this driver without"
              + " it and never republishes them with fresh service-account tokens; install it"
              + " (the chart creates it) with spec.requiresRepublish: true",
          driverName);
      return Outcome.MISSING;
    }
    if (driver.getSpec() == null || !Boolean.TRUE.equals(driver.getSpec().getRequiresRepublish())) {
      log.warn(
          "CSIDriver '{}' does not set spec.requiresRepublish: true: kubelet never republishes"
              + " volumes with fresh service-account tokens, so each volume's secrets stop"
              + " rotating once the token of its mount expires (Warning SecretRotationSkipped on"
              + " the pod); set requiresRepublish: true as the chart does",
          driverName);
      return Outcome.NO_REPUBLISH;
    }
    log.debug("CSIDriver '{}' sets spec.requiresRepublish: true", driverName);
    return Outcome.REPUBLISHES;
  }
}
