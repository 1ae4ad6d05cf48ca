package io.secretsstore.driver.publish;

import io.secretsstore.driver.fs.AtomicWriter;
import io.secretsstore.driver.state.VolumeRecord;
import io.secretsstore.driver.state.VolumeStateStore;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Instant;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Takes over the volumes a previous run of the driver mounted, once the driver serves. Only what
 * the driver's own root-only state directory names is looked at (never a file inside a volume,
 * never a tenant's tmpfs); each record must name a tmpfs mount point in kubelet's CSI volume
 * layout. A recovered volume has no identity until kubelet republishes it, so it is neither rotated
 * nor reported before. One bad record is logged and removed; it never stops the others.
 */
public final class VolumeRecovery {

  private static final Logger log = LoggerFactory.getLogger(VolumeRecovery.class);

  private final VolumeService volumes;

  public VolumeRecovery(VolumeService volumes) {
    this.volumes = volumes;
  }

  /** Returns how many volumes were taken over. */
  public int recover() {
    VolumeStateStore store = volumes.state();
    int recovered = 0;
    try {
      for (VolumeStateStore.Loaded loaded : store.loadAll()) {
        try {
          if (loaded.record() == null) {
            log.warn(
                "ignoring restart state {} in {}: {}",
                loaded.fileName(),
                store.dir(),
                loaded.problem());
            continue;
          }
          if (takeOver(loaded.record())) {
            recovered++;
          }
        } catch (RuntimeException | IOException e) {
          log.warn("cannot recover the volume of {}: {}", loaded.fileName(), e.getMessage());
        }
      }
    } catch (IOException | RuntimeException e) {
      // Whatever the state directory holds, the driver keeps serving: kubelet's republish of each
      // volume gives it back its identity, recovered or not.
      log.warn("cannot read the restart state in {}: {}", store.dir(), e.getMessage());
    }
    if (recovered > 0) {
      log.info("recovered {} volume(s) mounted by a previous run", recovered);
    }
    return recovered;
  }

  private boolean takeOver(VolumeRecord record) throws IOException {
    Path target = Path.of(record.targetPath());
    Path pods = volumes.settings().kubeletPodsDir();
    if (!isCsiVolumeMount(pods, target)) {
      log.warn(
          "ignoring restart state of {}: {} is not a CSI volume path", record.volumeId(), target);
      volumes.state().delete(record.volumeId());
      return false;
    }
    if (!volumes.mountTable().isTmpfsMountPoint(target)) {
      // Unpublished (or the node rebooted) while the driver was away.
      volumes.state().delete(record.volumeId());
      return false;
    }
    String generation =
        AtomicWriter.isGenerationName(record.generation()) ? record.generation() : null;
    MountedVolume volume =
        new MountedVolume(
            record.volumeId(),
            target,
            null,
            null,
            Instant.parse(record.mountTime()),
            null,
            record.objectVersions(),
            null,
            record.lastRotationTime() == null ? null : Instant.parse(record.lastRotationTime()));
    volume.generation(generation);
    return volumes.takeOver(volume);
  }

  /** kubelet's layout: {@code <pods>/<pod uid>/volumes/kubernetes.io~csi/<volume>/mount}. */
  static boolean isCsiVolumeMount(Path pods, Path target) {
    if (!target.isAbsolute() || !target.normalize().equals(target) || !target.startsWith(pods)) {
      return false;
    }
    Path relative = pods.relativize(target);
    return relative.getNameCount() == 5
        && relative.getName(1).toString().equals("volumes")
        && relative.getName(2).toString().equals("kubernetes.io~csi")
        && relative.getName(4).toString().equals("mount");
  }
}
