package io.secretsstore.webhook.registry;

import java.util.List;

/** ENTRYPOINT and CMD of a container image, for containers whose pod spec sets no command. */
public interface ImageCommands {

  /** What the image runs when the pod does not say. */
  record ImageCommand(List<String> entrypoint, List<String> cmd) {}

  /** Who asks: the pod's namespace, its pull secrets and service account, and its architecture. */
  record PodContext(
      String namespace,
      List<String> imagePullSecrets,
      String serviceAccount,
      String architecture) {}

  ImageCommand lookup(String image, PodContext pod) throws LookupException;

  /** For clusters that turn registry lookups off: every container must set its command. */
  static ImageCommands disabled() {
    return (image, pod) -> {
      throw new LookupException("registry lookups are turned off in this cluster");
    };
  }

  /** The image's command could not be read; the message says why (no credentials in it). */
  final class LookupException extends Exception {
    public LookupException(String message) {
      super(message);
    }
  }
}
