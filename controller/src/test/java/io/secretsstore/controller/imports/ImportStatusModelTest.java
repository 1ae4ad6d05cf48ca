package io.secretsstore.controller.imports;

import static io.secretsstore.controller.Imports.file;
import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Condition;
import io.secretsstore.controller.Imports;
import io.secretsstore.model.crd.SecretsStoreImport;
import io.secretsstore.model.crd.SecretsStoreImportStatus;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class ImportStatusModelTest {

  private final Instant t0 = Instant.parse("2026-11-25T10:00:00Z");

  @Test
  void readyWithObservedGeneration() {
    SecretsStoreImport ssi = Imports.csi("team-a", "db", file("u", "secret/data/db", "u"));
    ssi.getMetadata().setGeneration(3L);
    SecretsStoreImportStatus status = ImportStatusModel.desired(ssi, ImportOutcome.valid(), t0);
    assertThat(status.getObservedGeneration()).isEqualTo(3L);
    Condition ready = status.getConditions().getFirst();
    assertThat(ready.getType()).isEqualTo("Ready");
    assertThat(ready.getStatus()).isEqualTo("True");
    assertThat(ready.getReason()).isEqualTo("Valid");
    assertThat(ready.getObservedGeneration()).isEqualTo(3L);
    assertThat(ready.getLastTransitionTime()).isEqualTo("2026-11-25T10:00:00Z");
  }

  @Test
  void theTransitionTimeMovesOnlyWithTheConditionsStatus() {
    SecretsStoreImport ssi = Imports.csi("team-a", "db", file("u", "secret/data/db", "u"));
    ssi.setStatus(ImportStatusModel.desired(ssi, ImportOutcome.invalid(List.of("a")), t0));

    SecretsStoreImportStatus stillInvalid =
        ImportStatusModel.desired(
            ssi, ImportOutcome.invalid(List.of("b")), t0.plus(Duration.ofMinutes(5)));
    assertThat(stillInvalid.getConditions().getFirst().getLastTransitionTime())
        .isEqualTo(t0.toString());
    assertThat(stillInvalid.getConditions().getFirst().getMessage()).isEqualTo("b");

    SecretsStoreImportStatus fixed =
        ImportStatusModel.desired(ssi, ImportOutcome.valid(), t0.plus(Duration.ofMinutes(6)));
    assertThat(fixed.getConditions().getFirst().getLastTransitionTime())
        .isEqualTo(t0.plus(Duration.ofMinutes(6)).toString());
  }

  @Test
  void anUnchangedOutcomeNeedsNoWrite() {
    SecretsStoreImport ssi = Imports.csi("team-a", "db", file("u", "secret/data/db", "u"));
    assertThat(
            ImportStatusModel.differs(
                ssi, ImportStatusModel.desired(ssi, ImportOutcome.valid(), t0)))
        .isTrue();
    ssi.setStatus(ImportStatusModel.desired(ssi, ImportOutcome.valid(), t0));
    assertThat(
            ImportStatusModel.differs(
                ssi, ImportStatusModel.desired(ssi, ImportOutcome.valid(), t0.plusSeconds(60))))
        .isFalse();
    ssi.getMetadata().setGeneration(2L);
    assertThat(
            ImportStatusModel.differs(
                ssi, ImportStatusModel.desired(ssi, ImportOutcome.valid(), t0.plusSeconds(60))))
        .isTrue();
  }

  @Test
  void longMessagesAreCut() {
    SecretsStoreImport ssi = Imports.csi("team-a", "db", file("u", "secret/data/db", "u"));
    SecretsStoreImportStatus status =
        ImportStatusModel.desired(ssi, ImportOutcome.invalid(List.of("x".repeat(5_000))), t0);
    assertThat(status.getConditions().getFirst().getMessage()).hasSize(2_000).endsWith("...");
  }
}
