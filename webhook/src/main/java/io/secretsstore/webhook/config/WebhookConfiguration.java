package io.secretsstore.webhook.config;

import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.micrometer.core.instrument.MeterRegistry;
import io.secretsstore.webhook.envsource.KubernetesEnvSources;
import io.secretsstore.webhook.mutation.PodMutator;
import io.secretsstore.webhook.registry.PullSecretCredentials;
import io.secretsstore.webhook.registry.RegistryImageCommands;
import io.secretsstore.webhook.registry.RegistryProperties;
import io.secretsstore.webhook.registry.RegistryTrust;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

@Configuration(proxyBeanMethods = false)
public class WebhookConfiguration {

  @Bean(destroyMethod = "close")
  KubernetesClient kubernetesClient(WebhookProperties properties) {
    // Reads must end well inside the API server's admission timeout.
    int millis = (int) properties.lookupTimeout().toMillis();
    Config config = Config.autoConfigure(null);
    config.setRequestTimeout(millis);
    config.setConnectionTimeout(millis);
    config.setRequestRetryBackoffLimit(0);
    return new KubernetesClientBuilder().withConfig(config).build();
  }

  @Bean(destroyMethod = "close")
  RegistryImageCommands registryImageCommands(
      RegistryProperties registry,
      WebhookProperties properties,
      KubernetesClient kubernetes,
      MeterRegistry meters)
      throws Exception {
    RegistryTrust.install(registry.caFile());
    PullSecretCredentials credentials =
        new PullSecretCredentials(kubernetes, properties.secretReads());
    return new RegistryImageCommands(registry, () -> credentials, meters);
  }

  @Bean
  PodMutator podMutator(
      WebhookProperties properties, KubernetesClient kubernetes, RegistryImageCommands images) {
    return new PodMutator(
        InjectorDeliveryChoice.resolve(properties, kubernetes),
        new KubernetesEnvSources(kubernetes, properties.secretReads()),
        images);
  }
}
