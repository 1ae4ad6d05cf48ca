package io.secretsstore.webhook.mutation;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.stream.Stream;

/**
 * What the pod already has under the names and paths the mutation adds. The API server would refuse
 * the patched pod with an error about duplicates that does not mention us; this says which name
 * collides and what to rename, at admission.
 */
final class PodCollisions {

  private PodCollisions() {}

  /**
   * @param volumes names of the volumes the mutation adds
   * @param initContainer the init container it adds, or null
   * @param mounts mount paths it adds to every mutated container, by volume
   * @param mutated names of the containers it puts behind the injector
   */
  static List<String> find(
      Pod pod,
      Set<String> volumes,
      String initContainer,
      Map<String, String> mounts,
      Set<String> mutated) {
    List<String> problems = new ArrayList<>();
    for (Volume volume : nonNull(pod.getSpec().getVolumes())) {
      if (volume != null && volumes.contains(volume.getName())) {
        problems.add(
            "the pod already has a volume named '"
                + volume.getName()
                + "', which the secrets-store webhook adds: rename that volume");
      }
    }
    if (initContainer != null) {
      Stream.of(pod.getSpec().getInitContainers(), pod.getSpec().getContainers())
          .flatMap(list -> nonNull(list).stream())
          .filter(c -> c != null && initContainer.equals(c.getName()))
          .findFirst()
          .ifPresent(
              c ->
                  problems.add(
                      "the pod already has a container named '"
                          + initContainer
                          + "', which the secrets-store webhook adds: rename that container"));
    }
    Map<String, String> byPath = new LinkedHashMap<>();
    mounts.forEach((volume, path) -> byPath.put(clean(path), volume));
    for (Container container :
        Stream.concat(
                nonNull(pod.getSpec().getInitContainers()).stream(),
                nonNull(pod.getSpec().getContainers()).stream())
            .filter(c -> c != null && mutated.contains(c.getName()))
            .toList()) {
      for (VolumeMount mount : nonNull(container.getVolumeMounts())) {
        if (mount != null && mount.getMountPath() != null) {
          String ours = byPath.get(clean(mount.getMountPath()));
          if (ours != null && !Objects.equals(ours, mount.getName())) {
            problems.add(
                "container '"
                    + container.getName()
                    + "' already mounts volume '"
                    + mount.getName()
                    + "' at "
                    + clean(mount.getMountPath())
                    + ", where the secrets-store webhook mounts its '"
                    + ours
                    + "' volume: use another mount path");
          }
        }
      }
    }
    return problems;
  }

  /** Kubernetes compares mount paths after cleaning; enough of it for exact duplicates. */
  private static String clean(String path) {
    String cleaned = path.replaceAll("/+", "/");
    return cleaned.length() > 1 && cleaned.endsWith("/")
        ? cleaned.substring(0, cleaned.length() - 1)
        : cleaned;
  }

  private static <T> List<T> nonNull(List<T> list) {
    return list == null ? List.of() : list;
  }
}
