package io.secretsstore.driver.publish;

import io.grpc.Status;
import io.secretsstore.driver.fs.AtomicWriter;
import io.secretsstore.driver.fs.MountTable;
import io.secretsstore.driver.provider.ProviderClients;
import io.secretsstore.driver.state.VolumeStateStore;
import io.secretsstore.driver.status.PodEvents;
import io.secretsstore.driver.status.PodStatusWriter;
import io.secretsstore.linux.Mounts;
import io.secretsstore.model.names.CsiNames;
import java.io.IOException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Publishes, rotates and unpublishes secrets volumes: validates kubelet's request ({@link
 * PublishChecks}), reads the import, mounts a tmpfs, asks the provider for the files and writes
 * them atomically ({@link ProviderCall}); remembers every mounted volume ({@link VolumeRegistry}:
 * in memory, and for restarts in the driver's root-only state directory, never inside a volume);
 * rotates them ({@link VolumeRotation}); takes them over after a restart ({@link VolumeRecovery}).
 */
public final class VolumeService {

  /**
   * Settings of the volume lifecycle; {@code driverName} is the CSIDriver object's name, named in
   * what pods are told when kubelet stops republishing.
   */
  public record Settings(
      Path kubeletPodsDir,
      long tmpfsSizeBytes,
      int fileMode,
      Duration tokenMargin,
      Path injectorBundleDir,
      String driverName) {
    /** The injector bundle where the driver image carries it. */
    public Settings(
        Path kubeletPodsDir,
        long tmpfsSizeBytes,
        int fileMode,
        Duration tokenMargin,
        String driverName) {
      this(
          kubeletPodsDir,
          tmpfsSizeBytes,
          fileMode,
          tokenMargin,
          InjectorBundleMount.DEFAULT_DIR,
          driverName);
    }

    /** The default driver name and injector bundle. */
    public Settings(Path kubeletPodsDir, long tmpfsSizeBytes, int fileMode, Duration tokenMargin) {
      this(kubeletPodsDir, tmpfsSizeBytes, fileMode, tokenMargin, CsiNames.DRIVER_NAME);
    }
  }

  /** Result of one volume's rotation. */
  public enum RotationResult {
    UPDATED,
    UNCHANGED,
    SKIPPED,
    FAILED
  }

  private static final Logger log = LoggerFactory.getLogger(VolumeService.class);

  private final Settings settings;
  private final ImportResolver imports;
  private final MountTable mountTable;
  private final PodEvents events;
  private final PodStatusWriter statuses;
  private final DriverMetrics metrics;
  private final Clock clock;
  private final PublishChecks checks;
  private final ProviderCall provider;
  private final VolumeRegistry volumes;
  private final VolumeRotation rotation;
  private final InjectorBundleMount injectorBundle;

  public VolumeService(
      Settings settings,
      ImportResolver imports,
      ProviderClients providers,
      MountTable mountTable,
      PodEvents events,
      PodStatusWriter statuses,
      java.util.function.Function<VolumeService, DriverMetrics> metrics,
      Clock clock,
      VolumeStateStore state) {
    this.settings = settings;
    this.imports = imports;
    this.mountTable = mountTable;
    this.events = events;
    this.statuses = statuses;
    this.clock = clock;
    this.checks = new PublishChecks(settings.kubeletPodsDir());
    this.provider = new ProviderCall(providers, new AtomicWriter(clock), settings.fileMode());
    this.volumes = new VolumeRegistry(state);
    this.metrics = metrics.apply(this);
    this.rotation =
        new VolumeRotation(
            volumes,
            imports,
            provider,
            events,
            statuses,
            this.metrics,
            clock,
            settings.tokenMargin(),
            settings.driverName());
    this.injectorBundle = new InjectorBundleMount(settings.injectorBundleDir(), mountTable);
  }

  public DriverMetrics metrics() {
    return metrics;
  }

  public int mountedCount() {
    return volumes.size();
  }

  public Collection<MountedVolume> mounted() {
    return volumes.all();
  }

  public Optional<MountedVolume> volume(String volumeId) {
    return volumes.get(volumeId);
  }

  // ---------------------------------------------------------------- publish

  /** NodePublishVolume for an ephemeral inline volume. */
  public void publish(
      String volumeId,
      String targetPath,
      Map<String, String> volumeContext,
      Map<String, String> secrets)
      throws PublishException {
    Instant started = clock.instant();
    String errorType = null;
    PodInfo pod = null;
    try {
      Path target = checks.target(volumeId, targetPath);
      pod = PodInfo.from(volumeContext, checks.volumeNameOf(target));
      PublishChecks.checkEphemeral(volumeContext);
      checks.checkPodOwnsTarget(pod, target);
      if (InjectorBundleMount.requested(volumeContext)) {
        injectorBundle.publish(target, volumeContext); // the injector's CSI delivery
        return;
      }
      KubeletTokens tokens = KubeletTokens.from(volumeContext);
      if (refreshIfMounted(volumeId, target, tokens, pod, volumeContext)) {
        return;
      }
      mountNew(volumeId, target, pod, volumeContext, secrets, tokens);
    } catch (PublishException e) {
      errorType = e.errorType();
      if (pod != null) {
        events.warning(pod, PodEvents.MOUNT_FAILED, e.getMessage());
      }
      log.warn("publish of volume {} failed [{}]: {}", volumeId, errorType, e.getMessage());
      throw e;
    } finally {
      metrics.publish(Duration.between(started, clock.instant()), errorType);
    }
  }

  /**
   * A repeated publish of a mounted target: keep the files, take kubelet's fresh token; a volume
   * taken over after a restart takes its identity from this request (kubelet's), never from disk.
   */
  private boolean refreshIfMounted(
      String volumeId,
      Path target,
      KubeletTokens tokens,
      PodInfo pod,
      Map<String, String> volumeContext)
      throws PublishException {
    MountedVolume known = volumes.get(volumeId).orElse(null);
    if (known != null && known.target().equals(target) && mountTable.isTmpfsMountPoint(target)) {
      if (!known.hasIdentity()) {
        known.adopt(pod, ProviderCall.withoutTokens(volumeContext));
        log.info("{} taken over from a previous run", known);
      }
      if (tokens != null) {
        known.tokens(tokens);
      }
      return true;
    }
    if (known != null && !known.target().equals(target)) {
      throw new PublishException(
          Status.Code.ALREADY_EXISTS,
          "invalid_request",
          "volume " + volumeId + " is already published at " + known.target(),
          null);
    }
    return false;
  }

  private void mountNew(
      String volumeId,
      Path target,
      PodInfo pod,
      Map<String, String> volumeContext,
      Map<String, String> secrets,
      KubeletTokens tokens)
      throws PublishException {
    ProviderMount mount = imports.resolve(pod.namespace(), volumeContext);
    try {
      Files.createDirectories(target);
      if (mountTable.isTmpfsMountPoint(target)) {
        // Left over by a crashed attempt or an unknown writer: start clean.
        Mounts.unmount(target);
      }
      Mounts.mountTmpfs(target, settings.tmpfsSizeBytes(), 0755);
    } catch (IOException e) {
      cleanUp(target);
      throw new PublishException(Status.Code.INTERNAL, "mount_failed", e.getMessage(), e);
    }
    try {
      ProviderCall.Written written =
          provider.fetchAndWrite(target, volumeContext, secrets, mount, Map.of(), null, null);
      Map<String, String> versions = written.versions();
      Instant now = clock.instant();
      Map<String, String> storedContext = ProviderCall.withoutTokens(volumeContext);
      MountedVolume volume =
          new MountedVolume(
              volumeId, target, pod, storedContext, now, tokens, versions, mount, null);
      volume.generation(written.generation());
      volumes.add(volume);
      statuses.mounted(volume);
      log.info(
          "mounted {} ({} {} via provider {}, {} files)",
          volume,
          mount.importKind(),
          mount.importName(),
          mount.provider(),
          versions.size());
    } catch (PublishException e) {
      cleanUp(target);
      throw e;
    } catch (IOException | RuntimeException e) {
      cleanUp(target);
      throw new PublishException(
          Status.Code.INTERNAL,
          "write_failed",
          "writing the files into " + target + " failed: " + e.getMessage(),
          e);
    }
  }

  /** Best effort after a failed publish: nothing mounted, no target left for kubelet's retry. */
  private void cleanUp(Path target) {
    try {
      if (mountTable.isTmpfsMountPoint(target)) {
        Mounts.unmount(target);
      }
      Files.deleteIfExists(target);
    } catch (IOException | RuntimeException e) {
      log.warn("could not clean up {} after a failed publish: {}", target, e.getMessage());
    }
  }

  // ---------------------------------------------------------------- unpublish

  /** NodeUnpublishVolume: unmount, remove the target, forget the volume. Idempotent. */
  public void unpublish(String volumeId, String targetPath) throws PublishException {
    Instant started = clock.instant();
    String errorType = null;
    try {
      // The same checks as publish: nothing outside kubelet's pods directory is unmounted.
      Path target = checks.target(volumeId, targetPath);
      MountedVolume volume = volumes.get(volumeId).orElse(null);
      if (volume != null) {
        volume.lock.lock();
      }
      try {
        // Secrets tmpfs or injector bundle, stacked ones too, whoever mounted them before a
        // restart.
        mountTable.unmountAll(target);
        deleteTarget(target);
        volumes.remove(volumeId);
        if (volume != null) {
          if (volume.hasIdentity()) {
            statuses.unmounted(volume);
          }
          log.info("unmounted {}", volume);
        }
      } finally {
        if (volume != null) {
          volume.lock.unlock();
        }
      }
    } catch (PublishException e) {
      errorType = e.errorType();
      throw e;
    } catch (IOException e) {
      errorType = "unmount_failed";
      throw new PublishException(Status.Code.INTERNAL, errorType, e.getMessage(), e);
    } finally {
      metrics.unpublish(Duration.between(started, clock.instant()), errorType);
    }
  }

  private static void deleteTarget(Path target) throws IOException, PublishException {
    try {
      Files.deleteIfExists(target);
    } catch (DirectoryNotEmptyException e) {
      throw new PublishException(
          Status.Code.FAILED_PRECONDITION,
          "unmount_failed",
          "target " + target + " is not mounted by this driver and is not empty; left as is",
          e);
    }
  }

  // ---------------------------------------------------------------- rotation

  /**
   * Re-reads the import and asks the provider again with the current object versions; rewrites the
   * files only when versions changed; on failure keeps the old content.
   */
  public RotationResult rotate(MountedVolume volume) {
    return rotate(volume, RotationCycle.start());
  }

  /**
   * Rotates one volume as part of {@code cycle}: the cycle's volumes share one read of each import
   * and, in the provider, one store read per secret.
   */
  public RotationResult rotate(MountedVolume volume, RotationCycle cycle) {
    return rotation.rotate(volume, cycle);
  }

  /** Names of the files whose version changed, sorted, for the rotation event. */
  static String changedNames(Map<String, String> before, Map<String, String> after) {
    return VolumeRotation.changedNames(before, after);
  }

  // ---------------------------------------------------------------- restart

  /**
   * Takes over a volume of a previous run (see {@link VolumeRecovery}); false if kubelet published
   * it again in this run already.
   */
  boolean takeOver(MountedVolume volume) {
    return volumes.takeOver(volume);
  }

  VolumeStateStore state() {
    return volumes.state();
  }

  Settings settings() {
    return settings;
  }

  MountTable mountTable() {
    return mountTable;
  }
}
