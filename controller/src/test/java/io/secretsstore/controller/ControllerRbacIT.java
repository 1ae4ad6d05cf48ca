package io.secretsstore.controller;

import static io.secretsstore.controller.Imports.file;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.api.model.ServiceAccountBuilder;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.MutatingWebhookConfiguration;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.MutatingWebhookConfigurationBuilder;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinitionBuilder;
import io.fabric8.kubernetes.client.NamespacedKubernetesClient;
import io.secretsstore.controller.compat.SecretProviderClassModel;
import io.secretsstore.model.crd.SecretsStoreImport;
import io.secretsstore.model.rbac.ApiRequest;
import io.secretsstore.model.rbac.RbacRule;
import io.secretsstore.model.rbac.RbacRules;
import io.secretsstore.testkit.KubernetesApiMock;
import io.secretsstore.testkit.OpenBaoServer;
import io.secretsstore.testkit.SharedStore;
import io.secretsstore.testkit.StoreAdmin;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * Least privilege of the controller: with every feature on (leader election, the Secret mode for
 * one opted-in namespace, compatibility SecretProviderClasses, self-signed webhook certificates),
 * every request its Kubernetes client sends is allowed by the checked-in {@code rbac.yaml}, granted
 * the way the chart binds it (cluster-wide, in the controller's namespace, or in the Secret mode's
 * namespaces only). A call the code starts making without a rule fails this test, and so does a
 * rule nothing uses any more. Store: a real OpenBao; API: the fabric8 mock (it has no RBAC, so the
 * comparison is made on the requests themselves).
 */
class ControllerRbacIT {

  static final String RELEASE = "d8-secrets-store";
  static final String SYNC_NS = "team-r";
  static final String OTHER_NS = "team-x";
  static final String CSI_NS = "team-a";
  static final String ACCOUNT = "syncer";

  static RbacRules rules() throws Exception {
    return RbacRules.parse(Files.readString(Path.of("rbac.yaml")));
  }

  static final Set<String> ALL_FEATURES =
      Set.of("leaderElection", "secretSync", "secretProviderClasses", "selfSignedCertificates");

  static final Map<String, Set<String>> SCOPES =
      Map.of("releaseNamespace", Set.of(RELEASE), "secretSyncNamespaces", Set.of(SYNC_NS));

  @Test
  void everyRequestWithEveryFeatureOnIsOnTheListAndNothingOutsideTheOptedInNamespaces()
      throws Exception {
    OpenBaoServer store = SharedStore.store();
    StoreAdmin admin = store.admin();
    String prefix = SharedStore.unique("rbac");
    ApiCallRecorder recorder = new ApiCallRecorder();
    List<ApiRequest> made;
    try (KubernetesApiMock kubernetes = new KubernetesApiMock();
        NamespacedKubernetesClient api = kubernetes.client()) {
      String auth = SharedStore.unique("kube");
      admin.enableKubernetesAuth(auth, kubernetes.url());
      admin.writePolicy(prefix, List.of("secret/data/" + prefix + "/*"), "read");
      admin.createKubernetesRole(
          auth,
          "syncer",
          List.of(ACCOUNT),
          List.of(SYNC_NS),
          List.of(prefix),
          Duration.ofHours(1),
          null);
      admin.putKv2("secret", prefix + "/db", Map.of("password", "pw-1"));
      for (String namespace : List.of(SYNC_NS, OTHER_NS)) {
        api.serviceAccounts()
            .inNamespace(namespace)
            .resource(
                new ServiceAccountBuilder()
                    .withNewMetadata()
                    .withName(ACCOUNT)
                    .endMetadata()
                    .build())
            .create();
      }
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
      api.resource(webhookConfiguration()).create();

      ControllerHarness controller =
          new ControllerHarness(
              kubernetes,
              null,
              recorder,
              "secrets-store.operator.leader-election.enabled=true",
              "secrets-store.operator.leader-election.lease-namespace=" + RELEASE,
              "secrets-store.operator.leader-election.identity=rbac-test",
              "secrets-store.controller.webhook-certificates.service-namespace=" + RELEASE,
              "secrets-store.controller.secret-provider-classes.enabled=true",
              "secrets-store.controller.secret-sync.enabled=true",
              "secrets-store.controller.secret-sync.namespaces=" + SYNC_NS,
              "secrets-store.connection.url=" + store.address(),
              "secrets-store.connection.allow-insecure-http=true",
              "secrets-store.connection.auth-path=" + auth);
      try {
        // A CSI import (status, event, compatibility object), an invalid one (Warning event),
        // a Secret-mode import in the opted-in namespace and one elsewhere.
        api.resource(Imports.csi(CSI_NS, "app", file("user", "secret/data/db", "user"))).create();
        SecretsStoreImport broken =
            Imports.csi(CSI_NS, "broken", file("user", "secret/data/db", "user"));
        broken.getSpec().setAddress("not-a-url");
        api.resource(broken).create();
        SecretsStoreImport synced =
            Imports.secret(
                SYNC_NS,
                "db",
                ACCOUNT,
                file("password", "secret/data/" + prefix + "/db", "password"));
        synced.getSpec().setRole("syncer");
        api.resource(synced).create();
        SecretsStoreImport elsewhere =
            Imports.secret(OTHER_NS, "db", ACCOUNT, file("password", "secret/data/x", "password"));
        elsewhere.getSpec().setRole("syncer");
        api.resource(elsewhere).create();

        awaitReason(api, CSI_NS, "app", "Valid");
        awaitReason(api, CSI_NS, "broken", "InvalidSpec");
        awaitReason(api, SYNC_NS, "db", "Synced");
        awaitReason(api, OTHER_NS, "db", "SecretSyncDisabled");
        await().atMost(Duration.ofSeconds(30)).until(() -> spc(api, "app") != null);
        await()
            .atMost(Duration.ofSeconds(30))
            .until(
                () ->
                    api.secrets().inNamespace(RELEASE).withName("secrets-store-webhook-tls").get()
                            != null
                        && ourBundle(api) != null);

        // Repairs: a tampered synced Secret is reverted, a deleted serving Secret reissued, an
        // import that turns invalid loses its SecretProviderClass.
        api.secrets()
            .inNamespace(SYNC_NS)
            .withName("db")
            .edit(s -> new SecretBuilder(s).addToData("password", b64("tampered")).build());
        await()
            .atMost(Duration.ofSeconds(30))
            .until(
                () ->
                    "pw-1"
                        .equals(
                            new String(
                                Base64.getDecoder()
                                    .decode(
                                        api.secrets()
                                            .inNamespace(SYNC_NS)
                                            .withName("db")
                                            .get()
                                            .getData()
                                            .get("password")),
                                StandardCharsets.UTF_8)));
        api.secrets().inNamespace(RELEASE).withName("secrets-store-webhook-tls").delete();
        await()
            .atMost(Duration.ofSeconds(30))
            .until(
                () ->
                    api.secrets().inNamespace(RELEASE).withName("secrets-store-webhook-tls").get()
                        != null);
        api.resources(SecretsStoreImport.class)
            .inNamespace(CSI_NS)
            .withName("app")
            .edit(
                s -> {
                  s.getSpec().setAddress("not-a-url");
                  return s;
                });
        await().atMost(Duration.ofSeconds(30)).until(() -> spc(api, "app") == null);
      } finally {
        // Stopping gives the Lease up: those requests count too.
        controller.close();
      }
      made = recorder.requests();
    }

    RbacRules rules = rules();
    assertThat(made).as("requests recorded").hasSizeGreaterThan(20);
    assertThat(rules.refused(made, ALL_FEATURES, SCOPES))
        .as("requests no rule of controller/rbac.yaml allows (add a rule, with its reason)")
        .isEmpty();
    assertThat(made)
        .as("nothing read or written in a namespace that did not opt in to the Secret mode")
        .noneMatch(r -> OTHER_NS.equals(r.namespace()) && "secrets".equals(r.resource()))
        .noneMatch(r -> OTHER_NS.equals(r.namespace()) && "serviceaccounts".equals(r.resource()))
        .noneMatch(r -> r.namespace() == null && "secrets".equals(r.resource()));
    assertThat(rules.unused(made, ALL_FEATURES, SCOPES))
        .as("rules no request used (drop them, or say in 'why' that admission needs them)")
        .allMatch(rule -> rule.why().startsWith("admission only"));
  }

  /** The check itself: a list without one rule the code needs refuses that call by name. */
  @Test
  void aListWithoutTheTokenRuleRefusesTheTokenRequest() throws Exception {
    RbacRules without =
        new RbacRules(
            rules().rules().stream()
                .filter(rule -> !rule.resources().contains("serviceaccounts/token"))
                .toList());
    ApiRequest tokenRequest =
        ApiRequest.of(
            "POST",
            java.net.URI.create(
                "https://api/api/v1/namespaces/" + SYNC_NS + "/serviceaccounts/syncer/token"));
    assertThat(rules().allowed(tokenRequest, ALL_FEATURES, SCOPES)).isTrue();
    assertThat(without.refused(List.of(tokenRequest), ALL_FEATURES, SCOPES))
        .containsExactly("create \"\" serviceaccounts/token \"syncer\" in " + SYNC_NS);
    assertThat(rules().allowed(tokenRequest, Set.of("leaderElection"), SCOPES))
        .as("not granted when the Secret mode is off")
        .isFalse();
    assertThat(
            rules()
                .allowed(
                    ApiRequest.of(
                        "POST",
                        java.net.URI.create(
                            "https://api/api/v1/namespaces/"
                                + OTHER_NS
                                + "/serviceaccounts/syncer/token")),
                    ALL_FEATURES,
                    SCOPES))
        .as("not granted outside secretSync.namespaces")
        .isFalse();
    assertThat(rules().rules()).extracting(RbacRule::why).doesNotContainNull();
  }

  private static MutatingWebhookConfiguration webhookConfiguration() {
    return new MutatingWebhookConfigurationBuilder()
        .withNewMetadata()
        .withName("secrets-store-webhook")
        .endMetadata()
        .addNewWebhook()
        .withName("pods.secrets-store.deckhouse.io")
        .withNewClientConfig()
        .withNewService()
        .withName("secrets-store-webhook")
        .withNamespace(RELEASE)
        .withPath("/mutate-pods")
        .endService()
        .endClientConfig()
        .withAdmissionReviewVersions("v1")
        .withSideEffects("None")
        .endWebhook()
        .build();
  }

  private static String ourBundle(NamespacedKubernetesClient api) {
    MutatingWebhookConfiguration configuration =
        api.admissionRegistration()
            .v1()
            .mutatingWebhookConfigurations()
            .withName("secrets-store-webhook")
            .get();
    return configuration.getWebhooks().getFirst().getClientConfig().getCaBundle();
  }

  private static GenericKubernetesResource spc(NamespacedKubernetesClient api, String name) {
    return api.genericKubernetesResources(SecretProviderClassModel.RESOURCE)
        .inNamespace(CSI_NS)
        .withName(name)
        .get();
  }

  private static void awaitReason(
      NamespacedKubernetesClient api, String namespace, String name, String reason) {
    await()
        .atMost(Duration.ofSeconds(30))
        .until(
            () -> {
              SecretsStoreImport ssi =
                  api.resources(SecretsStoreImport.class)
                      .inNamespace(namespace)
                      .withName(name)
                      .get();
              return ssi != null
                  && ssi.getStatus() != null
                  && ssi.getStatus().getConditions().stream()
                      .anyMatch(c -> c.getType().equals("Ready") && reason.equals(c.getReason()));
            });
  }

  private static String b64(String text) {
    return Base64.getEncoder().encodeToString(text.getBytes(StandardCharsets.UTF_8));
  }
}
