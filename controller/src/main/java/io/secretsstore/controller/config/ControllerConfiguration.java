package io.secretsstore.controller.config;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import io.micrometer.core.instrument.MeterRegistry;
import io.secretsstore.controller.compat.SecretProviderClasses;
import io.secretsstore.controller.imports.ImportEvents;
import io.secretsstore.controller.imports.SecretsStoreImportReconciler;
import io.secretsstore.controller.imports.TolerantImportDecoding;
import io.secretsstore.controller.secrets.SecretSync;
import io.secretsstore.vault.StoreClients;
import io.secretsstore.vault.StoreMetrics;
import io.secretsstore.vault.login.TokenCache;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Clock;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.context.properties.ConfigurationPropertiesBinding;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** The import reconciler and what it needs. */
@Configuration(proxyBeanMethods = false)
public class ControllerConfiguration {

  /** Duration settings in common-model's grammar (see {@link DurationSetting}). */
  @Bean
  @ConfigurationPropertiesBinding
  static DurationSetting durationSetting() {
    return new DurationSetting();
  }

  @Bean
  @ConditionalOnMissingBean
  Clock clock() {
    return Clock.systemUTC();
  }

  /** Imports that do not fit the model are reported on the object, not fatal to the informer. */
  @Bean
  KubernetesSerialization kubernetesSerialization() {
    return TolerantImportDecoding.kubernetesSerialization();
  }

  @Bean
  StoreMetrics storeMetrics(MeterRegistry registry) {
    return new StoreMetrics(registry);
  }

  @Bean
  SecretsStoreImportReconciler secretsStoreImportReconciler(
      KubernetesClient kubernetes,
      ControllerProperties properties,
      ConnectionDefaults defaults,
      StoreMetrics storeMetrics,
      MeterRegistry registry,
      Clock clock,
      @Value("${POD_NAME:}") String podName) {
    SecretSync secretSync =
        new SecretSync(
            kubernetes,
            new StoreClients(storeMetrics),
            new TokenCache(clock, storeMetrics),
            defaults,
            properties.secretSync(),
            clock);
    return new SecretsStoreImportReconciler(
        new ImportEvents(kubernetes, clock, podName.isBlank() ? hostName() : podName),
        new SecretProviderClasses(kubernetes, defaults, clock),
        secretSync,
        properties,
        registry,
        clock);
  }

  private static String hostName() {
    try {
      return InetAddress.getLocalHost().getHostName();
    } catch (UnknownHostException e) {
      return "secrets-store-controller";
    }
  }
}
