package io.secretsstore.vault;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.secretsstore.testkit.ClosingServer;
import io.secretsstore.testkit.KubernetesApiMock;
import io.secretsstore.testkit.OpenBaoServer;
import io.secretsstore.testkit.RequestCountingProxy;
import io.secretsstore.testkit.ServiceAccountTokens;
import io.secretsstore.testkit.SharedStore;
import io.secretsstore.testkit.StallingServer;
import io.secretsstore.testkit.StoreAdmin;
import io.secretsstore.testkit.TestCertificateAuthority;
import io.secretsstore.vault.error.SecretNotFoundException;
import io.secretsstore.vault.error.StoreErrorKind;
import io.secretsstore.vault.error.StoreException;
import io.secretsstore.vault.error.StoreLoginException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.vault.authentication.LoginToken;
import org.springframework.vault.support.VaultToken;

/**
 * {@link StoreClient} against a real OpenBao, with logins validated through the Kubernetes mock.
 */
class StoreClientIT {

  static final String NAMESPACE = "team-a";
  static final String ACCOUNT = "app";
  static final String AUDIENCE = "secrets-store";

  static OpenBaoServer store;
  static KubernetesApiMock kubernetes;
  static StoreAdmin admin;
  static String auth;
  static String kv1;
  static String app;
  static StoreMetrics metrics;
  static StoreClient client;

  @BeforeAll
  static void setUp() {
    store = SharedStore.store();
    kubernetes = SharedStore.kubernetes();
    admin = store.admin();
    auth = SharedStore.unique("kube");
    kv1 = SharedStore.unique("kv1");
    app = SharedStore.unique("app");
    admin.enableKubernetesAuth(auth, kubernetes.url());
    admin.enableKv(kv1, 1);
    admin.writePolicy(
        app,
        List.of("secret/data/" + app + "/*", kv1 + "/" + app + "/*"),
        "read",
        "create",
        "update");
    admin.createKubernetesRole(
        auth,
        app,
        List.of(ACCOUNT),
        List.of(NAMESPACE),
        List.of(app),
        Duration.ofMinutes(10),
        AUDIENCE);
    metrics = StoreMetrics.unexported();
    client = StoreClient.create(StoreConnection.builder(store.address()).build(), metrics);
  }

  static String jwt() {
    return kubernetes.tokens().mint(NAMESPACE, ACCOUNT, List.of(AUDIENCE), Duration.ofMinutes(10));
  }

  static LoginToken login() {
    return client.login(auth, app, jwt());
  }

  @Test
  void loginReturnsARenewableTokenWithTheRoleTtl() {
    LoginToken token = login();
    assertThat(token.getToken()).isNotBlank();
    assertThat(token.getLeaseDuration()).isEqualTo(Duration.ofMinutes(10));
    assertThat(token.isRenewable()).isTrue();

    LoginToken renewed = client.renewSelf(token, Duration.ofMinutes(5));
    assertThat(renewed.getLeaseDuration()).isPositive().isLessThanOrEqualTo(Duration.ofMinutes(10));
  }

  @Test
  void everyLoginFailureIsALoginDenialThatNamesRoleAndStatusButNotTheToken() {
    ServiceAccountTokens tokens = kubernetes.tokens();
    Map<String, String> badTokens =
        Map.of(
            "garbage", "not-a-jwt",
            "expired", tokens.mintExpired(NAMESPACE, ACCOUNT, List.of(AUDIENCE)),
            "foreign", ServiceAccountTokens.mintForeign(NAMESPACE, ACCOUNT, List.of(AUDIENCE)),
            "wrong audience",
                tokens.mint(NAMESPACE, ACCOUNT, List.of("other"), Duration.ofMinutes(5)),
            "wrong namespace binding",
                tokens.mint("team-b", ACCOUNT, List.of(AUDIENCE), Duration.ofMinutes(5)),
            "wrong account",
                tokens.mint(NAMESPACE, "intruder", List.of(AUDIENCE), Duration.ofMinutes(5)));
    badTokens.forEach(
        (why, token) ->
            assertThatThrownBy(() -> client.login(auth, app, token))
                .as(why)
                .isInstanceOfSatisfying(
                    StoreLoginException.class,
                    e -> {
                      assertThat(e.kind()).isEqualTo(StoreErrorKind.LOGIN_DENIED);
                      assertThat(e.httpStatus()).hasValue(403);
                      assertThat(e.getMessage())
                          .contains(
                              store.address(), "auth/" + auth + "/login", "role " + app, "HTTP 403")
                          .doesNotContain(token);
                    }));

    assertThatThrownBy(() -> client.login(auth, "no-such-role", jwt()))
        .isInstanceOfSatisfying(
            StoreLoginException.class,
            e -> {
              assertThat(e.kind()).isEqualTo(StoreErrorKind.LOGIN_DENIED);
              assertThat(e.httpStatus()).hasValue(400);
              assertThat(e.getMessage()).contains("invalid role name");
            });
    assertThatThrownBy(() -> client.login("no-such-mount", app, jwt()))
        .isInstanceOf(StoreLoginException.class)
        .hasMessageContaining("auth/no-such-mount/login");
  }

  @Test
  void readsKvV2LatestAndPinnedVersions() {
    String path = app + "/versions";
    admin.putKv2("secret", path, Map.of("password", "one"));
    int second = admin.putKv2("secret", path, Map.of("password", "two", "user", "svc"));
    VaultToken token = login();

    KvSecret latest = client.readKv(token, "secret/data/" + path, OptionalInt.empty());
    assertThat(latest.engineVersion()).isEqualTo(2);
    assertThat(latest.version()).hasValue(second);
    assertThat(latest.data()).containsEntry("password", "two").containsEntry("user", "svc");
    assertThat(latest.createdTime()).isPresent();
    assertThat(latest.toString()).contains("keys=[password, user]").doesNotContain("two");

    KvSecret first = client.readKv(token, "secret/data/" + path, OptionalInt.of(1));
    assertThat(first.version()).hasValue(1);
    assertThat(first.requireValue("password")).isEqualTo("one");
  }

  @Test
  void deletedAndDestroyedVersionsAreReportedDistinctly() {
    String path = app + "/gone";
    admin.putKv2("secret", path, Map.of("k", "v1"));
    admin.putKv2("secret", path, Map.of("k", "v2"));
    admin.putKv2("secret", path, Map.of("k", "v3"));
    admin.deleteKv2Versions("secret", path, 1);
    admin.destroyKv2Versions("secret", path, 2);
    VaultToken token = login();
    String apiPath = "secret/data/" + path;

    assertThatThrownBy(() -> client.readKv(token, apiPath, OptionalInt.of(1)))
        .isInstanceOfSatisfying(
            SecretNotFoundException.class,
            e -> assertThat(e.kind()).isEqualTo(StoreErrorKind.VERSION_DELETED))
        .hasMessageContaining("version 1 was deleted");
    assertThatThrownBy(() -> client.readKv(token, apiPath, OptionalInt.of(2)))
        .isInstanceOfSatisfying(
            SecretNotFoundException.class,
            e -> assertThat(e.kind()).isEqualTo(StoreErrorKind.VERSION_DESTROYED))
        .hasMessageContaining("version 2 was destroyed");
    assertThat(client.readKv(token, apiPath, OptionalInt.empty()).requireValue("k"))
        .isEqualTo("v3");
    assertThatThrownBy(() -> client.readKv(token, apiPath, OptionalInt.of(99)))
        .isInstanceOfSatisfying(
            SecretNotFoundException.class,
            e -> assertThat(e.kind()).isEqualTo(StoreErrorKind.NOT_FOUND));
  }

  @Test
  void missingPathAndMissingKeyAreDifferentErrors() {
    admin.putKv2("secret", app + "/present", Map.of("user", "svc", "password", "x"));
    VaultToken token = login();

    assertThatThrownBy(
            () -> client.readKv(token, "secret/data/" + app + "/absent", OptionalInt.empty()))
        .isInstanceOfSatisfying(
            SecretNotFoundException.class,
            e -> {
              assertThat(e.kind()).isEqualTo(StoreErrorKind.NOT_FOUND);
              assertThat(e.httpStatus()).hasValue(404);
              assertThat(e.getMessage()).contains("secret/data/" + app + "/absent");
            });
    KvSecret present = client.readKv(token, "secret/data/" + app + "/present", OptionalInt.empty());
    assertThatThrownBy(() -> present.requireValue("pasword"))
        .isInstanceOfSatisfying(
            SecretNotFoundException.class,
            e -> assertThat(e.kind()).isEqualTo(StoreErrorKind.KEY_NOT_FOUND))
        .hasMessageContaining("no key 'pasword'; the secret has keys [password, user]")
        .hasMessageNotContaining("svc");
  }

  @Test
  void policyDenialIsPermissionDenied() {
    admin.putKv2("secret", "elsewhere/" + app, Map.of("k", "v"));
    VaultToken token = login();
    assertThatThrownBy(
            () -> client.readKv(token, "secret/data/elsewhere/" + app, OptionalInt.empty()))
        .isInstanceOfSatisfying(
            StoreException.class,
            e -> {
              assertThat(e.kind()).isEqualTo(StoreErrorKind.PERMISSION_DENIED);
              assertThat(e.httpStatus()).hasValue(403);
              assertThat(e.getMessage()).doesNotContain(token.getToken());
            });
  }

  @Test
  void readsKvV1AndRefusesVersionsThere() {
    admin.putKv1(kv1, app + "/config", Map.of("url", "postgres://db", "port", 5432));
    VaultToken token = login();

    KvSecret secret = client.readKv(token, kv1 + "/" + app + "/config", OptionalInt.empty());
    assertThat(secret.engineVersion()).isEqualTo(1);
    assertThat(secret.version()).isEmpty();
    assertThat(secret.data()).containsEntry("url", "postgres://db").containsEntry("port", 5432);

    assertThatThrownBy(() -> client.readKv(token, kv1 + "/" + app + "/config", OptionalInt.of(2)))
        .isInstanceOfSatisfying(
            StoreException.class, e -> assertThat(e.kind()).isEqualTo(StoreErrorKind.BAD_REQUEST))
        .hasMessageContaining("versions exist only in KV v2");
  }

  @Test
  void writesReturnTheAnswerData() {
    VaultToken token = login();
    Map<String, Object> answer =
        client.write(token, "secret/data/" + app + "/written", Map.of("data", Map.of("k", "v")));
    assertThat(answer).containsKey("version");
    assertThat(client.readKv(token, "secret/data/" + app + "/written", OptionalInt.empty()).data())
        .containsEntry("k", "v");
    assertThat(client.write(token, kv1 + "/" + app + "/w", Map.of("a", "b"))).isEmpty();
  }

  @Test
  void leaseRenewalErrorsAreMapped() {
    VaultToken token = login();
    assertThatThrownBy(
            () -> client.renewLease(token, "secret/data/nothing/abc", Duration.ofMinutes(1)))
        .isInstanceOf(StoreException.class)
        .hasMessageContaining("sys/leases/renew");
  }

  @Test
  void worksInsideAVaultNamespace() {
    String namespace = SharedStore.unique("ns");
    try {
      admin.createNamespace(namespace);
    } catch (IllegalStateException unsupported) {
      // An external store without namespaces (e.g. Vault community edition) cannot run this.
      assumeTrue(false, "the store does not support namespaces: " + unsupported.getMessage());
    }
    StoreAdmin inside = admin.inNamespace(namespace);
    inside.enableKv("kv", 2);
    inside.putKv2("kv", "db", Map.of("password", "ns-secret"));
    inside.writePolicy("reader", List.of("kv/data/db"), "read");
    inside.enableKubernetesAuth("kubernetes", kubernetes.url());
    inside.createKubernetesRole(
        "kubernetes",
        "reader",
        List.of(ACCOUNT),
        List.of(NAMESPACE),
        List.of("reader"),
        Duration.ofMinutes(5),
        AUDIENCE);

    StoreClient namespaced =
        StoreClient.create(
            StoreConnection.builder(store.address()).namespace(namespace).build(), metrics);
    VaultToken token = namespaced.login("kubernetes", "reader", jwt());
    assertThat(namespaced.readKv(token, "kv/data/db", OptionalInt.empty()).requireValue("password"))
        .isEqualTo("ns-secret");

    // The same role does not exist outside the namespace.
    assertThatThrownBy(() -> client.login("kubernetes", "reader", jwt()))
        .isInstanceOf(StoreLoginException.class);
  }

  @Test
  void tlsIsVerifiedAgainstTheGivenCa() {
    TestCertificateAuthority ca = new TestCertificateAuthority("store-ca");
    var listener =
        ca.issueServer(List.of("vault.internal"), List.of("127.0.0.1"), Duration.ofDays(1))
            .writeTo(Path.of("target", "tls"), "store");
    try (OpenBaoServer tlsStore = OpenBaoServer.startLocal(listener)) {
      String address = tlsStore.tlsAddress().orElseThrow();
      tlsStore.admin().enableKubernetesAuth("kubernetes", kubernetes.url());
      tlsStore
          .admin()
          .createKubernetesRole(
              "kubernetes",
              "app",
              List.of(ACCOUNT),
              List.of(NAMESPACE),
              List.of("default"),
              Duration.ofMinutes(5),
              AUDIENCE);

      StoreClient trusted = clientFor(address, TlsOptions.trustPem(ca.certificatePem()));
      assertThat(trusted.login("kubernetes", "app", jwt()).getToken()).isNotBlank();

      StoreClient byServerName =
          clientFor(
              address, TlsOptions.trustPem(ca.certificatePem()).withServerName("vault.internal"));
      assertThat(byServerName.login("kubernetes", "app", jwt()).getToken()).isNotBlank();

      StoreClient wrongServerName =
          clientFor(
              address, TlsOptions.trustPem(ca.certificatePem()).withServerName("other.internal"));
      assertThatThrownBy(() -> wrongServerName.login("kubernetes", "app", jwt()))
          .isInstanceOfSatisfying(
              StoreException.class, e -> assertThat(e.kind()).isEqualTo(StoreErrorKind.TLS));

      StoreClient otherCa =
          clientFor(
              address, TlsOptions.trustPem(new TestCertificateAuthority("other").certificatePem()));
      assertThatThrownBy(() -> otherCa.login("kubernetes", "app", jwt()))
          .isInstanceOfSatisfying(
              StoreException.class,
              e -> {
                assertThat(e.kind()).isEqualTo(StoreErrorKind.TLS);
                assertThat(e.retryable()).isFalse();
              });

      StoreClient systemCas = clientFor(address, TlsOptions.SYSTEM_CAS);
      assertThatThrownBy(() -> systemCas.login("kubernetes", "app", jwt()))
          .isInstanceOfSatisfying(
              StoreException.class, e -> assertThat(e.kind()).isEqualTo(StoreErrorKind.TLS));

      StoreClient insecure = clientFor(address, TlsOptions.insecureSkipVerify());
      assertThat(insecure.login("kubernetes", "app", jwt()).getToken()).isNotBlank();
    }
  }

  @Test
  void aStoppedStoreIsUnreachableAfterBoundedRetries() {
    OpenBaoServer doomed = OpenBaoServer.startLocal(null);
    String address = doomed.address();
    doomed.stop();
    StoreMetrics own = StoreMetrics.unexported();
    StoreClient down = StoreClient.create(StoreConnection.builder(address).build(), own);

    assertThatThrownBy(() -> down.login("kubernetes", "app", jwt()))
        .isInstanceOfSatisfying(
            StoreLoginException.class,
            e -> {
              assertThat(e.kind()).isEqualTo(StoreErrorKind.UNREACHABLE);
              assertThat(e.getMessage()).contains(address);
            });
    assertThat(own.requestCount("login", "unreachable"))
        .isEqualTo(RetryPolicy.DEFAULT.maxAttempts());
  }

  @Test
  void aHandshakeCutByTheStoreSideIsUnreachableAndRetried() {
    try (ClosingServer closing = new ClosingServer()) {
      StoreMetrics own = StoreMetrics.unexported();
      StoreClient cut =
          StoreClient.create(StoreConnection.builder(closing.httpsAddress()).build(), own);

      assertThatThrownBy(() -> cut.login("kubernetes", "app", jwt()))
          .isInstanceOfSatisfying(
              StoreLoginException.class,
              e -> {
                assertThat(e.kind()).isEqualTo(StoreErrorKind.UNREACHABLE);
                assertThat(e.getMessage())
                    .contains("closed during the TLS handshake")
                    .doesNotContain("Exception");
              });
      // Transient, so retried; not refused, so it opens no fail-fast hold either.
      assertThat(closing.connections()).isEqualTo(RetryPolicy.DEFAULT.maxAttempts());
    }
  }

  @Test
  void aHangingStoreTimesOut() {
    try (StallingServer hanging = new StallingServer()) {
      StoreClient slow =
          StoreClient.create(
              StoreConnection.builder(hanging.address())
                  .requestTimeout(Duration.ofMillis(300))
                  .retryPolicy(RetryPolicy.NONE)
                  .build(),
              StoreMetrics.unexported());
      long start = System.nanoTime();
      assertThatThrownBy(
              () -> slow.readKv(VaultToken.of("t"), "secret/data/x", OptionalInt.empty()))
          .isInstanceOfSatisfying(
              StoreException.class, e -> assertThat(e.kind()).isEqualTo(StoreErrorKind.TIMEOUT));
      assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(10));
    }
  }

  @Test
  void rateLimitsAndServerErrorsAreRetriedButDenialsAreNot() {
    admin.putKv2("secret", app + "/retry", Map.of("k", "v"));
    try (RequestCountingProxy proxy = new RequestCountingProxy(store.address())) {
      StoreMetrics own = StoreMetrics.unexported();
      StoreClient viaProxy =
          StoreClient.create(StoreConnection.builder(proxy.address()).build(), own);
      VaultToken token = login();
      String readPath = "/v1/secret/data/" + app + "/retry";

      proxy.failNext(2, 429);
      assertThat(
              viaProxy.readKv(token, "secret/data/" + app + "/retry", OptionalInt.empty()).data())
          .containsEntry("k", "v");
      assertThat(proxy.count("GET", readPath)).isEqualTo(3);

      proxy.reset();
      proxy.failNext(RetryPolicy.DEFAULT.maxAttempts(), 503);
      assertThatThrownBy(
              () -> viaProxy.readKv(token, "secret/data/" + app + "/retry", OptionalInt.empty()))
          .isInstanceOfSatisfying(
              StoreException.class,
              e -> {
                assertThat(e.kind()).isEqualTo(StoreErrorKind.SERVER_ERROR);
                assertThat(e.httpStatus()).hasValue(503);
              });
      assertThat(proxy.count("GET", readPath)).isEqualTo(RetryPolicy.DEFAULT.maxAttempts());

      proxy.reset();
      assertThatThrownBy(
              () -> viaProxy.readKv(token, "secret/data/" + app + "/nothing", OptionalInt.empty()))
          .isInstanceOf(SecretNotFoundException.class);
      assertThat(proxy.count("GET", "/v1/secret/data/" + app + "/nothing")).isEqualTo(1);
    }
  }

  /**
   * A write that reached the store may have issued something (a certificate, credentials): it is
   * never sent again; a 429 (refused before acting) or no connection at all is retried (issue 14
   * item 8).
   */
  @Test
  void aWriteThatReachedTheStoreIsNeverRepeated() {
    try (RequestCountingProxy proxy = new RequestCountingProxy(store.address())) {
      StoreClient viaProxy =
          StoreClient.create(
              StoreConnection.builder(proxy.address()).build(), StoreMetrics.unexported());
      VaultToken token = login();
      String path = "secret/data/" + app + "/issued";
      Map<String, Object> body = Map.of("data", Map.of("k", "v"));

      proxy.failNext(1, 503);
      assertThatThrownBy(() -> viaProxy.write(token, path, body))
          .isInstanceOfSatisfying(
              StoreException.class,
              e -> assertThat(e.kind()).isEqualTo(StoreErrorKind.SERVER_ERROR));
      assertThat(proxy.count("POST", "/v1/" + path)).isEqualTo(1);

      proxy.reset();
      proxy.failNext(1, 429);
      assertThat(viaProxy.write(token, path, body)).containsKey("version");
      assertThat(proxy.count("POST", "/v1/" + path)).isEqualTo(2);
    }
  }

  @Test
  void aWriteToAStoppedStoreIsRetriedAndTheErrorNamesTheCause() {
    OpenBaoServer doomed = OpenBaoServer.startLocal(null);
    String address = doomed.address();
    doomed.stop();
    StoreMetrics own = StoreMetrics.unexported();
    StoreClient down = StoreClient.create(StoreConnection.builder(address).build(), own);

    assertThatThrownBy(() -> down.write(VaultToken.of("t"), "pki/issue/web", Map.of()))
        .isInstanceOfSatisfying(
            StoreException.class,
            e -> {
              assertThat(e.kind()).isEqualTo(StoreErrorKind.UNREACHABLE);
              assertThat(e.getMessage()).contains(address).contains("connection refused");
              assertThat(e.getMessage()).doesNotEndWith("ConnectException: ");
            });
    assertThat(own.requestCount("write", "unreachable"))
        .isEqualTo(RetryPolicy.DEFAULT.maxAttempts());
  }

  static StoreClient clientFor(String address, TlsOptions tls) {
    return StoreClient.create(
        StoreConnection.builder(address).tls(tls).retryPolicy(RetryPolicy.NONE).build(),
        StoreMetrics.unexported());
  }
}
