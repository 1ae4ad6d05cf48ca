package io.secretsstore.controller.certificates;

import java.time.Duration;
import java.util.List;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * The webhook's serving certificate ({@code secrets-store.controller.webhook-certificates.*}).
 *
 * @param mode {@code self-signed}: the controller keeps a CA, the serving certificate and the
 *     webhook configuration's caBundle; {@code external}: cert-manager or the platform does
 * @param webhookConfigurationName the MutatingWebhookConfiguration whose caBundle is kept
 * @param serviceName the webhook's Service
 * @param serviceNamespace its namespace (also where the Secrets live); application.yaml defaults it
 *     to {@code POD_NAMESPACE}
 * @param secretName the webhook's TLS Secret; the CA is kept in {@code <secretName>-ca}
 * @param caValidity lifetime of the CA (default 5 years; durations have no day unit)
 * @param servingValidity lifetime of the serving certificate (default 1 year)
 */
@ConfigurationProperties("secrets-store.controller.webhook-certificates")
public record WebhookCertificateProperties(
    @DefaultValue("self-signed") String mode,
    @DefaultValue("secrets-store-webhook") String webhookConfigurationName,
    @DefaultValue("secrets-store-webhook") String serviceName,
    @DefaultValue("") String serviceNamespace,
    @DefaultValue("secrets-store-webhook-tls") String secretName,
    @DefaultValue("43800h") Duration caValidity,
    @DefaultValue("8760h") Duration servingValidity) {

  public WebhookCertificateProperties {
    if (!mode.equals("self-signed") && !mode.equals("external")) {
      throw new IllegalArgumentException(
          "secrets-store.controller.webhook-certificates.mode must be self-signed or external: "
              + mode);
    }
    if (mode.equals("self-signed") && serviceNamespace.isBlank()) {
      throw new IllegalArgumentException(
          "secrets-store.controller.webhook-certificates.service-namespace is not set (POD_NAMESPACE"
              + " from the downward API)");
    }
    if (servingValidity.compareTo(Duration.ofHours(1)) < 0
        || caValidity.compareTo(servingValidity) < 0) {
      throw new IllegalArgumentException(
          "secrets-store.controller.webhook-certificates: serving-validity must be at least 1h and"
              + " ca-validity at least serving-validity");
    }
  }

  public String caSecretName() {
    return secretName + "-ca";
  }

  /** The names clients use for the Service, the first one also as the subject. */
  public List<String> dnsNames() {
    String base = serviceName + "." + serviceNamespace;
    return List.of(
        serviceName + "." + serviceNamespace + ".svc",
        serviceName,
        base,
        base + ".svc.cluster.local");
  }
}
