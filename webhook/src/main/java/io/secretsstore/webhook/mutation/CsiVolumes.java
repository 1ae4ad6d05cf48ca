package io.secretsstore.webhook.mutation;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.Volume;
import io.secretsstore.model.names.CsiNames;
import java.util.List;
import java.util.Optional;

/**
 * Secrets volumes are read-only. The driver refuses {@code readonly=false} publishes (as upstream
 * does), and kubelet sends {@code false} for an unset {@code readOnly}, so a volume written as in
 * the module's examples (no {@code readOnly}) gets {@code readOnly: true} here, for every pod, and
 * an explicit {@code readOnly: false} is denied at admission, where the author sees why.
 */
final class CsiVolumes {

  private CsiVolumes() {}

  /** The denial for a secrets volume asked to be writable, if any. */
  static Optional<String> writable(Pod pod) {
    return ours(pod).stream()
        .filter(volume -> Boolean.FALSE.equals(volume.getCsi().getReadOnly()))
        .findFirst()
        .map(
            volume ->
                "volume '"
                    + volume.getName()
                    + "' of driver "
                    + CsiNames.DRIVER_NAME
                    + " sets readOnly: false; secrets volumes are read-only: set readOnly: true"
                    + " or leave it out");
  }

  /** {@code pod} itself when nothing is missing, else a copy with {@code readOnly: true} set. */
  static Pod readOnlyByDefault(Pod pod) {
    if (ours(pod).stream().noneMatch(volume -> volume.getCsi().getReadOnly() == null)) {
      return pod;
    }
    Pod copy = new PodBuilder(pod).build();
    for (Volume volume : ours(copy)) {
      if (volume.getCsi().getReadOnly() == null) {
        volume.getCsi().setReadOnly(true);
      }
    }
    return copy;
  }

  private static List<Volume> ours(Pod pod) {
    if (pod.getSpec() == null || pod.getSpec().getVolumes() == null) {
      return List.of();
    }
    return pod.getSpec().getVolumes().stream()
        .filter(
            volume ->
                volume != null
                    && volume.getCsi() != null
                    && CsiNames.DRIVER_NAME.equals(volume.getCsi().getDriver()))
        .toList();
  }
}
