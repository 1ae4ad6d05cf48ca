package io.secretsstore.controller.imports;

import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.ConditionBuilder;
import io.secretsstore.model.crd.SecretsStoreImport;
import io.secretsstore.model.crd.SecretsStoreImportStatus;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/** The status an import should have (pure: import and outcome in, status out). */
public final class ImportStatusModel {

  /** Status messages are for people; a runaway message must not bloat the object. */
  static final int MAX_MESSAGE = 2_000;

  private ImportStatusModel() {}

  public static SecretsStoreImportStatus desired(
      SecretsStoreImport ssi, ImportOutcome outcome, Instant now) {
    String status = outcome.ready() ? "True" : "False";
    String message = cut(outcome.message());
    Optional<Condition> current = readyCondition(ssi);
    // The transition time moves only when the condition's status does (Kubernetes convention).
    String transition =
        current
            .filter(c -> status.equals(c.getStatus()) && c.getLastTransitionTime() != null)
            .map(Condition::getLastTransitionTime)
            .orElse(now.toString());
    Long generation = ssi.getMetadata().getGeneration();
    SecretsStoreImportStatus desired = new SecretsStoreImportStatus();
    desired.setObservedGeneration(generation);
    desired.setConditions(
        List.of(
            new ConditionBuilder()
                .withType(SecretsStoreImportStatus.READY)
                .withStatus(status)
                .withReason(outcome.reason())
                .withMessage(message)
                .withObservedGeneration(generation)
                .withLastTransitionTime(transition)
                .build()));
    desired.setSecretSync(outcome.secretSync());
    return desired;
  }

  /** Whether writing {@code desired} would change what the import already says. */
  public static boolean differs(SecretsStoreImport ssi, SecretsStoreImportStatus desired) {
    SecretsStoreImportStatus current = ssi.getStatus();
    if (current == null) {
      return true;
    }
    return !Objects.equals(current.getObservedGeneration(), desired.getObservedGeneration())
        || !Objects.equals(current.getConditions(), desired.getConditions())
        || !Objects.equals(json(current.getSecretSync()), json(desired.getSecretSync()));
  }

  /** The Ready condition as the import carries it now. */
  public static Optional<Condition> readyCondition(SecretsStoreImport ssi) {
    if (ssi.getStatus() == null || ssi.getStatus().getConditions() == null) {
      return Optional.empty();
    }
    return ssi.getStatus().getConditions().stream()
        .filter(c -> SecretsStoreImportStatus.READY.equals(c.getType()))
        .findFirst();
  }

  private static String json(Object value) {
    return value == null ? null : io.fabric8.kubernetes.client.utils.Serialization.asJson(value);
  }

  private static String cut(String message) {
    if (message == null) {
      return "";
    }
    return message.length() > MAX_MESSAGE ? message.substring(0, MAX_MESSAGE - 3) + "..." : message;
  }
}
