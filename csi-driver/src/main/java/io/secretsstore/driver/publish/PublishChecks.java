package io.secretsstore.driver.publish;

import io.secretsstore.model.names.CsiNames;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.Map;

/**
 * Checks of kubelet's publish and unpublish requests before anything is touched: a volume id, a
 * normalized target under kubelet's pods directory, reached without a symbolic link below it, that
 * belongs to the pod of the volume context, an ephemeral inline volume.
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
    checkNoSymbolicLinks(targetPath, target);
    return target;
  }

  /**
   * kubelet's volume paths contain no symbolic link below its pods directory; one there (a tenant's
   * emptyDir holds whatever its pod wrote) would point mount, unmount and delete at a path outside
   * it. Every existing component below the pods directory, the target included, is looked at
   * without following links; the first missing one ends the walk (nothing below it exists).
   */
  private void checkNoSymbolicLinks(String targetPath, Path target) throws PublishException {
    Path current = kubeletPodsDir;
    for (Path name : kubeletPodsDir.relativize(target)) {
      current = current.resolve(name);
      BasicFileAttributes attributes;
      try {
        attributes =
            Files.readAttributes(current, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
      } catch (NoSuchFileException e) {
        return;
      } catch (IOException e) {
        throw PublishException.invalid(
            "target path '" + targetPath + "' cannot be checked at " + current + ": " + e);
      }
      if (attributes.isSymbolicLink()) {
        throw PublishException.invalid(
            "target path '"
                + targetPath
                + "' leads through the symbolic link "
                + current
                + "; kubelet's volume paths have none, so nothing was touched");
      }
    }
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
