package io.secretsstore.driver.state;

import java.util.Map;

/**
 * What the driver needs to take a volume over after a restart: which mount it owns and what it
 * wrote there. No identity (pod, namespace, service account, import): that comes only from
 * kubelet's next republish. No secret, no token.
 *
 * @param volumeId kubelet's volume id
 * @param targetPath the mount point
 * @param objectVersions file name to provider object version
 * @param generation the generation directory written last
 * @param mountTime when the volume was first mounted (RFC 3339)
 * @param lastRotationTime when the files were last refreshed (RFC 3339), or null
 */
public record VolumeRecord(
    String volumeId,
    String targetPath,
    Map<String, String> objectVersions,
    String generation,
    String mountTime,
    String lastRotationTime) {

  public VolumeRecord {
    objectVersions = objectVersions == null ? Map.of() : Map.copyOf(objectVersions);
  }
}
