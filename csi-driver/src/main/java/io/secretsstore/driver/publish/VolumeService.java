package io.secretsstore.driver.publish;

import io.grpc.Status;
import io.secretsstore.driver.fs.AtomicWriter;
import io.secretsstore.driver.fs.LinuxMounts;
import io.secretsstore.driver.fs.MountTable;
import io.secretsstore.driver.fs.VolumeFile;
import io.secretsstore.driver.provider.ProviderClients;
import io.secretsstore.driver.provider.ProviderException;
import io.secretsstore.driver.state.VolumeRecord;
import io.secretsstore.driver.state.VolumeStateStore;
import io.secretsstore.driver.status.PodEvents;
import io.secretsstore.driver.status.PodStatusWriter;
import io.secretsstore.model.names.CsiNames;
import io.secretsstore.model.provider.ProviderProtocol;
import io.secretsstore.model.provider.v1alpha1.File;
import io.secretsstore.model.provider.v1alpha1.MountRequest;
import io.secretsstore.model.provider.v1alpha1.MountResponse;
import io.secretsstore.model.provider.v1alpha1.ObjectVersion;
import java.io.IOException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.databind.json.JsonMapper;

/**
 * Publishes, rotates and unpublishes secrets volumes: validates kubelet's request, reads the
 * import, mounts a tmpfs, asks the provider for the files and writes them atomically; remembers
 * every mounted volume (in memory, and for restarts in the driver's root-only state directory,
 * never inside a volume).
 */
public final class VolumeService {

  /** Settings of the volume lifecycle. */
  public record Settings(
      Path kubeletPodsDir,
      long tmpfsSizeBytes,
      int fileMode,
      Duration tokenMargin,
      Path injectorBundleDir) {
    /** The injector bundle where the driver image carries it. */
    public Settings(Path kubeletPodsDir, long tmpfsSizeBytes, int fileMode, Duration tokenMargin) {
      this(kubeletPodsDir, tmpfsSizeBytes, fileMode, tokenMargin, InjectorBundleMount.DEFAULT_DIR);
    }
  }

  private static final Logger log = LoggerFactory.getLogger(VolumeService.class);
  private static final JsonMapper JSON = JsonMapper.builder().build();

  private final Settings settings;
  private final ImportResolver imports;
  private final ProviderClients providers;
  private final AtomicWriter writer;
  private final MountTable mountTable;
  private final PodEvents events;
  private final PodStatusWriter statuses;
  private final DriverMetrics metrics;
  private final Clock clock;
  private final VolumeStateStore state;
  private final Map<String, MountedVolume> volumes = new ConcurrentHashMap<>();
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
    this.state = state;
    this.settings = settings;
    this.imports = imports;
    this.providers = providers;
    this.writer = new AtomicWriter(clock);
    this.mountTable = mountTable;
    this.events = events;
    this.statuses = statuses;
    this.metrics = metrics.apply(this);
    this.clock = clock;
    this.injectorBundle = new InjectorBundleMount(settings.injectorBundleDir());
  }

  public DriverMetrics metrics() {
    return metrics;
  }

  public int mountedCount() {
    return volumes.size();
  }

  public Collection<MountedVolume> mounted() {
    return List.copyOf(volumes.values());
  }

  public Optional<MountedVolume> volume(String volumeId) {
    return Optional.ofNullable(volumes.get(volumeId));
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
      Path target = checkTarget(volumeId, targetPath);
      pod = PodInfo.from(volumeContext, volumeNameOf(target));
      checkEphemeral(volumeContext);
      checkPodOwnsTarget(pod, target);
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

  private Path checkTarget(String volumeId, String targetPath) throws PublishException {
    if (volumeId == null || volumeId.isBlank()) {
      throw PublishException.invalid("volume id is missing");
    }
    if (targetPath == null || targetPath.isBlank()) {
      throw PublishException.invalid("target path is missing");
    }
    Path target = Path.of(targetPath);
    if (!target.isAbsolute() || !target.normalize().equals(target)) {
      throw PublishException.invalid(
          "target path '" + targetPath + "' is not an absolute, normalized path");
    }
    if (!target.startsWith(settings.kubeletPodsDir()) || target.equals(settings.kubeletPodsDir())) {
      throw PublishException.invalid(
          "target path '"
              + targetPath
              + "' is outside kubelet's pods directory "
              + settings.kubeletPodsDir());
    }
    return target;
  }

  /** kubelet's layout: {@code <pods>/<pod uid>/volumes/kubernetes.io~csi/<volume>/mount}. */
  private String volumeNameOf(Path target) {
    Path relative = settings.kubeletPodsDir().relativize(target);
    if (relative.getNameCount() == 5 && relative.getName(1).toString().equals("volumes")) {
      return relative.getName(3).toString();
    }
    return target.getFileName().toString();
  }

  private void checkPodOwnsTarget(PodInfo pod, Path target) throws PublishException {
    Path relative = settings.kubeletPodsDir().relativize(target);
    if (relative.getNameCount() == 5 && !relative.getName(0).toString().equals(pod.uid())) {
      throw PublishException.invalid(
          "target path '"
              + target
              + "' belongs to another pod than "
              + pod.namespace()
              + "/"
              + pod.name());
    }
  }

  private static void checkEphemeral(Map<String, String> context) throws PublishException {
    String ephemeral = context.get(CsiNames.EPHEMERAL);
    if (ephemeral != null && !ephemeral.equals("true")) {
      throw PublishException.invalid(
          "only inline ephemeral volumes (pod.spec.volumes[].csi) are supported, not PersistentVolumes");
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
    MountedVolume known = volumes.get(volumeId);
    if (known != null && known.target().equals(target) && mountTable.isTmpfsMountPoint(target)) {
      if (!known.hasIdentity()) {
        known.adopt(pod, withoutTokens(volumeContext));
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
        LinuxMounts.unmount(target);
      }
      LinuxMounts.mountTmpfs(target, settings.tmpfsSizeBytes());
    } catch (IOException e) {
      cleanUp(target);
      throw new PublishException(Status.Code.INTERNAL, "mount_failed", e.getMessage(), e);
    }
    try {
      Written written =
          fetchAndWrite(target, pod, volumeContext, secrets, mount, Map.of(), null, null);
      Map<String, String> versions = written.versions();
      Instant now = clock.instant();
      Map<String, String> storedContext = withoutTokens(volumeContext);
      MountedVolume volume =
          new MountedVolume(
              volumeId, target, pod, storedContext, now, tokens, versions, mount, null);
      volume.generation(written.generation());
      state.save(record(volume));
      volumes.put(volumeId, volume);
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

  /** What a provider call left in the volume: its object versions and the generation written. */
  private record Written(Map<String, String> versions, String generation) {}

  /**
   * Asks the provider and writes what it returns. Returns the new object versions and generation,
   * or {@code current} and {@code generation} unchanged (without writing) when the provider reports
   * the same versions.
   *
   * @param generation the generation this driver wrote last into {@code target} (its memory, never
   *     read back from the volume), or null
   */
  private Written fetchAndWrite(
      Path target,
      PodInfo pod,
      Map<String, String> volumeContext,
      Map<String, String> secrets,
      ProviderMount mount,
      Map<String, String> current,
      RotationCycle cycle,
      String generation)
      throws PublishException, IOException {
    MountRequest.Builder request =
        MountRequest.newBuilder()
            .setAttributes(JSON.writeValueAsString(attributes(mount, volumeContext, cycle)))
            .setSecrets(JSON.writeValueAsString(secrets))
            .setTargetPath(target.toString())
            .setPermission(Integer.toString(settings.fileMode()));
    current.forEach(
        (id, version) ->
            request.addCurrentObjectVersion(
                ObjectVersion.newBuilder().setId(id).setVersion(version).build()));
    MountResponse response;
    try {
      response = providers.mount(mount.provider(), request.build());
    } catch (ProviderException e) {
      throw new PublishException(statusOf(e.code()), ErrorTypes.label(e.code()), e.getMessage(), e);
    }
    if (response.hasError() && !response.getError().getCode().isEmpty()) {
      throw new PublishException(
          Status.Code.INTERNAL,
          ErrorTypes.label(response.getError().getCode()),
          "provider '"
              + mount.provider()
              + "' failed with error code "
              + ErrorTypes.printable(response.getError().getCode()),
          null);
    }
    Map<String, String> versions = new LinkedHashMap<>();
    for (ObjectVersion version : response.getObjectVersionList()) {
      versions.put(version.getId(), version.getVersion());
    }
    List<VolumeFile> files = new ArrayList<>(response.getFilesCount());
    for (File file : response.getFilesList()) {
      files.add(
          new VolumeFile(
              file.getPath(),
              file.getMode() == 0 ? settings.fileMode() : file.getMode(),
              file.getContents().toByteArray()));
    }
    try {
      AtomicWriter.validate(files);
    } catch (IllegalArgumentException e) {
      throw new PublishException(
          Status.Code.INTERNAL,
          "invalid_provider_response",
          "provider '" + mount.provider() + "': " + e.getMessage(),
          null);
    }
    if (!current.isEmpty() && versions.equals(current)) {
      return new Written(current, generation);
    }
    return new Written(versions, writer.write(target, files, generation));
  }

  /**
   * The provider's attributes: the import's parameters plus kubelet's pod information and, on
   * rotation, the cycle id. An import cannot set kubelet's keys or ours: those come only from
   * kubelet's request and from this driver.
   */
  static Map<String, String> attributes(
      ProviderMount mount, Map<String, String> volumeContext, RotationCycle cycle) {
    Map<String, String> attributes = new LinkedHashMap<>();
    mount
        .parameters()
        .forEach(
            (key, value) -> {
              if (!key.startsWith(ProviderProtocol.KUBELET_PREFIX)
                  && !key.startsWith(ProviderProtocol.RESERVED_PREFIX)) {
                attributes.put(key, value);
              }
            });
    volumeContext.forEach(
        (key, value) -> {
          if (key.startsWith(ProviderProtocol.KUBELET_PREFIX)) {
            attributes.put(key, value);
          }
        });
    if (cycle != null) {
      attributes.put(ProviderProtocol.ROTATION_CYCLE_ATTRIBUTE, cycle.id());
    }
    return attributes;
  }

  private static Map<String, String> withoutTokens(Map<String, String> context) {
    Map<String, String> copy = new HashMap<>(context);
    copy.remove(CsiNames.SERVICE_ACCOUNT_TOKENS);
    return copy;
  }

  private static Status.Code statusOf(String code) {
    return switch (code) {
      case "provider_not_found",
          "provider_unavailable",
          "unreachable",
          "timeout",
          "provider_timeout",
          "rate_limited",
          "server_error" ->
          Status.Code.UNAVAILABLE;
      case "permission_denied", "login_denied", "invalid_token" -> Status.Code.PERMISSION_DENIED;
      case "not_found", "key_not_found", "version_deleted", "version_destroyed" ->
          Status.Code.NOT_FOUND;
      case "invalid_attributes",
          "invalid_parameters",
          "invalid_file_name",
          "duplicate_file_name",
          "decode_failed",
          "missing_token",
          "missing_connection" ->
          Status.Code.FAILED_PRECONDITION;
      default -> Status.Code.INTERNAL;
    };
  }

  /** Best effort after a failed publish: nothing mounted, no target left for kubelet's retry. */
  private void cleanUp(Path target) {
    try {
      if (mountTable.isTmpfsMountPoint(target)) {
        LinuxMounts.unmount(target);
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
      if (volumeId == null || volumeId.isBlank()) {
        throw PublishException.invalid("volume id is missing");
      }
      if (targetPath == null || targetPath.isBlank()) {
        throw PublishException.invalid("target path is missing");
      }
      Path target = Path.of(targetPath);
      if (injectorBundle.unpublishIfBundle(target)) {
        return;
      }
      MountedVolume volume = volumes.get(volumeId);
      if (volume != null) {
        volume.lock.lock();
      }
      try {
        // Stacked mounts (e.g. a crashed driver's double mount) are all removed.
        while (mountTable.isTmpfsMountPoint(target)) {
          if (!LinuxMounts.unmount(target)) {
            break;
          }
        }
        deleteTarget(target);
        state.delete(volumeId);
        if (volume != null) {
          volumes.remove(volumeId);
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

  /** Result of one volume's rotation. */
  public enum RotationResult {
    UPDATED,
    UNCHANGED,
    SKIPPED,
    FAILED
  }

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
    if (!volume.lock.tryLock()) {
      return RotationResult.SKIPPED;
    }
    Instant started = clock.instant();
    try {
      if (volumes.get(volume.volumeId()) != volume || !volume.hasIdentity()) {
        // Unpublished meanwhile, or recovered and not yet republished by kubelet.
        return RotationResult.SKIPPED;
      }
      KubeletTokens tokens = volume.tokens();
      if (tokens == null || !tokens.usableAt(started, settings.tokenMargin())) {
        // Only kubelet hands out pod tokens (CSIDriver requiresRepublish); wait for the next one.
        volume.lastError(
            "waiting for kubelet to republish the volume with a fresh service-account token");
        metrics.rotation(Duration.between(started, clock.instant()), "skipped", "token_expired");
        return RotationResult.SKIPPED;
      }
      Map<String, String> context = new HashMap<>(volume.volumeContext());
      context.put(CsiNames.SERVICE_ACCOUNT_TOKENS, tokens.json());
      ProviderMount mount = cycle.importOf(imports, volume.pod().namespace(), context);
      Map<String, String> before = volume.objectVersions();
      Written written =
          fetchAndWrite(
              volume.target(),
              volume.pod(),
              context,
              Map.of(),
              mount,
              before,
              cycle,
              volume.generation());
      Map<String, String> after = written.versions();
      volume.generation(written.generation());
      boolean changed = !after.equals(before);
      boolean recovered = volume.lastError() != null;
      volume.lastMount(mount);
      volume.lastError(null);
      if (changed) {
        Instant now = clock.instant();
        volume.objectVersions(after);
        volume.lastRotation(now);
        state.save(record(volume));
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

  /** Names of the files whose version changed, sorted, for the rotation event. */
  static String changedNames(Map<String, String> before, Map<String, String> after) {
    java.util.SortedSet<String> names = new java.util.TreeSet<>();
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

  // ---------------------------------------------------------------- restart

  /** What the state directory keeps of {@code volume}. */
  static VolumeRecord record(MountedVolume volume) {
    return new VolumeRecord(
        volume.volumeId(),
        volume.target().toString(),
        volume.objectVersions(),
        volume.generation(),
        volume.mountTime().toString(),
        volume.lastRotation() == null ? null : volume.lastRotation().toString());
  }

  /**
   * Takes over a volume of a previous run (see {@link VolumeRecovery}); false if kubelet published
   * it again in this run already.
   */
  boolean takeOver(MountedVolume volume) {
    return volumes.putIfAbsent(volume.volumeId(), volume) == null;
  }

  VolumeStateStore state() {
    return state;
  }

  Settings settings() {
    return settings;
  }

  MountTable mountTable() {
    return mountTable;
  }
}
