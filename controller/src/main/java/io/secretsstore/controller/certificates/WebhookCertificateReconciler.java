package io.secretsstore.controller.certificates;

import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.MutatingWebhook;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.MutatingWebhookConfiguration;
import io.fabric8.kubernetes.client.KubernetesClient;
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
import io.secretsstore.model.names.CsiNames;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps the webhook's TLS: a CA Secret only the controller reads, the webhook's {@code
 * kubernetes.io/tls} Secret (which the webhook reloads without restart), and the caBundle of the
 * MutatingWebhookConfiguration's entries that point at the webhook's Service. Writes only what
 * changed, and comes back before the next certificate is due (at the latest after an hour, and at
 * once when one of its Secrets is edited or deleted).
 */
// Every change of the configuration counts, not only those that bump its generation: a chart
// upgrade or a person may reset the caBundle.
@ControllerConfiguration(
    name = WebhookCertificateReconciler.NAME,
    generationAwareEventProcessing = false)
public final class WebhookCertificateReconciler
    implements Reconciler<MutatingWebhookConfiguration> {

  public static final String NAME = "webhook-certificates";
  static final String MANAGED_BY = "secrets-store-controller";
  static final String PURPOSE_LABEL = "secrets-store.deckhouse.io/purpose";
  static final String PURPOSE = "webhook-tls";
  private static final Duration MAX_WAIT = Duration.ofHours(1);
  private static final Logger log = LoggerFactory.getLogger(WebhookCertificateReconciler.class);

  private final KubernetesClient kubernetes;
  private final WebhookCertificateProperties properties;
  private final Clock clock;
  private final MeterRegistry meters;
  private final AtomicLong caNotAfter = new AtomicLong();
  private final AtomicLong servingNotAfter = new AtomicLong();

  public WebhookCertificateReconciler(
      KubernetesClient kubernetes,
      WebhookCertificateProperties properties,
      Clock clock,
      MeterRegistry meters) {
    this.kubernetes = kubernetes;
    this.properties = properties;
    this.clock = clock;
    this.meters = meters;
    meters.gauge(
        "secrets_store.controller.webhook_certificate.not_after",
        List.of(io.micrometer.core.instrument.Tag.of("kind", "ca")),
        caNotAfter);
    meters.gauge(
        "secrets_store.controller.webhook_certificate.not_after",
        List.of(io.micrometer.core.instrument.Tag.of("kind", "serving")),
        servingNotAfter);
  }

  /** Our two Secrets: an edit or deletion brings the webhook configuration back. */
  @Override
  public List<EventSource<?, MutatingWebhookConfiguration>> prepareEventSources(
      EventSourceContext<MutatingWebhookConfiguration> context) {
    var configuration =
        InformerEventSourceConfiguration.from(Secret.class, MutatingWebhookConfiguration.class)
            .withName("webhook-tls-secrets")
            .withNamespaces(Set.of(properties.serviceNamespace()))
            .withLabelSelector(PURPOSE_LABEL + "=" + PURPOSE)
            .withSecondaryToPrimaryMapper(
                (Secret secret) -> Set.of(new ResourceID(properties.webhookConfigurationName())))
            .build();
    return List.of(new InformerEventSource<>(configuration, context));
  }

  @Override
  public UpdateControl<MutatingWebhookConfiguration> reconcile(
      MutatingWebhookConfiguration configuration, Context<MutatingWebhookConfiguration> context) {
    if (!properties.webhookConfigurationName().equals(configuration.getMetadata().getName())) {
      return UpdateControl.noUpdate();
    }
    Instant now = clock.instant();
    String namespace = properties.serviceNamespace();
    Secret caSecret = secret(properties.caSecretName());
    Secret tlsSecret = secret(properties.secretName());
    CertificatePlan plan =
        CertificatePlan.plan(
            decoded(caSecret),
            decoded(tlsSecret),
            properties.dnsNames(),
            new CertificatePlan.Lifetimes(properties.caValidity(), properties.servingValidity()),
            now);
    for (String kind : plan.issued()) {
      meters
          .counter("secrets_store.controller.webhook_certificate.issued", "kind", kind)
          .increment();
      log.info("issued a new webhook {} certificate", kind);
    }
    caNotAfter.set(plan.caNotAfter().getEpochSecond());
    servingNotAfter.set(plan.servingNotAfter().getEpochSecond());

    // The API server must trust a new CA before the webhook serves a certificate it signed:
    // caBundle first, then the serving Secret (the other way round, admissions fail TLS until the
    // bundle catches up).
    write(caSecret, properties.caSecretName(), "Opaque", plan.caData());
    patchCaBundle(configuration, plan.caBundle());
    write(tlsSecret, properties.secretName(), "kubernetes.io/tls", plan.tlsData());

    Duration wait = Duration.between(clock.instant(), plan.nextCheck());
    if (wait.isNegative() || wait.compareTo(MAX_WAIT) > 0) {
      wait = wait.isNegative() ? Duration.ofSeconds(1) : MAX_WAIT;
    }
    log.debug("webhook certificates of {} checked; next in {}", namespace, wait);
    return UpdateControl.<MutatingWebhookConfiguration>noUpdate().rescheduleAfter(wait);
  }

  private Secret secret(String name) {
    return kubernetes.secrets().inNamespace(properties.serviceNamespace()).withName(name).get();
  }

  private static Map<String, byte[]> decoded(Secret secret) {
    Map<String, byte[]> data = new HashMap<>();
    if (secret != null && secret.getData() != null) {
      secret
          .getData()
          .forEach(
              (key, value) -> {
                try {
                  data.put(key, Base64.getDecoder().decode(value));
                } catch (IllegalArgumentException e) {
                  // Damaged: treated as absent, so it is re-issued.
                }
              });
    }
    return data;
  }

  private void write(Secret existing, String name, String type, Map<String, String> pem) {
    Map<String, String> data = new HashMap<>();
    pem.forEach(
        (key, value) ->
            data.put(
                key,
                Base64.getEncoder().encodeToString(value.getBytes(StandardCharsets.US_ASCII))));
    if (existing != null
        && Objects.equals(existing.getData(), data)
        && Objects.equals(existing.getType(), type)) {
      return;
    }
    Secret desired =
        new SecretBuilder()
            .withNewMetadata()
            .withName(name)
            .withNamespace(properties.serviceNamespace())
            .addToLabels(CsiNames.MANAGED_BY_LABEL, MANAGED_BY)
            .addToLabels(PURPOSE_LABEL, PURPOSE)
            .endMetadata()
            .withType(type)
            .withData(data)
            .build();
    if (existing == null) {
      kubernetes.resource(desired).create();
    } else if (!Objects.equals(existing.getType(), type)) {
      // The type of a Secret cannot change in place.
      kubernetes.resource(existing).delete();
      kubernetes.resource(desired).create();
    } else {
      desired.getMetadata().setResourceVersion(existing.getMetadata().getResourceVersion());
      kubernetes.resource(desired).update();
    }
    log.info("wrote Secret {}/{}", properties.serviceNamespace(), name);
  }

  /** Sets caBundle on the entries that call our Service; other entries are not touched. */
  private void patchCaBundle(MutatingWebhookConfiguration configuration, String bundlePem) {
    String bundle =
        Base64.getEncoder().encodeToString(bundlePem.getBytes(StandardCharsets.US_ASCII));
    boolean outdated =
        configuration.getWebhooks().stream()
            .filter(this::callsOurService)
            .anyMatch(webhook -> !bundle.equals(webhook.getClientConfig().getCaBundle()));
    if (!outdated) {
      return;
    }
    kubernetes
        .admissionRegistration()
        .v1()
        .mutatingWebhookConfigurations()
        .withName(configuration.getMetadata().getName())
        .edit(
            current -> {
              current.getWebhooks().stream()
                  .filter(this::callsOurService)
                  .forEach(webhook -> webhook.getClientConfig().setCaBundle(bundle));
              return current;
            });
    log.info(
        "updated the caBundle of MutatingWebhookConfiguration {}",
        configuration.getMetadata().getName());
  }

  private boolean callsOurService(MutatingWebhook webhook) {
    var service = webhook.getClientConfig() == null ? null : webhook.getClientConfig().getService();
    return service != null
        && properties.serviceName().equals(service.getName())
        && properties.serviceNamespace().equals(service.getNamespace());
  }
}
