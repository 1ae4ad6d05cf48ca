package io.secretsstore.controller;

import static io.secretsstore.controller.Imports.file;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.GenericKubernetesResourceBuilder;
import io.fabric8.kubernetes.client.NamespacedKubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import io.javaoperatorsdk.operator.Operator;
import io.micrometer.core.instrument.MeterRegistry;
import io.secretsstore.model.crd.SecretsStoreImport;
import io.secretsstore.testkit.KubernetesApiMock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Imports the model cannot represent (CRD drift during an upgrade, objects of another
 * implementation) exist before the controller starts: it starts anyway, reports each one on the
 * object (status, Warning event), counts them, and reconciles the others.
 */
class UndecodableImportIT {

  static final String NS = "team-a";
  static final ResourceDefinitionContext IMPORTS =
      new ResourceDefinitionContext.Builder()
          .withGroup(SecretsStoreImport.GROUP)
          .withVersion(SecretsStoreImport.VERSION)
          .withKind(SecretsStoreImport.KIND)
          .withPlural(SecretsStoreImport.PLURAL)
          .withNamespaced(true)
          .build();

  @Test
  void undecodableImportsAreReportedOnTheObjectAndTheRestIsReconciled() {
    try (KubernetesApiMock kubernetes = new KubernetesApiMock();
        NamespacedKubernetesClient api = kubernetes.client()) {
      create(api, "base64-yes", spec(Map.of("decodeBase64", "yes"), "CSI", Map.of()));
      create(api, "type-env", spec(Map.of(), "Env", Map.of()));
      create(api, "future-field", spec(Map.of(), "CSI", Map.of("futureField", "v2")));

      try (ControllerHarness controller =
          new ControllerHarness(
              kubernetes,
              "secrets-store.operator.leader-election.enabled=false",
              "secrets-store.connection.url=https://stronghold.internal:8200")) {
        api.resource(Imports.csi(NS, "created-later", file("user", "secret/data/db", "user")))
            .create();

        assertThat(awaitReady(api, "created-later")).containsEntry("reason", "Valid");
        assertThat(awaitReady(api, "future-field")).containsEntry("reason", "Valid");
        Map<String, Object> yes = awaitReady(api, "base64-yes");
        assertThat(yes)
            .containsEntry("status", "False")
            .containsEntry("reason", "Undecodable")
            .containsEntry("observedGeneration", 1);
        assertThat((String) yes.get("message"))
            .startsWith("spec.files[0].decodeBase64 cannot be read: expected true or false.")
            .doesNotContain("yes\"")
            .doesNotContain("Exception");
        assertThat((String) awaitReady(api, "type-env").get("message"))
            .startsWith("spec.type cannot be read: expected one of CSI, Secret.");

        // Reported where kubectl describe shows it.
        await()
            .atMost(Duration.ofSeconds(10))
            .untilAsserted(
                () ->
                    assertThat(ImportReconcilerIT.eventsIn(api, NS, "type-env"))
                        .anySatisfy(
                            e -> {
                              assertThat(e.getType()).isEqualTo("Warning");
                              assertThat(e.getReason()).isEqualTo("Undecodable");
                            }));
        MeterRegistry meters = controller.bean(MeterRegistry.class);
        assertThat(
                meters
                    .get("secrets_store.controller.reconcile")
                    .tag("result", "Undecodable")
                    .counter()
                    .count())
            .isGreaterThanOrEqualTo(2);
        // The operator runs on; nothing of the bad objects was written besides their status.
        assertThat(controller.bean(Operator.class).getRuntimeInfo().allEventSourcesAreHealthy())
            .isTrue();
        GenericKubernetesResource stored = imports(api).withName("base64-yes").get();
        assertThat(stored.getMetadata().getAnnotations()).isNullOrEmpty();
        assertThat(files(stored).getFirst()).containsEntry("decodeBase64", "yes");

        // Fixed by its author: served like any other.
        GenericKubernetesResource fixed = stored;
        files(fixed).getFirst().put("decodeBase64", true);
        fixed.getMetadata().setGeneration(2L);
        imports(api).resource(fixed).update();
        await()
            .atMost(Duration.ofSeconds(20))
            .until(() -> "Valid".equals(ready(api, "base64-yes").get("reason")));
      }
    }
  }

  static Map<String, Object> spec(
      Map<String, Object> fileExtras, String type, Map<String, Object> specExtras) {
    Map<String, Object> file = new java.util.HashMap<>();
    file.put("name", "user");
    file.put("source", Map.of("path", "secret/data/db", "key", "user"));
    file.putAll(fileExtras);
    Map<String, Object> spec = new java.util.HashMap<>();
    spec.put("type", type);
    spec.put("role", "app");
    spec.put("files", List.of(file));
    spec.putAll(specExtras);
    return spec;
  }

  static void create(NamespacedKubernetesClient api, String name, Map<String, Object> spec) {
    imports(api)
        .resource(
            new GenericKubernetesResourceBuilder()
                .withApiVersion(SecretsStoreImport.GROUP + "/" + SecretsStoreImport.VERSION)
                .withKind(SecretsStoreImport.KIND)
                .withNewMetadata()
                .withName(name)
                .withNamespace(NS)
                .withUid("uid-" + name)
                .withGeneration(1L)
                .endMetadata()
                .withAdditionalProperties(Map.of("spec", spec))
                .build())
        .create();
  }

  static io.fabric8.kubernetes.client.dsl.NonNamespaceOperation<
          GenericKubernetesResource,
          io.fabric8.kubernetes.api.model.GenericKubernetesResourceList,
          io.fabric8.kubernetes.client.dsl.Resource<GenericKubernetesResource>>
      imports(NamespacedKubernetesClient api) {
    return api.genericKubernetesResources(IMPORTS).inNamespace(NS);
  }

  @SuppressWarnings("unchecked")
  static List<Map<String, Object>> files(GenericKubernetesResource ssi) {
    return (List<Map<String, Object>>)
        ((Map<String, Object>) ssi.getAdditionalProperties().get("spec")).get("files");
  }

  static Map<String, Object> awaitReady(NamespacedKubernetesClient api, String name) {
    return await().atMost(Duration.ofSeconds(20)).until(() -> ready(api, name), c -> !c.isEmpty());
  }

  @SuppressWarnings("unchecked")
  static Map<String, Object> ready(NamespacedKubernetesClient api, String name) {
    GenericKubernetesResource ssi = imports(api).withName(name).get();
    if (ssi == null || !(ssi.getAdditionalProperties().get("status") instanceof Map<?, ?> status)) {
      return Map.of();
    }
    Object conditions = status.get("conditions");
    if (!(conditions instanceof List<?> list)) {
      return Map.of();
    }
    return list.stream()
        .map(c -> (Map<String, Object>) c)
        .filter(c -> "Ready".equals(c.get("type")))
        .findFirst()
        .orElse(Map.of());
  }
}
