package io.secretsstore.webhook.mutation;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.SecurityContext;
import io.fabric8.kubernetes.api.model.Volume;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * The container- and volume-level rules of the "restricted" Pod Security Standard (Kubernetes v1.30
 * profile), written from its specification for tests of what the webhook adds.
 */
final class RestrictedPodSecurity {

  private static final Set<String> ALLOWED_VOLUME_TYPES =
      Set.of(
          "configMap",
          "csi",
          "downwardAPI",
          "emptyDir",
          "ephemeral",
          "persistentVolumeClaim",
          "projected",
          "secret");

  private RestrictedPodSecurity() {}

  static List<String> violations(Container container) {
    List<String> violations = new ArrayList<>();
    SecurityContext context = container.getSecurityContext();
    if (context == null) {
      return List.of("no securityContext");
    }
    if (Boolean.TRUE.equals(context.getPrivileged())) {
      violations.add("privileged");
    }
    if (!Boolean.FALSE.equals(context.getAllowPrivilegeEscalation())) {
      violations.add("allowPrivilegeEscalation must be false");
    }
    if (!Boolean.TRUE.equals(context.getRunAsNonRoot())) {
      violations.add("runAsNonRoot must be true");
    }
    if (context.getRunAsUser() != null && context.getRunAsUser() == 0L) {
      violations.add("runAsUser must not be 0");
    }
    if (context.getCapabilities() == null
        || context.getCapabilities().getDrop() == null
        || !context.getCapabilities().getDrop().contains("ALL")) {
      violations.add("capabilities must drop ALL");
    }
    if (context.getCapabilities() != null
        && context.getCapabilities().getAdd() != null
        && context.getCapabilities().getAdd().stream()
            .anyMatch(c -> !c.equals("NET_BIND_SERVICE"))) {
      violations.add("only NET_BIND_SERVICE may be added");
    }
    if (context.getSeccompProfile() == null
        || !Set.of("RuntimeDefault", "Localhost").contains(context.getSeccompProfile().getType())) {
      violations.add("seccompProfile must be RuntimeDefault or Localhost");
    }
    return violations;
  }

  static List<String> volumeViolations(List<Volume> volumes) {
    List<String> violations = new ArrayList<>();
    for (Volume volume : volumes) {
      boolean allowed =
          volume.getConfigMap() != null
              || volume.getCsi() != null
              || volume.getDownwardAPI() != null
              || volume.getEmptyDir() != null
              || volume.getEphemeral() != null
              || volume.getPersistentVolumeClaim() != null
              || volume.getProjected() != null
              || volume.getSecret() != null;
      if (!allowed) {
        violations.add("volume " + volume.getName() + " is not one of " + ALLOWED_VOLUME_TYPES);
      }
    }
    return violations;
  }
}
