package io.secretsstore.controller;

import static io.secretsstore.controller.Imports.file;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.api.model.ServiceAccountBuilder;
import io.fabric8.kubernetes.client.NamespacedKubernetesClient;
import io.secretsstore.model.crd.PodMountStatus;
import io.secretsstore.model.crd.SecretsStoreImport;
import io.secretsstore.testkit.KubernetesApiMock;
import io.secretsstore.testkit.OpenBaoServer;
import io.secretsstore.testkit.RequestCountingProxy;
import io.secretsstore.testkit.SharedStore;
import io.secretsstore.testkit.StoreAdmin;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;

/**
 * The opt-in Secret mode against a real OpenBao: the controller logs in as a service account of the
 * import's namespace (TokenRequest on the mock API, TokenReview by the store against the same mock)
 * and keeps a Kubernetes Secret in line with the store.
 */
@ExtendWith(OutputCaptureExtension.class)
class SecretSyncIT {

  static final String NS = "team-s";
  static final String ACCOUNT = "syncer";

  static OpenBaoServer store = SharedStore.store();
  static KubernetesApiMock kubernetes;
  static NamespacedKubernetesClient api;
  static RequestCountingProxy proxy;
  static StoreAdmin admin;
  static String prefix = SharedStore.unique("sync");
  static ControllerHarness controller;
  static String auth;

  @BeforeAll
  static void start() {
    // A mock of its own: TokenRequest needs its service accounts, TokenReview its signing key.
    kubernetes = new KubernetesApiMock();
    api = kubernetes.client();
    admin = store.admin();
    proxy = new RequestCountingProxy(store.address());
    auth = SharedStore.unique("kube");
    admin.enableKubernetesAuth(auth, kubernetes.url());
    admin.writePolicy(prefix, List.of("secret/data/" + prefix + "/*"), "read");
    admin.createKubernetesRole(
        auth, "syncer", List.of(ACCOUNT), List.of(NS), List.of(prefix), Duration.ofHours(1), null);
    api.serviceAccounts()
        .inNamespace(NS)
        .resource(
            new ServiceAccountBuilder().withNewMetadata().withName(ACCOUNT).endMetadata().build())
        .create();
    controller =
        new ControllerHarness(
            kubernetes,
            "secrets-store.operator.leader-election.enabled=false",
            "secrets-store.controller.secret-sync.enabled=true",
            "secrets-store.controller.secret-sync.namespaces=" + NS,
            "secrets-store.connection.url=" + proxy.address(),
            // The module's store only (the test store speaks plain http on loopback).
            "secrets-store.connection.allowed-addresses=" + proxy.address(),
            "secrets-store.connection.allow-insecure-http=true",
            "secrets-store.connection.auth-path=" + auth);
  }

  @AfterAll
  static void stop() {
    if (controller != null) {
      controller.close();
    }
    proxy.close();
    api.close();
    kubernetes.close();
  }

  /**
   * What an import author chooses (namespace, address, audience) cannot make the controller mint a
   * token for somewhere the administrator did not allow: refused before any TokenRequest.
   */
  @Test
  void noTokenIsMintedForANamespaceAddressOrAudienceTheModuleDoesNotAllow() {
    api.serviceAccounts()
        .inNamespace("team-other")
        .resource(
            new ServiceAccountBuilder().withNewMetadata().withName(ACCOUNT).endMetadata().build())
        .create();
    int before = kubernetes.tokenRequestCount();

    SecretsStoreImport elsewhere =
        Imports.secret("team-other", "db", ACCOUNT, file("user", "secret/data/x", "user"));
    elsewhere.getSpec().setRole("syncer");
    api.resource(elsewhere).create();

    SecretsStoreImport attacker =
        Imports.secret(NS, "exfil", ACCOUNT, file("user", "secret/data/x", "user"));
    attacker.getSpec().setRole("syncer");
    attacker.getSpec().setAddress("https://collector.example.net:8200");
    api.resource(attacker).create();

    SecretsStoreImport apiAudience =
        Imports.secret(NS, "api-audience", ACCOUNT, file("user", "secret/data/x", "user"));
    apiAudience.getSpec().setRole("syncer");
    apiAudience.getSpec().setAudience("https://kubernetes.default.svc.cluster.local");
    api.resource(apiAudience).create();

    Condition other =
        await()
            .atMost(Duration.ofSeconds(20))
            .until(
                () -> {
                  SecretsStoreImport ssi =
                      api.resources(SecretsStoreImport.class)
                          .inNamespace("team-other")
                          .withName("db")
                          .get();
                  return ssi == null || ssi.getStatus() == null
                      ? null
                      : ssi.getStatus().getConditions().getFirst();
                },
                c -> c != null);
    assertThat(other.getReason()).isEqualTo("SecretSyncDisabled");
    assertThat(other.getMessage())
        .contains("type Secret is not enabled for namespace 'team-other'")
        .contains("secretSync.namespaces");
    assertThat(awaitReason("exfil", "SyncFailed").getMessage())
        .contains(
            "store address 'https://collector.example.net:8200' is not one the cluster allows");
    assertThat(awaitReason("api-audience", "SyncFailed").getMessage())
        .contains(
            "spec.audience 'https://kubernetes.default.svc.cluster.local' is not allowed for the"
                + " Secret mode (allowed: secrets-store;");
    assertThat(kubernetes.tokenRequestCount()).isEqualTo(before);
    assertThat(api.secrets().inNamespace("team-other").withName("db").get()).isNull();
    assertThat(secret("exfil")).isNull();
    assertThat(secret("api-audience")).isNull();
  }

  @Test
  void theSecretFollowsTheStoreManualEditsAreRevertedAndFailuresKeepTheValues(
      CapturedOutput output) {
    admin.putKv2("secret", prefix + "/db", Map.of("user", "app", "password", "pw-1"));
    SecretsStoreImport ssi =
        Imports.secret(
            NS,
            "db",
            ACCOUNT,
            file("user", "secret/data/" + prefix + "/db", "user"),
            file("password", "secret/data/" + prefix + "/db", "password"));
    ssi.getSpec().setRole("syncer");
    ssi.getSpec().getSecret().setRefreshInterval("10s");
    ssi.getSpec().getSecret().setLabels(Map.of("team", "s"));
    api.resource(ssi).create();

    Secret secret =
        await().atMost(Duration.ofSeconds(20)).until(() -> secret("db"), s -> s != null);
    assertThat(decoded(secret))
        .containsExactlyInAnyOrderEntriesOf(Map.of("user", "app", "password", "pw-1"));
    assertThat(secret.getMetadata().getLabels()).containsEntry("team", "s");
    assertThat(secret.getMetadata().getOwnerReferences().getFirst().getKind())
        .isEqualTo("SecretsStoreImport");
    Condition ready = awaitReason("db", "Synced");
    assertThat(ready.getStatus()).isEqualTo("True");
    assertThat(ready.getMessage()).contains("stored in etcd");
    var sync = get("db").getStatus().getSecretSync();
    assertThat(sync.getSecretName()).isEqualTo("db");
    assertThat(sync.getLastSyncTime()).isNotNull();
    assertThat(sync.getObjects())
        .extracting(PodMountStatus.ObjectVersion::id, PodMountStatus.ObjectVersion::version)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple("password", "v1"),
            org.assertj.core.groups.Tuple.tuple("user", "v1"));
    // Two keys of one path: one read; the token came from a TokenRequest, not a stored credential.
    assertThat(proxy.count("GET", "/v1/secret/data/" + prefix + "/db")).isEqualTo(1);
    assertThat(kubernetes.tokenRequestCount()).isPositive();

    // A manual edit is reverted, from the last read: the store is not asked again.
    int readsBeforeEdit = proxy.count("GET", "/v1/secret/data/" + prefix + "/db");
    api.secrets()
        .inNamespace(NS)
        .withName("db")
        .edit(s -> new SecretBuilder(s).addToData("password", b64("tampered")).build());
    await()
        .atMost(Duration.ofSeconds(20))
        .until(() -> "pw-1".equals(decoded(secret("db")).get("password")));
    assertThat(proxy.count("GET", "/v1/secret/data/" + prefix + "/db")).isEqualTo(readsBeforeEdit);

    // The store changes: the next sync (10 s ± 20%) carries it over.
    admin.putKv2("secret", prefix + "/db", Map.of("user", "app", "password", "pw-2"));
    await()
        .atMost(Duration.ofSeconds(30))
        .until(() -> "pw-2".equals(decoded(secret("db")).get("password")));

    // The store fails: the Secret keeps its values, status says why.
    proxy.failNext(100_000, 503);
    try {
      admin.putKv2("secret", prefix + "/db", Map.of("user", "app", "password", "pw-3"));
      Condition failed = awaitReason("db", "SyncFailed");
      assertThat(failed.getStatus()).isEqualTo("False");
      assertThat(failed.getMessage())
          .contains("HTTP 503")
          .contains("keeps the values of the last successful sync")
          .doesNotContain("pw-");
      assertThat(get("db").getStatus().getSecretSync().getError()).contains("HTTP 503");
      assertThat(decoded(secret("db")).get("password")).isEqualTo("pw-2");
    } finally {
      proxy.failNext(0, 503);
    }
    await()
        .atMost(Duration.ofSeconds(40))
        .until(() -> "pw-3".equals(decoded(secret("db")).get("password")));
    awaitReason("db", "Synced");

    for (String value : List.of("pw-1", "pw-2", "pw-3", "tampered")) {
      assertThat(output.getAll()).doesNotContain(value);
    }
  }

  @Test
  void anUnmanagedSecretOfTheSameNameIsNeverTouched() {
    api.secrets()
        .inNamespace(NS)
        .resource(
            new SecretBuilder()
                .withNewMetadata()
                .withName("taken")
                .endMetadata()
                .addToData("mine", b64("keep me"))
                .build())
        .create();
    admin.putKv2("secret", prefix + "/taken", Map.of("key", "value"));
    SecretsStoreImport ssi =
        Imports.secret(
            NS, "wants-taken", ACCOUNT, file("key", "secret/data/" + prefix + "/taken", "key"));
    ssi.getSpec().setRole("syncer");
    ssi.getSpec().getSecret().setName("taken");
    api.resource(ssi).create();

    Condition refused = awaitReason("wants-taken", "SecretNameTaken");
    assertThat(refused.getStatus()).isEqualTo("False");
    assertThat(refused.getMessage()).contains("Secret 'taken' already exists and is not managed");
    assertThat(decoded(secret("taken"))).containsExactly(Map.entry("mine", "keep me"));
    assertThat(proxy.count("GET", "/v1/secret/data/" + prefix + "/taken")).isZero();
  }

  /**
   * Issue 15 item 6: a role that expects another audience denies the login; the status (and the
   * Warning event with the same text) says what to set on the role, without any token.
   */
  @Test
  void aDeniedLoginSaysWhichAudienceToSetOnTheRole() {
    admin.putKv2("secret", prefix + "/aud", Map.of("key", "value"));
    admin.createKubernetesRole(
        auth,
        "strict",
        List.of(ACCOUNT),
        List.of(NS),
        List.of(prefix),
        Duration.ofHours(1),
        "some-other-audience");
    SecretsStoreImport ssi =
        Imports.secret(NS, "aud", ACCOUNT, file("key", "secret/data/" + prefix + "/aud", "key"));
    ssi.getSpec().setRole("strict");
    api.resource(ssi).create();
    Condition failed = awaitReason("aud", "SyncFailed");
    assertThat(failed.getMessage())
        .contains("store login denied")
        .contains("HTTP 403")
        .contains("hint: the token has audience secrets-store")
        .contains("bao write auth/" + auth + "/role/strict audience=secrets-store")
        .doesNotContain("eyJ");
    assertThat(secret("aud")).isNull();
  }

  /** One decodeBase64 rule (common-model Base64Values): wrapped Base64 decodes as for CSI files. */
  @Test
  void wrappedBase64DecodesAsForCsiFiles() {
    admin.putKv2("secret", prefix + "/wrapped", Map.of("cert", "aGVs\nbG8g\r\nd29y bGQ="));
    SecretsStoreImport ssi =
        Imports.secret(
            NS, "wrapped", ACCOUNT, file("cert", "secret/data/" + prefix + "/wrapped", "cert"));
    ssi.getSpec().getFiles().getFirst().setDecodeBase64(true);
    ssi.getSpec().setRole("syncer");
    api.resource(ssi).create();
    awaitReason("wrapped", "Synced");
    assertThat(decoded(secret("wrapped"))).containsExactly(Map.entry("cert", "hello world"));
  }

  @Test
  void aMissingServiceAccountIsReported() {
    SecretsStoreImport ssi =
        Imports.secret(NS, "nobody", "nobody", file("key", "secret/data/" + prefix + "/x", "key"));
    ssi.getSpec().setRole("syncer");
    api.resource(ssi).create();
    Condition failed = awaitReason("nobody", "SyncFailed");
    assertThat(failed.getMessage())
        .contains("service account 'nobody' does not exist in namespace 'team-s'");
    assertThat(secret("nobody")).isNull();
  }

  @Test
  void anImportDeletedWhileSyncingLeavesNoCrashAndAnOwnedSecret() {
    admin.putKv2("secret", prefix + "/gone", Map.of("key", "value"));
    SecretsStoreImport ssi =
        Imports.secret(NS, "gone", ACCOUNT, file("key", "secret/data/" + prefix + "/gone", "key"));
    ssi.getSpec().setRole("syncer");
    api.resource(ssi).create();
    api.resources(SecretsStoreImport.class).inNamespace(NS).withName("gone").delete();
    // Whether the sync ran before the deletion or not, the controller keeps working and any Secret
    // it wrote is owned by the (now deleted) import, so garbage collection removes it.
    api.resource(Imports.csi(NS, "after-gone", file("k", "secret/data/x", "k"))).create();
    awaitReason("after-gone", "Valid");
    Secret left = secret("gone");
    if (left != null) {
      assertThat(left.getMetadata().getOwnerReferences()).isNotEmpty();
    }
  }

  private static Condition awaitReason(String name, String reason) {
    return await()
        .atMost(Duration.ofSeconds(30))
        .until(
            () -> {
              SecretsStoreImport ssi = get(name);
              if (ssi == null || ssi.getStatus() == null) {
                return null;
              }
              return ssi.getStatus().getConditions().stream()
                  .filter(c -> c.getType().equals("Ready") && reason.equals(c.getReason()))
                  .findFirst()
                  .orElse(null);
            },
            c -> c != null);
  }

  private static SecretsStoreImport get(String name) {
    return api.resources(SecretsStoreImport.class).inNamespace(NS).withName(name).get();
  }

  private static Secret secret(String name) {
    return api.secrets().inNamespace(NS).withName(name).get();
  }

  private static Map<String, String> decoded(Secret secret) {
    Map<String, String> values = new java.util.TreeMap<>();
    secret
        .getData()
        .forEach(
            (k, v) ->
                values.put(k, new String(Base64.getDecoder().decode(v), StandardCharsets.UTF_8)));
    return values;
  }

  private static String b64(String value) {
    return Base64.getEncoder().encodeToString(value.getBytes(StandardCharsets.UTF_8));
  }
}
