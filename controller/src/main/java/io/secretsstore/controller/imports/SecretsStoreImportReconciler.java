package io.secretsstore.controller.imports;

import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.javaoperatorsdk.operator.api.config.informer.InformerEventSourceConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.ControllerConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.EventSource;
import io.javaoperatorsdk.operator.processing.event.source.informer.InformerEventSource;
import io.micrometer.core.instrument.MeterRegistry;
import io.secretsstore.controller.compat.SecretProviderClasses;
import io.secretsstore.controller.config.ControllerProperties;
import io.secretsstore.controller.secrets.SecretModel;
import io.secretsstore.controller.secrets.SecretSync;
import io.secretsstore.controller.secrets.SyncFailure;
import io.secretsstore.model.crd.ImportType;
import io.secretsstore.model.crd.SecretSyncStatus;
import io.secretsstore.model.crd.SecretsStoreImport;
import io.secretsstore.model.crd.SecretsStoreImportStatus;
import io.secretsstore.model.names.CsiNames;
import io.secretsstore.model.values.Durations;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reconciles a SecretsStoreImport: validates it, writes the {@code Ready} condition (and, for the
 * Secret mode, the sync record) with a status patch only when it changes, reports changes as
 * events, keeps the optional compatibility SecretProviderClass, and syncs the opt-in Secret.
 */
@ControllerConfiguration(name = SecretsStoreImportReconciler.NAME)
public final class SecretsStoreImportReconciler implements Reconciler<SecretsStoreImport> {

  public static final String NAME = "secretsstoreimports";
  private static final Logger log = LoggerFactory.getLogger(SecretsStoreImportReconciler.class);
  private static final Duration FIRST_BACKOFF = Duration.ofSeconds(5);

  private final ImportEvents events;
  private final SecretProviderClasses secretProviderClasses;
  private final SecretSync secretSync;
  private final ControllerProperties properties;
  private final MeterRegistry meters;
  private final Clock clock;

  /** Consecutive retryable sync failures per import (by uid), for the backoff. */
  private final Map<String, Integer> failures = new ConcurrentHashMap<>();

  public SecretsStoreImportReconciler(
      ImportEvents events,
      SecretProviderClasses secretProviderClasses,
      SecretSync secretSync,
      ControllerProperties properties,
      MeterRegistry meters,
      Clock clock) {
    this.events = events;
    this.secretProviderClasses = secretProviderClasses;
    this.secretSync = secretSync;
    this.properties = properties;
    this.meters = meters;
    this.clock = clock;
  }

  /** Changes to our Secrets (manual edits, deletion) bring their import back for a sync. */
  @Override
  public List<EventSource<?, SecretsStoreImport>> prepareEventSources(
      EventSourceContext<SecretsStoreImport> context) {
    List<String> namespaces = properties.secretSync().namespaces();
    if (!properties.secretSync().enabled() || namespaces.isEmpty()) {
      return List.of();
    }
    var builder = InformerEventSourceConfiguration.from(Secret.class, SecretsStoreImport.class);
    if (!namespaces.contains("*")) {
      // Only the namespaces the administrator opted in: the chart binds the controller's Secret
      // rights there alone (rbac.yaml, scope secretSyncNamespaces), not cluster-wide.
      builder.withNamespaces(java.util.Set.copyOf(namespaces));
    }
    var configuration =
        builder
            .withName("managed-secrets")
            .withLabelSelector(CsiNames.MANAGED_BY_LABEL + "=" + SecretModel.MANAGED_BY)
            .withSecondaryToPrimaryMapper(
                (Secret secret) -> {
                  var annotations = secret.getMetadata().getAnnotations();
                  String owner =
                      annotations == null ? null : annotations.get(SecretModel.IMPORT_ANNOTATION);
                  return owner == null
                      ? Set.of()
                      : Set.of(new ResourceID(owner, secret.getMetadata().getNamespace()));
                })
            .build();
    return List.of(new InformerEventSource<>(configuration, context));
  }

  @Override
  public UpdateControl<SecretsStoreImport> reconcile(
      SecretsStoreImport ssi, Context<SecretsStoreImport> context) throws InterruptedException {
    Optional<String> unreadable = TolerantImportDecoding.problem(ssi);
    List<String> problems =
        unreadable.isPresent() ? List.of() : ImportValidation.problems(ssi.getSpec());
    boolean valid = unreadable.isEmpty() && problems.isEmpty();
    boolean secretMode = ssi.getSpec() != null && ssi.getSpec().getType() == ImportType.Secret;
    Optional<Duration> next = Optional.empty();

    ImportOutcome outcome;
    if (unreadable.isPresent()) {
      outcome = ImportOutcome.undecodable(unreadable.get());
      log.warn(
          "import {}/{} (resourceVersion {}) cannot be read and is not served: {}",
          ssi.getMetadata().getNamespace(),
          ssi.getMetadata().getName(),
          ssi.getMetadata().getResourceVersion(),
          unreadable.get());
    } else if (!valid) {
      outcome = ImportOutcome.invalid(problems);
    } else if (secretMode && !properties.secretSync().enabled()) {
      outcome =
          new ImportOutcome(
              false,
              ImportOutcome.SECRET_SYNC_DISABLED,
              "type Secret is turned off in this cluster (module setting secretSync.enabled);"
                  + " use type CSI, or ask the cluster administrator",
              null);
    } else if (secretMode && !properties.secretSync().servesNamespace(namespace(ssi))) {
      outcome =
          new ImportOutcome(
              false,
              ImportOutcome.SECRET_SYNC_DISABLED,
              "type Secret is not enabled for namespace '"
                  + namespace(ssi)
                  + "' (module setting secretSync.namespaces, the administrator's opt-in); use"
                  + " type CSI, or ask the cluster administrator",
              null);
    } else if (secretMode) {
      Duration interval = refreshInterval(ssi);
      try {
        outcome = secretSync.sync(ssi, interval);
        failures.remove(ssi.getMetadata().getUid());
        next = Optional.of(jittered(interval));
        count("secret_sync", "synced");
      } catch (SyncFailure failure) {
        log.warn(
            "sync of {}/{} failed [{}]: {}",
            ssi.getMetadata().getNamespace(),
            ssi.getMetadata().getName(),
            failure.reason(),
            failure.getMessage());
        outcome = failed(ssi, failure);
        next = Optional.of(failure.retryable() ? backoff(ssi, interval) : jittered(interval));
        count("secret_sync", failure.reason());
      }
    } else {
      outcome = ImportOutcome.valid();
    }

    // An unreadable import leaves its compatibility object alone: what the author wants is unknown.
    if (properties.secretProviderClasses().enabled() && unreadable.isEmpty()) {
      syncSecretProviderClass(ssi, valid && !secretMode);
    }

    SecretsStoreImportStatus desired = ImportStatusModel.desired(ssi, outcome, clock.instant());
    announce(ssi, outcome);
    count("reconcile", outcome.reason());
    UpdateControl<SecretsStoreImport> control;
    if (ImportStatusModel.differs(ssi, desired)) {
      ssi.setStatus(desired);
      control = UpdateControl.patchStatus(ssi);
    } else {
      control = UpdateControl.noUpdate();
    }
    next.ifPresent(control::rescheduleAfter);
    return control;
  }

  /** A failed sync keeps the previous sync record (the Secret keeps its content) plus the error. */
  private static ImportOutcome failed(SecretsStoreImport ssi, SyncFailure failure) {
    SecretSyncStatus previous = ssi.getStatus() == null ? null : ssi.getStatus().getSecretSync();
    SecretSyncStatus record = new SecretSyncStatus();
    if (previous != null) {
      record.setSecretName(previous.getSecretName());
      record.setLastSyncTime(previous.getLastSyncTime());
      record.setObjects(previous.getObjects());
    }
    if (record.getSecretName() == null) {
      record.setSecretName(SecretModel.secretName(ssi));
    }
    record.setError(failure.getMessage());
    String keeps =
        previous != null && previous.getLastSyncTime() != null
            ? " The Secret keeps the values of the last successful sync."
            : "";
    return new ImportOutcome(false, failure.reason(), failure.getMessage() + "." + keeps, record);
  }

  private void syncSecretProviderClass(SecretsStoreImport ssi, boolean wanted) {
    try {
      SecretProviderClasses.Result result = secretProviderClasses.sync(ssi, wanted);
      count("secret_provider_class", result.name().toLowerCase());
      if (result == SecretProviderClasses.Result.FOREIGN) {
        log.warn(
            "SecretProviderClass {}/{} exists and is not managed by the controller; left as is",
            ssi.getMetadata().getNamespace(),
            ssi.getMetadata().getName());
      }
    } catch (KubernetesClientException e) {
      count("secret_provider_class", "error");
      log.warn(
          "could not keep the SecretProviderClass of {}/{}: {}",
          ssi.getMetadata().getNamespace(),
          ssi.getMetadata().getName(),
          e.getMessage());
    }
  }

  /** One event per change of the Ready condition, not one per reconciliation. */
  private void announce(SecretsStoreImport ssi, ImportOutcome outcome) {
    Optional<Condition> current = ImportStatusModel.readyCondition(ssi);
    boolean same =
        current.isPresent()
            && Objects.equals(current.get().getStatus(), outcome.ready() ? "True" : "False")
            && Objects.equals(current.get().getReason(), outcome.reason())
            && Objects.equals(current.get().getMessage(), outcome.message());
    if (same) {
      return;
    }
    if (!outcome.ready()) {
      events.warning(ssi, outcome.reason(), "Validate", outcome.message());
    } else if (current.isPresent() && "False".equals(current.get().getStatus())) {
      events.normal(ssi, outcome.reason(), "Validate", outcome.message());
    }
    if (outcome.ready()
        && ssi.getSpec() != null
        && Boolean.TRUE.equals(ssi.getSpec().getSkipTLSVerify())) {
      events.warning(
          ssi,
          "InsecureTLS",
          "Validate",
          "skipTLSVerify is true: the store's TLS certificate is not verified. Set caCert instead.");
    }
  }

  private static String namespace(SecretsStoreImport ssi) {
    return ssi.getMetadata().getNamespace();
  }

  private Duration refreshInterval(SecretsStoreImport ssi) {
    var target = ssi.getSpec().getSecret();
    if (target != null && target.getRefreshInterval() != null) {
      return Durations.parse(target.getRefreshInterval());
    }
    return properties.secretSync().refreshInterval();
  }

  /** ±20%, so imports created together do not sync (and hit the store) together forever. */
  static Duration jittered(Duration interval) {
    double factor = 0.8 + ThreadLocalRandom.current().nextDouble() * 0.4;
    return Duration.ofMillis((long) (interval.toMillis() * factor));
  }

  private Duration backoff(SecretsStoreImport ssi, Duration interval) {
    int attempt = failures.merge(ssi.getMetadata().getUid(), 1, Integer::sum);
    long millis = FIRST_BACKOFF.toMillis() << Math.min(attempt - 1, 16);
    return jittered(Duration.ofMillis(Math.min(millis, interval.toMillis())));
  }

  private void count(String what, String result) {
    meters.counter("secrets_store.controller." + what, "result", result).increment();
  }
}
