package io.secretsstore.webhook.mutation;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.Pod;
import io.secretsstore.webhook.registry.ImageCommands;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Command resolution: what a container runs, which the injector must start after resolving the env.
 * The pod's {@code command} and {@code args}, or else (Kubernetes' rule) the image's ENTRYPOINT
 * followed by the pod's {@code args} or the image's CMD, read from the registry by {@link
 * AdmissionLookups} under the pod's pull secrets ({@link #context}).
 */
final class CommandResolution {

  private CommandResolution() {}

  static List<String> originalCommand(
      Container container,
      Map<String, AdmissionLookups.Outcome<ImageCommands.ImageCommand>> commands)
      throws PodMutator.NeedsCommandException {
    List<String> original = new ArrayList<>();
    if (container.getCommand() != null && !container.getCommand().isEmpty()) {
      original.addAll(container.getCommand());
      original.addAll(nonNull(container.getArgs()));
    } else {
      // Kubernetes' rule: the image's ENTRYPOINT, then the pod's args or else the image's CMD.
      AdmissionLookups.Outcome<ImageCommands.ImageCommand> looked =
          commands.get(container.getImage());
      if (looked == null || looked.value() == null) {
        throw new PodMutator.NeedsCommandException(
            "container '"
                + container.getName()
                + "' has no command and the entrypoint of image "
                + container.getImage()
                + " could not be read ("
                + (looked == null ? "not looked up" : looked.failure().getMessage())
                + "): set spec.containers[].command (and args) explicitly");
      }
      ImageCommands.ImageCommand image = looked.value();
      original.addAll(image.entrypoint());
      original.addAll(
          container.getArgs() != null && !container.getArgs().isEmpty()
              ? container.getArgs()
              : image.cmd());
      if (original.isEmpty()) {
        throw new PodMutator.NeedsCommandException(
            "container '"
                + container.getName()
                + "': image "
                + container.getImage()
                + " has neither ENTRYPOINT nor CMD; set spec.containers[].command");
      }
    }
    return original;
  }

  static ImageCommands.PodContext context(Pod pod, String namespace) {
    List<String> pullSecrets =
        nonNull(pod.getSpec().getImagePullSecrets()).stream()
            .map(io.fabric8.kubernetes.api.model.LocalObjectReference::getName)
            .toList();
    String account =
        pod.getSpec().getServiceAccountName() == null
                || pod.getSpec().getServiceAccountName().isEmpty()
            ? "default"
            : pod.getSpec().getServiceAccountName();
    String architecture =
        pod.getSpec().getNodeSelector() == null
            ? null
            : pod.getSpec().getNodeSelector().get("kubernetes.io/arch");
    return new ImageCommands.PodContext(namespace, pullSecrets, account, architecture);
  }

  private static <T> List<T> nonNull(List<T> list) {
    return list == null ? List.of() : list;
  }
}
