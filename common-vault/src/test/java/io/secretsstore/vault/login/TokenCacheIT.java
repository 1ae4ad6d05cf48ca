package io.secretsstore.vault.login;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.secretsstore.testkit.KubernetesApiMock;
import io.secretsstore.testkit.OpenBaoServer;
import io.secretsstore.testkit.RequestCountingProxy;
import io.secretsstore.testkit.SharedStore;
import io.secretsstore.testkit.StoreAdmin;
import io.secretsstore.testkit.TestCertificateAuthority;
import io.secretsstore.vault.KvSecret;
import io.secretsstore.vault.StoreClient;
import io.secretsstore.vault.StoreConnection;
import io.secretsstore.vault.StoreMetrics;
import io.secretsstore.vault.TlsOptions;
import io.secretsstore.vault.error.StoreErrorKind;
import io.secretsstore.vault.error.StoreException;
import io.secretsstore.vault.error.StoreLoginException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;
import org.springframework.vault.support.VaultToken;

/** Token reuse counted at the store, through a counting proxy in front of a real OpenBao. */
class TokenCacheIT {

  static final String AUDIENCE = "secrets-store";
  static final String SECRET_VALUE = "value-that-must-never-be-logged";

  static OpenBaoServer store;
  static KubernetesApiMock kubernetes;
  static StoreAdmin admin;
  static String auth;
  static String role;
  static String loginPath;

  RequestCountingProxy proxy;
  StoreMetrics metrics;
  StoreClient client;
  MutableClock clock;
  TokenCache cache;
  ListAppender<ILoggingEvent> logs;

  @BeforeAll
  static void setUpStore() {
    store = SharedStore.store();
    kubernetes = SharedStore.kubernetes();
    admin = store.admin();
    auth = SharedStore.unique("kube");
    role = SharedStore.unique("role");
    loginPath = "/v1/auth/" + auth + "/login";
    admin.enableKubernetesAuth(auth, kubernetes.url());
    admin.writePolicy(role, List.of("secret/data/" + role + "/*"), "read");
    admin.createKubernetesRole(
        auth,
        role,
        List.of("app", "other"),
        List.of("team-a"),
        List.of(role),
        Duration.ofMinutes(10),
        AUDIENCE);
    admin.putKv2("secret", role + "/db", Map.of("password", SECRET_VALUE));
  }

  @BeforeEach
  void setUp() {
    proxy = new RequestCountingProxy(store.address());
    metrics = StoreMetrics.unexported();
    client = StoreClient.create(StoreConnection.builder(proxy.address()).build(), metrics);
    clock = new MutableClock(Instant.parse("2026-01-01T00:00:00Z"));
    cache = new TokenCache(clock, metrics);
    logs = new ListAppender<>();
    logs.start();
    ((Logger) LoggerFactory.getLogger(Logger.ROOT_LOGGER_NAME)).addAppender(logs);
  }

  @AfterEach
  void tearDown() {
    proxy.close();
    ((Logger) LoggerFactory.getLogger(Logger.ROOT_LOGGER_NAME)).detachAppender(logs);
  }

  static KubernetesLogin login(String account) {
    String jwt =
        kubernetes.tokens().mint("team-a", account, List.of(AUDIENCE), Duration.ofMinutes(10));
    return new KubernetesLogin(auth, role, new ServiceAccountRef("team-a", account), () -> jwt);
  }

  KvSecret read(KubernetesLogin login) {
    return cache.withToken(
        client,
        login,
        token -> client.readKv(token, "secret/data/" + role + "/db", OptionalInt.empty()));
  }

  @Test
  void reusesOneLoginUntilShortlyBeforeItsTtlEnds() {
    for (int i = 0; i < 20; i++) {
      assertThat(read(login("app")).requireValue("password")).isEqualTo(SECRET_VALUE);
    }
    assertThat(proxy.count("POST", loginPath)).isEqualTo(1);
    assertThat(proxy.count("GET", "/v1/secret/data/" + role + "/db")).isEqualTo(20);
    assertThat(metrics.tokenCacheCount("miss")).isEqualTo(1);
    assertThat(metrics.tokenCacheCount("hit")).isEqualTo(19);

    clock.advance(Duration.ofMinutes(7)); // TTL 10m, margin 2m: still reused
    read(login("app"));
    assertThat(proxy.count("POST", loginPath)).isEqualTo(1);

    clock.advance(Duration.ofMinutes(1)); // 8m: inside the margin, so a new login
    read(login("app"));
    assertThat(proxy.count("POST", loginPath)).isEqualTo(2);
  }

  @Test
  void concurrentCallersOfOneIdentityShareOneLogin() throws Exception {
    int callers = 64;
    ExecutorService pool = Executors.newFixedThreadPool(callers);
    CountDownLatch start = new CountDownLatch(1);
    List<Future<KvSecret>> results = new ArrayList<>();
    try {
      for (int i = 0; i < callers; i++) {
        KubernetesLogin login = login("app"); // every pod has its own JWT, same account
        Callable<KvSecret> call =
            () -> {
              start.await();
              return read(login);
            };
        results.add(pool.submit(call));
      }
      start.countDown();
      for (Future<KvSecret> result : results) {
        assertThat(result.get().requireValue("password")).isEqualTo(SECRET_VALUE);
      }
    } finally {
      pool.shutdownNow();
    }
    assertThat(proxy.count("POST", loginPath)).isEqualTo(1);
    assertThat(metrics.tokenCacheCount("miss")).isEqualTo(1);
    assertThat(metrics.tokenCacheCount("hit") + metrics.tokenCacheCount("joined"))
        .isEqualTo(callers - 1);
  }

  @Test
  void identitiesNeverShareTokens() {
    VaultToken app = cache.token(client, login("app"));
    VaultToken other = cache.token(client, login("other"));
    assertThat(app.getToken()).isNotEqualTo(other.getToken());
    assertThat(proxy.count("POST", loginPath)).isEqualTo(2);
    assertThat(cache.size()).isEqualTo(2);

    // A token of "other" presented for "app" is refused before the cache is consulted.
    String otherJwt =
        kubernetes.tokens().mint("team-a", "other", List.of(AUDIENCE), Duration.ofMinutes(5));
    KubernetesLogin mismatched =
        new KubernetesLogin(auth, role, new ServiceAccountRef("team-a", "app"), () -> otherJwt);
    assertThatThrownBy(() -> cache.token(client, mismatched))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "the service-account token belongs to 'system:serviceaccount:team-a:other', not to the"
                + " pod's service account team-a/app");
    assertThatThrownBy(
            () ->
                cache.token(
                    client,
                    new KubernetesLogin(
                        auth, role, new ServiceAccountRef("team-a", "app"), () -> "opaque")))
        .hasMessageContaining("is not a readable JWT");
    assertThat(proxy.count("POST", loginPath)).isEqualTo(2);
  }

  @Test
  void failedLoginsAreNotCached() {
    String expired = kubernetes.tokens().mintExpired("team-a", "app", List.of(AUDIENCE));
    KubernetesLogin bad =
        new KubernetesLogin(auth, role, new ServiceAccountRef("team-a", "app"), () -> expired);
    assertThatThrownBy(() -> cache.token(client, bad)).isInstanceOf(StoreLoginException.class);
    assertThat(cache.size()).isZero();
    assertThat(cache.token(client, login("app")).getToken()).isNotBlank();
    assertThat(proxy.count("POST", loginPath)).isEqualTo(2);
  }

  @Test
  void aRevokedCachedTokenIsReplacedOnce() {
    VaultToken first = cache.token(client, login("app"));
    admin.request("POST", "auth/token/revoke", Map.of("token", first.getToken()));

    assertThat(read(login("app")).requireValue("password")).isEqualTo(SECRET_VALUE);
    assertThat(proxy.count("POST", loginPath)).isEqualTo(2);
    assertThat(cache.token(client, login("app")).getToken()).isNotEqualTo(first.getToken());
  }

  @Test
  void aLoginIsNeverReusedOnAConnectionThatTrustsDifferently() {
    TestCertificateAuthority ca = new TestCertificateAuthority("token-cache-ca");
    var listener =
        ca.issueServer(List.of("vault.internal"), List.of("127.0.0.1"), Duration.ofDays(1))
            .writeTo(Path.of("target", "tls"), "token-cache-store");
    try (OpenBaoServer tlsStore = OpenBaoServer.startLocal(listener)) {
      String address = tlsStore.tlsAddress().orElseThrow();
      tlsStore.admin().enableKubernetesAuth(auth, kubernetes.url());
      tlsStore
          .admin()
          .createKubernetesRole(
              auth,
              role,
              List.of("app"),
              List.of("team-a"),
              List.of("default"),
              Duration.ofMinutes(10),
              AUDIENCE);
      KubernetesLogin login = login("app");
      VaultToken verified =
          cache.token(tlsClient(address, TlsOptions.trustPem(ca.certificatePem())), login);

      // Same address, namespace, role and account, but a connection that verifies nothing: a new
      // login over that connection, never the token obtained over the verified one.
      VaultToken skipVerify =
          cache.token(tlsClient(address, TlsOptions.insecureSkipVerify()), login);
      assertThat(skipVerify.getToken()).isNotEqualTo(verified.getToken());

      // Another CA, or another server name: a login is attempted (and refused by TLS) instead of
      // the cached token being handed out.
      TlsOptions otherCa =
          TlsOptions.trustPem(new TestCertificateAuthority("other-ca").certificatePem());
      assertThatThrownBy(() -> cache.token(tlsClient(address, otherCa), login))
          .isInstanceOfSatisfying(
              StoreException.class, e -> assertThat(e.kind()).isEqualTo(StoreErrorKind.TLS));
      TlsOptions wrongName =
          TlsOptions.trustPem(ca.certificatePem()).withServerName("other.internal");
      assertThatThrownBy(() -> cache.token(tlsClient(address, wrongName), login))
          .isInstanceOfSatisfying(
              StoreException.class, e -> assertThat(e.kind()).isEqualTo(StoreErrorKind.TLS));

      // The same trust on another client (the same PEM, spelled with other surrounding
      // whitespace) is the same identity: reused.
      VaultToken again =
          cache.token(
              tlsClient(address, TlsOptions.trustPem("\n" + ca.certificatePem() + "\n")), login);
      assertThat(again.getToken()).isEqualTo(verified.getToken());
      assertThat(metrics.tokenCacheCount("miss")).isEqualTo(4);
      assertThat(metrics.tokenCacheCount("hit")).isEqualTo(1);
      assertThat(cache.size()).isEqualTo(2);
    }
  }

  StoreClient tlsClient(String address, TlsOptions tls) {
    return StoreClient.create(StoreConnection.builder(address).tls(tls).build(), metrics);
  }

  @Test
  void nothingSecretReachesTheLogs() {
    KubernetesLogin login = login("app");
    String jwt = login.jwt().get();
    VaultToken token = cache.token(client, login);
    read(login);
    assertThatThrownBy(() -> client.readKv(token, "secret/data/elsewhere", OptionalInt.empty()))
        .hasMessageNotContaining(token.getToken());
    String expired = kubernetes.tokens().mintExpired("team-a", "app", List.of(AUDIENCE));
    assertThatThrownBy(() -> client.login(auth, role, expired)).hasMessageNotContaining(expired);

    assertThat(logs.list).as("debug logging was on, so there is something to check").isNotEmpty();
    for (ILoggingEvent event : logs.list) {
      String line =
          event.getFormattedMessage()
              + String.valueOf(
                  event.getThrowableProxy() == null ? "" : event.getThrowableProxy().getMessage());
      assertThat(line).doesNotContain(jwt, expired, token.getToken(), SECRET_VALUE);
    }
  }

  /** A clock tests can move forward. */
  static final class MutableClock extends Clock {
    private Instant now;

    MutableClock(Instant start) {
      now = start;
    }

    void advance(Duration duration) {
      now = now.plus(duration);
    }

    @Override
    public Instant instant() {
      return now;
    }

    @Override
    public java.time.ZoneId getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(java.time.ZoneId zone) {
      return this;
    }
  }
}
