package io.secretsstore.controller.certificates;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** The webhook certificate reconciler, unless certificates come from elsewhere. */
@Configuration(proxyBeanMethods = false)
@EnableConfigurationProperties(WebhookCertificateProperties.class)
@ConditionalOnProperty(
    name = "secrets-store.controller.webhook-certificates.mode",
    havingValue = "self-signed",
    matchIfMissing = true)
public class CertificateConfiguration {

  @Bean
  WebhookCertificateReconciler webhookCertificateReconciler(
      KubernetesClient kubernetes,
      WebhookCertificateProperties properties,
      Clock clock,
      MeterRegistry meters) {
    return new WebhookCertificateReconciler(kubernetes, properties, clock, meters);
  }
}
