package io.secretsstore.driver.publish;

import io.secretsstore.model.names.CsiNames;
import java.nio.file.Path;
import java.util.Map;

/**
 * Checks of kubelet's publish request before anything is touched: a volume id, a normalized target
 * under kubelet's pods directory that belongs to the pod of the volume context, an ephemeral inline
 * volume.
 */
final class PublishChecks {

  private final Path kubeletPodsDir;

  PublishChecks(Path kubeletPodsDir) {
    this.kubeletPodsDir = kubeletPodsDir;
  }

  Path target(String volumeId, String targetPath) throws PublishException {
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
    if (!target.startsWith(kubeletPodsDir) || target.equals(kubeletPodsDir)) {
      throw PublishException.invalid(
          "target path '" + targetPath + "' is outside kubelet's pods directory " + kubeletPodsDir);
    }
    return target;
  }

  /** kubelet's layout: {@code <pods>/<pod uid>/volumes/kubernetes.io~csi/<volume>/mount}. */
  String volumeNameOf(Path target) {
    Path relative = kubeletPodsDir.relativize(target);
    if (relative.getNameCount() == 5 && relative.getName(1).toString().equals("volumes")) {
      return relative.getName(3).toString();
    }
    return target.getFileName().toString();
  }

  void checkPodOwnsTarget(PodInfo pod, Path target) throws PublishException {
    Path relative = kubeletPodsDir.relativize(target);
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

  static void checkEphemeral(Map<String, String> context) throws PublishException {
    String ephemeral = context.get(CsiNames.EPHEMERAL);
    if (ephemeral != null && !ephemeral.equals("true")) {
      throw PublishException.invalid(
          "only inline ephemeral volumes (pod.spec.volumes[].csi) are supported, not PersistentVolumes");
    }
  }
}
