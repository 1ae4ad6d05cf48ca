package io.secretsstore.driver.publish;

import io.secretsstore.driver.publish.VolumeService.RotationResult;
import io.secretsstore.driver.status.PodEvents;
import io.secretsstore.driver.status.PodStatusWriter;
import io.secretsstore.model.names.CsiNames;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.SortedSet;
import java.util.TreeSet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Rotation of one mounted volume: re-reads the import (once per cycle), asks the provider again
 * with the current object versions, rewrites the files only when versions changed, and on failure
 * keeps the old content with one event per distinct error.
 */
final class VolumeRotation {

  private static final Logger log = LoggerFactory.getLogger(VolumeService.class);

  private final VolumeRegistry volumes;
  private final ImportResolver imports;
  private final ProviderCall provider;
  private final PodEvents events;
  private final PodStatusWriter statuses;
  private final DriverMetrics metrics;
  private final Clock clock;
  private final Duration tokenMargin;
  private final String driverName;

  VolumeRotation(
      VolumeRegistry volumes,
      ImportResolver imports,
      ProviderCall provider,
      PodEvents events,
      PodStatusWriter statuses,
      DriverMetrics metrics,
      Clock clock,
      Duration tokenMargin,
      String driverName) {
    this.volumes = volumes;
    this.imports = imports;
    this.provider = provider;
    this.events = events;
    this.statuses = statuses;
    this.metrics = metrics;
    this.clock = clock;
    this.tokenMargin = tokenMargin;
    this.driverName = driverName;
  }

  RotationResult rotate(MountedVolume volume, RotationCycle cycle) {
    if (!volume.lock.tryLock()) {
      return RotationResult.SKIPPED;
    }
    Instant started = clock.instant();
    try {
      if (!volumes.isCurrent(volume) || !volume.hasIdentity()) {
        // Unpublished meanwhile, or recovered and not yet republished by kubelet.
        return RotationResult.SKIPPED;
      }
      KubeletTokens tokens = volume.tokens();
      if (tokens == null || !tokens.usableAt(started, tokenMargin)) {
        // Only kubelet hands out pod tokens (CSIDriver requiresRepublish); wait for the next one.
        skippedForToken(volume, tokens, started);
        metrics.rotation(Duration.between(started, clock.instant()), "skipped", "token_expired");
        return RotationResult.SKIPPED;
      }
      // The token is usable: whatever happens next, the volume is no longer skipped.
      boolean wasSkipped = volume.rotationSkippedSince() != null;
      volume.rotationSkippedSince(null);
      Map<String, String> context = new HashMap<>(volume.volumeContext());
      context.put(CsiNames.SERVICE_ACCOUNT_TOKENS, tokens.json());
      ProviderMount mount = cycle.importOf(imports, volume.pod().namespace(), context);
      Map<String, String> before = volume.objectVersions();
      ProviderCall.Written written =
          provider.fetchAndWrite(
              volume.target(), context, Map.of(), mount, before, cycle, volume.generation());
      Map<String, String> after = written.versions();
      volume.generation(written.generation());
      boolean changed = !after.equals(before);
      boolean recovered = volume.lastError() != null || wasSkipped;
      volume.lastMount(mount);
      volume.lastError(null);
      if (changed) {
        Instant now = clock.instant();
        volume.objectVersions(after);
        volume.lastRotation(now);
        volumes.save(volume);
        events.normal(
            volume.pod(),
            PodEvents.ROTATION_COMPLETE,
            "rotated secrets of volume '"
                + volume.pod().volumeName()
                + "' from "
                + mount.importKind()
                + " '"
                + mount.importName()
                + "': "
                + changedNames(before, after));
      }
      // Status is written on change only: an unchanged cycle costs the API server nothing.
      if (changed || recovered) {
        statuses.mounted(volume);
      }
      metrics.rotation(
          Duration.between(started, clock.instant()), changed ? "updated" : "unchanged", null);
      return changed ? RotationResult.UPDATED : RotationResult.UNCHANGED;
    } catch (PublishException | IOException | RuntimeException e) {
      String errorType = e instanceof PublishException p ? p.errorType() : "write_failed";
      String message =
          "rotation of volume '"
              + volume.pod().volumeName()
              + "' failed, the previous files"
              + " stay in place: "
              + e.getMessage();
      boolean repeated = message.equals(volume.lastError());
      volume.lastError(message);
      if (!repeated) {
        events.warning(volume.pod(), PodEvents.ROTATION_FAILED, message);
        statuses.mounted(volume);
      }
      log.warn("rotation of {} failed [{}]: {}", volume, errorType, e.getMessage());
      metrics.rotation(Duration.between(started, clock.instant()), "error", errorType);
      return RotationResult.FAILED;
    } finally {
      volume.lock.unlock();
    }
  }

  /**
   * A volume skipped for want of a usable kubelet token. Without a republish (a CSIDriver without
   * {@code requiresRepublish}, or a kubelet that stopped calling) this repeats every cycle for as
   * long as the pod lives, so it is announced once, on the first skip: a Warning Event on the pod,
   * the mark on the status object and one log line. Later skips add nothing; the next rotation with
   * a usable token clears the mark, and a later run of skips counts the same Event up.
   */
  private void skippedForToken(MountedVolume volume, KubeletTokens tokens, Instant now) {
    if (volume.rotationSkippedSince() != null) {
      return;
    }
    volume.rotationSkippedSince(now);
    String message = skipMessage(volume.pod().volumeName(), tokens == null);
    volume.lastError(message);
    events.warning(volume.pod(), PodEvents.ROTATION_SKIPPED, message);
    statuses.mounted(volume);
    log.warn(
        "rotation of {} skipped until kubelet republishes it: {}",
        volume,
        tokens == null
            ? "kubelet passed no service-account token"
            : "its token expires at " + tokens.expiresAt());
  }

  /** The one-line reason pods and status objects show; no time in it, so repeats count up. */
  private String skipMessage(String volumeName, boolean noToken) {
    String why =
        noToken
            ? "kubelet passed no service-account token for it"
            : "its service-account token from kubelet expires within "
                + tokenMargin.toSeconds()
                + " s and kubelet has not republished the volume with a fresh one";
    return "secrets of volume '"
        + volumeName
        + "' are no longer rotated, the current files stay in place: "
        + why
        + "; kubelet republishes only if CSIDriver '"
        + driverName
        + "' sets spec.requiresRepublish: true and spec.tokenRequests (kubectl get csidriver "
        + driverName
        + " -o yaml); rotation resumes with the next republish";
  }

  /** Names of the files whose version changed, sorted, for the rotation event. */
  static String changedNames(Map<String, String> before, Map<String, String> after) {
    SortedSet<String> names = new TreeSet<>();
    after.forEach(
        (id, version) -> {
          if (!version.equals(before.get(id))) {
            names.add(id);
          }
        });
    before.keySet().stream()
        .filter(id -> !after.containsKey(id))
        .forEach(id -> names.add(id + " (removed)"));
    return String.join(", ", names);
  }
}
