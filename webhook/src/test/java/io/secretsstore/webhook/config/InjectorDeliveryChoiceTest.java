package io.secretsstore.webhook.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fabric8.kubernetes.api.model.storage.CSIDriverBuilder;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.secretsstore.testkit.KubernetesApiMock;
import io.secretsstore.webhook.envsource.EnvSources;
import io.secretsstore.webhook.mutation.PodMutator;
import io.secretsstore.webhook.registry.ImageCommands;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** {@code delivery: auto}: csi where our csi-driver is installed, copy otherwise. */
class InjectorDeliveryChoiceTest {

  static WebhookProperties properties(String delivery) {
    return new WebhookProperties(
        "registry.example.com/injector:1.0",
        "IfNotPresent",
        "/secrets-store",
        "secrets-store",
        Duration.ofMinutes(10),
        List.of(),
        Duration.ofSeconds(2),
        new WebhookProperties.Connection("", "kubernetes", "", "", false),
        delivery,
        Duration.ofSeconds(10),
        List.of());
  }

  @Test
  void autoIsCsiWhereTheDriverIsInstalledAndCopyElsewhere() {
    try (KubernetesApiMock mock = new KubernetesApiMock()) {
      KubernetesClient api = mock.client();
      assertThat(InjectorDeliveryChoice.resolve(properties("auto"), api).delivery())
          .as("no CSIDriver")
          .isEqualTo("copy");
      api.storage()
          .v1()
          .csiDrivers()
          .resource(
              new CSIDriverBuilder()
                  .withNewMetadata()
                  .withName("secrets-store.csi.deckhouse.io")
                  .endMetadata()
                  .withNewSpec()
                  .withAttachRequired(false)
                  .endSpec()
                  .build())
          .create();
      assertThat(InjectorDeliveryChoice.resolve(properties("auto"), api).delivery())
          .isEqualTo("csi");
      for (String chosen : List.of("copy", "csi", "image-volume")) {
        assertThat(InjectorDeliveryChoice.resolve(properties(chosen), api).delivery())
            .as("an explicit choice is kept")
            .isEqualTo(chosen);
      }
    }
  }

  @Test
  void autoIsCopyWhenTheDriverCannotBeLookedUp() {
    try (KubernetesClient unreachable =
        new KubernetesClientBuilder()
            .withConfig(
                new ConfigBuilder()
                    .withMasterUrl("https://127.0.0.1:1")
                    .withRequestRetryBackoffLimit(0)
                    .withConnectionTimeout(500)
                    .withRequestTimeout(500)
                    .build())
            .build()) {
      assertThat(InjectorDeliveryChoice.resolve(properties("auto"), unreachable).delivery())
          .isEqualTo("copy");
    }
  }

  @Test
  void theDefaultIsAutoAndTheMutatorNeedsItResolved() {
    java.lang.reflect.Parameter delivery =
        java.util.Arrays.stream(WebhookProperties.class.getDeclaredConstructors())
            .flatMap(c -> java.util.Arrays.stream(c.getParameters()))
            .filter(p -> p.getName().equals("delivery"))
            .findFirst()
            .orElseThrow();
    assertThat(
            delivery
                .getAnnotation(org.springframework.boot.context.properties.bind.DefaultValue.class)
                .value())
        .containsExactly("auto");
    assertThatThrownBy(() -> properties("sidecar"))
        .hasMessageContaining("auto, copy, image-volume or csi");
    EnvSources none =
        new EnvSources() {
          @Override
          public java.util.Optional<java.util.Map<String, String>> configMap(
              String namespace, String name) {
            return java.util.Optional.empty();
          }

          @Override
          public java.util.Optional<java.util.Map<String, String>> secret(
              String namespace, String name) {
            return java.util.Optional.empty();
          }
        };
    assertThatThrownBy(() -> new PodMutator(properties("auto"), none, ImageCommands.disabled()))
        .hasMessageContaining("resolved");
  }
}
