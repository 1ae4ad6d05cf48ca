package io.secretsstore.webhook.envsource;

import java.util.Map;
import java.util.Optional;

/**
 * The data of the ConfigMaps and Secrets a pod's containers take environment from, to find out
 * whether they hold {@code secrets-store:} references. Empty when the object does not exist
 * (kubelet will report that, not us).
 */
public interface EnvSources {

  Optional<Map<String, String>> configMap(String namespace, String name) throws LookupException;

  Optional<Map<String, String>> secret(String namespace, String name) throws LookupException;

  /** The API server could not be asked; the message names the object. */
  final class LookupException extends Exception {
    public LookupException(String message) {
      super(message);
    }
  }
}
