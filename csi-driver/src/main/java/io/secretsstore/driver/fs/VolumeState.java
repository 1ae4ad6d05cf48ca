package io.secretsstore.driver.fs;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import java.util.Optional;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.json.JsonMapper;

/**
 * What the driver remembers about a mounted volume, kept in the volume's own tmpfs so it disappears
 * with the mount and lets a restarted driver pick the volume up again. Holds no secret and no
 * token: the volume context is stored without {@code csi.storage.k8s.io/serviceAccount.tokens}.
 *
 * @param volumeId kubelet's volume id
 * @param targetPath the mount point
 * @param volumeContext kubelet's volume context, tokens removed
 * @param objectVersions file name to provider object version
 * @param mountTime when the volume was first mounted (RFC 3339)
 * @param lastRotationTime when the files were last confirmed or refreshed (RFC 3339), or null
 */
public record VolumeState(
    String volumeId,
    String targetPath,
    Map<String, String> volumeContext,
    Map<String, String> objectVersions,
    String mountTime,
    String lastRotationTime) {

  /** Hidden from {@code ls}, reserved by {@link AtomicWriter} (names starting with "..") */
  public static final String FILE_NAME = "..secrets-store-volume.json";

  private static final JsonMapper JSON = JsonMapper.builder().build();

  public VolumeState {
    volumeContext = Map.copyOf(volumeContext);
    objectVersions = Map.copyOf(objectVersions);
  }

  public VolumeState withVersions(Map<String, String> versions, String rotationTime) {
    return new VolumeState(volumeId, targetPath, volumeContext, versions, mountTime, rotationTime);
  }

  /** Writes the state next to the files (temporary file + rename, readable by root only). */
  public void save(Path target) throws IOException {
    Path tmp = target.resolve(FILE_NAME + ".tmp");
    Files.deleteIfExists(tmp);
    Files.createFile(
        tmp, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
    Files.write(tmp, JSON.writeValueAsBytes(this));
    Files.move(tmp, target.resolve(FILE_NAME), StandardCopyOption.ATOMIC_MOVE);
  }

  /** The state in {@code target}, or empty when there is none or it is unreadable. */
  public static Optional<VolumeState> load(Path target) {
    Path file = target.resolve(FILE_NAME);
    if (!Files.isRegularFile(file)) {
      return Optional.empty();
    }
    try {
      return Optional.of(JSON.readValue(Files.readAllBytes(file), VolumeState.class));
    } catch (IOException | JacksonException e) {
      return Optional.empty();
    }
  }
}
