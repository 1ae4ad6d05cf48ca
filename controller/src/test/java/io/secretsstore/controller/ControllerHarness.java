package io.secretsstore.controller;

import io.fabric8.kubernetes.client.NamespacedKubernetesClient;
import io.micrometer.core.instrument.MeterRegistry;
import io.secretsstore.testkit.KubernetesApiMock;
import java.util.ArrayList;
import java.util.List;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;

/** The controller application in this JVM against a mock API server. */
final class ControllerHarness implements AutoCloseable {

  private final ConfigurableApplicationContext context;

  ControllerHarness(KubernetesApiMock kubernetes, String... properties) {
    this(kubernetes, null, properties);
  }

  /** With {@code clock} as the application's clock (null: the system clock). */
  ControllerHarness(KubernetesApiMock kubernetes, java.time.Clock clock, String... properties) {
    this(kubernetes, clock, null, properties);
  }

  private io.fabric8.kubernetes.client.KubernetesClient recordedClient;

  /**
   * With every API request of the controller's client passed to {@code recorder} (null: the client
   * of the application's own configuration).
   */
  ControllerHarness(
      KubernetesApiMock kubernetes,
      java.time.Clock clock,
      ApiCallRecorder recorder,
      String... properties) {
    System.setProperty("kubernetes.master", kubernetes.url());
    System.setProperty("kubernetes.auth.tryKubeConfig", "false");
    System.setProperty("kubernetes.auth.tryServiceAccount", "false");
    System.setProperty("kubernetes.namespace", "default");
    List<String> all =
        new ArrayList<>(
            List.of(
                "server.port=0",
                "logging.level.io.fabric8.mockwebserver=WARN",
                "secrets-store.operator.leader-election.lease-namespace=default",
                "secrets-store.controller.webhook-certificates.service-namespace=d8-secrets-store"));
    all.addAll(List.of(properties));
    // As command-line arguments: they win over application.yaml (default properties do not).
    SpringApplicationBuilder builder = new SpringApplicationBuilder(ControllerApplication.class);
    if (clock != null) {
      builder.initializers(context -> context.getBeanFactory().registerSingleton("clock", clock));
    }
    if (recorder != null) {
      recordedClient =
          new io.fabric8.kubernetes.client.KubernetesClientBuilder()
              .withConfig(io.fabric8.kubernetes.client.Config.autoConfigure(null))
              .withHttpClientBuilderConsumer(b -> b.addOrReplaceInterceptor("recorder", recorder))
              .build();
      builder.initializers(
          context ->
              context.getBeanFactory().registerSingleton("kubernetesClient", recordedClient));
    }
    // Later settings win (the same argument twice would bind as a comma-separated list).
    java.util.Map<String, String> byKey = new java.util.LinkedHashMap<>();
    for (String property : all) {
      int equals = property.indexOf('=');
      byKey.put(property.substring(0, equals), property.substring(equals + 1));
    }
    context =
        builder.run(
            byKey.entrySet().stream()
                .map(e -> "--" + e.getKey() + "=" + e.getValue())
                .toArray(String[]::new));
  }

  <T> T bean(Class<T> type) {
    return context.getBean(type);
  }

  /** Reconciliations this instance ran (any result). */
  double reconciles() {
    return bean(MeterRegistry.class).find("secrets_store.controller.reconcile").counters().stream()
        .mapToDouble(c -> c.count())
        .sum();
  }

  static NamespacedKubernetesClient api(KubernetesApiMock kubernetes) {
    return kubernetes.client();
  }

  @Override
  public void close() {
    context.close();
    if (recordedClient != null) {
      recordedClient.close();
    }
  }
}
