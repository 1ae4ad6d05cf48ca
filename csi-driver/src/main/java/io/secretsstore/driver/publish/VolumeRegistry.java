package io.secretsstore.driver.publish;

import io.secretsstore.driver.state.VolumeRecord;
import io.secretsstore.driver.state.VolumeStateStore;
import java.io.IOException;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The volumes this driver mounted: in memory, and for restarts in the driver's root-only state
 * directory (never inside a volume; no identity, no secret, no token).
 */
final class VolumeRegistry {

  private final Map<String, MountedVolume> volumes = new ConcurrentHashMap<>();
  private final VolumeStateStore state;

  VolumeRegistry(VolumeStateStore state) {
    this.state = state;
  }

  Optional<MountedVolume> get(String volumeId) {
    return Optional.ofNullable(volumes.get(volumeId));
  }

  /** Whether {@code volume} is still the one registered under its id. */
  boolean isCurrent(MountedVolume volume) {
    return volumes.get(volume.volumeId()) == volume;
  }

  Collection<MountedVolume> all() {
    return List.copyOf(volumes.values());
  }

  int size() {
    return volumes.size();
  }

  /** Records a newly mounted volume, first on disk. */
  void add(MountedVolume volume) throws IOException {
    state.save(record(volume));
    volumes.put(volume.volumeId(), volume);
  }

  /** Saves what changed of a registered volume. */
  void save(MountedVolume volume) throws IOException {
    state.save(record(volume));
  }

  /** Forgets a volume, on disk and in memory. */
  void remove(String volumeId) throws IOException {
    state.delete(volumeId);
    volumes.remove(volumeId);
  }

  /** Takes over a volume of a previous run; false if kubelet published it again in this run. */
  boolean takeOver(MountedVolume volume) {
    return volumes.putIfAbsent(volume.volumeId(), volume) == null;
  }

  VolumeStateStore state() {
    return state;
  }

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
}
