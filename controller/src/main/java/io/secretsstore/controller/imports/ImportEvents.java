package io.secretsstore.controller.imports;

import io.fabric8.kubernetes.api.model.MicroTime;
import io.fabric8.kubernetes.api.model.ObjectReferenceBuilder;
import io.fabric8.kubernetes.api.model.events.v1.Event;
import io.fabric8.kubernetes.api.model.events.v1.EventBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.secretsstore.model.crd.SecretsStoreImport;
import java.time.Clock;
import java.time.format.DateTimeFormatter;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Events on an import ({@code kubectl describe ssi}), through {@code events.k8s.io/v1}. Messages
 * come from validation and store errors, which name paths, keys and roles, never values.
 */
public final class ImportEvents {

  private static final Logger log = LoggerFactory.getLogger(ImportEvents.class);
  static final String CONTROLLER = "secrets-store.deckhouse.io/controller";
  private static final DateTimeFormatter MICRO_TIME =
      DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSSSSS'Z'")
          .withZone(java.time.ZoneOffset.UTC);

  private final KubernetesClient kubernetes;
  private final Clock clock;
  private final String instance;

  public ImportEvents(KubernetesClient kubernetes, Clock clock, String instance) {
    this.kubernetes = kubernetes;
    this.clock = clock;
    this.instance = instance;
  }

  public void warning(SecretsStoreImport ssi, String reason, String action, String note) {
    emit(ssi, "Warning", reason, action, note);
  }

  public void normal(SecretsStoreImport ssi, String reason, String action, String note) {
    emit(ssi, "Normal", reason, action, note);
  }

  private void emit(
      SecretsStoreImport ssi, String type, String reason, String action, String note) {
    Event event =
        new EventBuilder()
            .withNewMetadata()
            .withNamespace(ssi.getMetadata().getNamespace())
            .withName(
                ssi.getMetadata().getName() + "." + UUID.randomUUID().toString().substring(0, 8))
            .endMetadata()
            .withRegarding(
                new ObjectReferenceBuilder()
                    .withApiVersion(ssi.getApiVersion())
                    .withKind(ssi.getKind())
                    .withNamespace(ssi.getMetadata().getNamespace())
                    .withName(ssi.getMetadata().getName())
                    .withUid(ssi.getMetadata().getUid())
                    .withResourceVersion(ssi.getMetadata().getResourceVersion())
                    .build())
            .withType(type)
            .withReason(reason)
            .withAction(action)
            .withNote(note.length() > 1024 ? note.substring(0, 1021) + "..." : note)
            .withEventTime(new MicroTime(MICRO_TIME.format(clock.instant())))
            .withReportingController(CONTROLLER)
            .withReportingInstance(instance)
            .build();
    try {
      kubernetes
          .events()
          .v1()
          .events()
          .inNamespace(event.getMetadata().getNamespace())
          .resource(event)
          .create();
    } catch (KubernetesClientException e) {
      // An event is a courtesy: its failure must not fail the reconciliation.
      log.warn(
          "could not record event {} on {}: {}",
          reason,
          ssi.getMetadata().getName(),
          e.getMessage());
    }
  }
}
