package io.secretsstore.controller;

import static io.secretsstore.controller.Imports.file;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.GenericKubernetesResourceBuilder;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinitionBuilder;
import io.fabric8.kubernetes.api.model.events.v1.Event;
import io.fabric8.kubernetes.client.NamespacedKubernetesClient;
import io.secretsstore.controller.compat.SecretProviderClassModel;
import io.secretsstore.model.crd.SecretsStoreImport;
import io.secretsstore.testkit.KubernetesApiMock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The controller application (JOSDK operator inside Spring) against the fabric8 mock API server in
 * CRUD mode: validation, status, events, the compatibility SecretProviderClass.
 */
class ImportReconcilerIT {

  static final String NS = "team-a";
  static KubernetesApiMock kubernetes;
  static NamespacedKubernetesClient api;
  static ControllerHarness controller;

  @BeforeAll
  static void start() {
    kubernetes = new KubernetesApiMock();
    api = kubernetes.client();
    // The upstream driver's CRD is installed, so compatibility objects are kept.
    api.apiextensions()
        .v1()
        .customResourceDefinitions()
        .resource(
            new CustomResourceDefinitionBuilder()
                .withNewMetadata()
                .withName(SecretProviderClassModel.CRD_NAME)
                .endMetadata()
                .withNewSpec()
                .withGroup("secrets-store.csi.x-k8s.io")
                .withScope("Namespaced")
                .withNewNames()
                .withKind("SecretProviderClass")
                .withPlural("secretproviderclasses")
                .endNames()
                .endSpec()
                .build())
        .create();
    controller =
        new ControllerHarness(
            kubernetes,
            "secrets-store.operator.leader-election.enabled=false",
            "secrets-store.controller.secret-provider-classes.enabled=true",
            "secrets-store.connection.url=https://stronghold.internal:8200");
  }

  @AfterAll
  static void stop() {
    if (controller != null) {
      controller.close();
    }
    api.close();
    kubernetes.close();
  }

  @Test
  void aValidImportBecomesReadyOnceAndGetsItsSecretProviderClass() {
    SecretsStoreImport ssi = Imports.csi(NS, "valid", file("user", "secret/data/db", "user"));
    api.resource(ssi).create();

    Condition ready = awaitReady("valid", "True");
    assertThat(ready.getReason()).isEqualTo("Valid");
    SecretsStoreImport stored = get("valid");
    assertThat(stored.getStatus().getObservedGeneration())
        .isEqualTo(stored.getMetadata().getGeneration());

    GenericKubernetesResource spc =
        await().atMost(Duration.ofSeconds(20)).until(() -> spc("valid"), s -> s != null);
    assertThat(spc.getMetadata().getOwnerReferences().getFirst().getUid())
        .isEqualTo(stored.getMetadata().getUid());
    @SuppressWarnings("unchecked")
    Map<String, Object> parameters =
        (Map<String, Object>)
            ((Map<String, Object>) spc.getAdditionalProperties().get("spec")).get("parameters");
    assertThat(parameters).containsEntry("vaultAddress", "https://stronghold.internal:8200");

    // Nothing changes, nothing is written again: one status write for this import.
    await()
        .during(Duration.ofSeconds(2))
        .atMost(Duration.ofSeconds(5))
        .until(() -> statusWrites("valid") == 1);
  }

  @Test
  void anInvalidImportIsReportedInStatusAndEventsAndRecoversWhenFixed() {
    SecretsStoreImport ssi =
        Imports.csi(
            NS,
            "broken",
            file("user", "secret/data/db", "user"),
            file("user", "secret/data/db", "password"));
    ssi.getSpec().setAddress("not-a-url");
    api.resource(ssi).create();

    Condition ready = awaitReady("broken", "False");
    assertThat(ready.getReason()).isEqualTo("InvalidSpec");
    assertThat(ready.getMessage())
        .contains("spec.files[1] repeats the file name 'user'")
        .contains("spec.address 'not-a-url' is not an http(s) URL")
        .doesNotContain("Exception")
        .doesNotContain("\tat ");
    await()
        .atMost(Duration.ofSeconds(10))
        .untilAsserted(
            () ->
                assertThat(events("broken"))
                    .anySatisfy(
                        e -> {
                          assertThat(e.getType()).isEqualTo("Warning");
                          assertThat(e.getReason()).isEqualTo("InvalidSpec");
                          assertThat(e.getNote()).isEqualTo(ready.getMessage());
                        }));
    // No compatibility object for an import that cannot work.
    assertThat(spc("broken")).isNull();

    SecretsStoreImport fix = get("broken");
    fix.getSpec().getFiles().get(1).setName("password");
    fix.getSpec().setAddress("https://stronghold.internal:8200");
    api.resource(fix).update();

    Condition fixed = awaitReady("broken", "True");
    assertThat(fixed.getReason()).isEqualTo("Valid");
    await()
        .atMost(Duration.ofSeconds(10))
        .untilAsserted(
            () ->
                assertThat(events("broken"))
                    .anySatisfy(
                        e -> {
                          assertThat(e.getType()).isEqualTo("Normal");
                          assertThat(e.getReason()).isEqualTo("Valid");
                        }));
    await().atMost(Duration.ofSeconds(20)).until(() -> spc("broken") != null);
  }

  @Test
  void anImportThatBecomesInvalidLosesItsSecretProviderClassButForeignOnesStay() {
    api.resource(Imports.csi(NS, "flip", file("user", "secret/data/db", "user"))).create();
    await().atMost(Duration.ofSeconds(20)).until(() -> spc("flip") != null);

    SecretsStoreImport broken = get("flip");
    broken.getSpec().setRole("");
    api.resource(broken).update();
    awaitReady("flip", "False");
    await().atMost(Duration.ofSeconds(20)).until(() -> spc("flip") == null);

    GenericKubernetesResource foreign =
        new GenericKubernetesResourceBuilder()
            .withApiVersion("secrets-store.csi.x-k8s.io/v1")
            .withKind("SecretProviderClass")
            .withNewMetadata()
            .withName("handmade")
            .withNamespace(NS)
            .endMetadata()
            .withAdditionalProperties(Map.of("spec", Map.of("provider", "azure")))
            .build();
    api.genericKubernetesResources(SecretProviderClassModel.RESOURCE)
        .inNamespace(NS)
        .resource(foreign)
        .create();
    api.resource(Imports.csi(NS, "handmade", file("user", "secret/data/db", "user"))).create();
    awaitReady("handmade", "True");
    @SuppressWarnings("unchecked")
    Map<String, Object> spec =
        (Map<String, Object>) spc("handmade").getAdditionalProperties().get("spec");
    assertThat(spec).containsEntry("provider", "azure");
  }

  @Test
  void theKubernetesClientHasExplicitTimeoutsAndRetryLimits() {
    var config =
        controller.bean(io.fabric8.kubernetes.client.KubernetesClient.class).getConfiguration();
    assertThat(config.getConnectionTimeout()).isEqualTo(10_000);
    assertThat(config.getRequestTimeout()).isEqualTo(15_000);
    assertThat(config.getRequestRetryBackoffLimit()).isEqualTo(3);
    assertThat(config.getRequestRetryBackoffInterval()).isEqualTo(500);
  }

  @Test
  void theSecretModeIsRefusedWhileTheClusterHasItOff() {
    api.resource(
            Imports.secret(NS, "wants-secret", "syncer", file("user", "secret/data/db", "user")))
        .create();
    Condition ready = awaitReady("wants-secret", "False");
    assertThat(ready.getReason()).isEqualTo("SecretSyncDisabled");
    assertThat(ready.getMessage()).contains("secretSync.enabled");
    assertThat(api.secrets().inNamespace(NS).withName("wants-secret").get()).isNull();
  }

  private static Condition awaitReady(String name, String status) {
    return await()
        .atMost(Duration.ofSeconds(20))
        .until(
            () -> {
              SecretsStoreImport ssi = get(name);
              if (ssi == null || ssi.getStatus() == null) {
                return null;
              }
              return ssi.getStatus().getConditions().stream()
                  .filter(c -> c.getType().equals("Ready") && c.getStatus().equals(status))
                  .filter(
                      c ->
                          java.util.Objects.equals(
                              c.getObservedGeneration(), ssi.getMetadata().getGeneration()))
                  .findFirst()
                  .orElse(null);
            },
            c -> c != null);
  }

  static SecretsStoreImport get(String name) {
    return api.resources(SecretsStoreImport.class).inNamespace(NS).withName(name).get();
  }

  static GenericKubernetesResource spc(String name) {
    return api.genericKubernetesResources(SecretProviderClassModel.RESOURCE)
        .inNamespace(NS)
        .withName(name)
        .get();
  }

  static List<Event> events(String name) {
    return eventsIn(api, NS, name);
  }

  static List<Event> eventsIn(NamespacedKubernetesClient api, String namespace, String name) {
    return api.events().v1().events().inNamespace(namespace).list().getItems().stream()
        .filter(e -> e.getRegarding() != null && name.equals(e.getRegarding().getName()))
        .toList();
  }

  static int statusWrites(String name) {
    String path =
        "/apis/deckhouse.io/v1alpha1/namespaces/" + NS + "/secretsstoreimports/" + name + "/status";
    return kubernetes.requestCount("PATCH", path) + kubernetes.requestCount("PUT", path);
  }
}
