package io.secretsstore.webhook.mutation;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvFromSource;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.EnvVarSource;
import io.secretsstore.model.reference.ReferenceParser;
import io.secretsstore.model.reference.ReferenceSyntaxException;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * Whether a container's environment holds {@code secrets-store:} references, directly or through
 * the ConfigMaps and Secrets it names (read beforehand by {@link AdmissionLookups}). Malformed
 * references are refused here, where the pod author sees the message, instead of in the container's
 * log at start.
 */
final class ReferenceScan {

  private ReferenceScan() {}

  static boolean usesReferences(
      Container container, Map<AdmissionLookups.Source, Optional<Map<String, String>>> data)
      throws PodMutator.NeedsCommandException {
    boolean found = false;
    for (EnvVar variable : nonNull(container.getEnv())) {
      found |= check(container, variable.getName(), "", variable.getValue());
      EnvVarSource from = variable.getValueFrom();
      if (from != null && from.getConfigMapKeyRef() != null) {
        String name = from.getConfigMapKeyRef().getName();
        Optional<Map<String, String>> values =
            data.getOrDefault(new AdmissionLookups.Source(false, name), Optional.empty());
        if (values.isPresent()) {
          found |=
              check(
                  container,
                  variable.getName(),
                  " (ConfigMap '" + name + "')",
                  values.get().get(from.getConfigMapKeyRef().getKey()));
        }
      }
      if (from != null && from.getSecretKeyRef() != null) {
        String name = from.getSecretKeyRef().getName();
        Optional<Map<String, String>> values =
            data.getOrDefault(new AdmissionLookups.Source(true, name), Optional.empty());
        if (values.isPresent()) {
          found |=
              check(
                  container,
                  variable.getName(),
                  " (Secret '" + name + "')",
                  values.get().get(from.getSecretKeyRef().getKey()));
        }
      }
    }
    for (EnvFromSource from : nonNull(container.getEnvFrom())) {
      Optional<Map<String, String>> values = Optional.empty();
      String where = "";
      if (from.getConfigMapRef() != null) {
        String name = from.getConfigMapRef().getName();
        values = data.getOrDefault(new AdmissionLookups.Source(false, name), Optional.empty());
        where = " (ConfigMap '" + name + "')";
      } else if (from.getSecretRef() != null) {
        String name = from.getSecretRef().getName();
        values = data.getOrDefault(new AdmissionLookups.Source(true, name), Optional.empty());
        where = " (Secret '" + name + "')";
      }
      if (values.isPresent()) {
        String prefix = from.getPrefix() == null ? "" : from.getPrefix();
        for (var entry : new TreeMap<>(values.get()).entrySet()) {
          found |= check(container, prefix + entry.getKey(), where, entry.getValue());
        }
      }
    }
    return found;
  }

  /** True for a well-formed reference; a malformed one denies the pod. */
  private static boolean check(Container container, String variable, String where, String value)
      throws PodMutator.NeedsCommandException {
    if (value == null || !ReferenceParser.looksLikeReference(value)) {
      return false;
    }
    try {
      ReferenceParser.parse(value);
      return true;
    } catch (ReferenceSyntaxException e) {
      throw new PodMutator.NeedsCommandException(
          "container '"
              + container.getName()
              + "', variable "
              + variable
              + where
              + ": malformed secrets-store reference: "
              + e.getMessage());
    }
  }

  private static <T> List<T> nonNull(List<T> list) {
    return list == null ? List.of() : list;
  }
}
