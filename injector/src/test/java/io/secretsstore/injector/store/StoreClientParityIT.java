package io.secretsstore.injector.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.secretsstore.testkit.ClosingServer;
import io.secretsstore.testkit.KubernetesApiMock;
import io.secretsstore.testkit.OpenBaoServer;
import io.secretsstore.testkit.ServiceAccountTokens;
import io.secretsstore.testkit.SharedStore;
import io.secretsstore.testkit.StoreAdmin;
import io.secretsstore.vault.KvSecret;
import io.secretsstore.vault.RetryPolicy;
import io.secretsstore.vault.StoreClient;
import io.secretsstore.vault.StoreConnection;
import io.secretsstore.vault.StoreMetrics;
import io.secretsstore.vault.error.StoreErrorKind;
import io.secretsstore.vault.error.StoreException;
import io.secretsstore.vault.error.TlsHandshakeFailures;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.TreeMap;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.vault.support.VaultToken;

/**
 * The injector's store client means what common-vault's {@code StoreClient} means: the same
 * scenarios against one real OpenBao, through both clients, give the same secrets (data, engine,
 * version, creation time) and the same failures (type, kind, message). The only difference allowed:
 * transport failures, where common-vault's message names a Java exception class and the injector's
 * does not (issue 16 item 5).
 */
class StoreClientParityIT {

  static OpenBaoServer store = SharedStore.store();
  static KubernetesApiMock kubernetes = SharedStore.kubernetes();
  static StoreAdmin admin = store.admin();
  static String prefix = SharedStore.unique("parity");
  static String auth = SharedStore.unique("kube");
  static String kv1 = SharedStore.unique("kv1");
  static String jwt;

  static StoreClient common;
  static InjectorStoreClient ours;
  static VaultToken commonToken;
  static InjectorStoreClient.Token ourToken;

  @BeforeAll
  static void setUp() {
    admin.enableKv(kv1, 1);
    admin.enableKubernetesAuth(auth, kubernetes.url());
    admin.writePolicy(
        prefix,
        """
        path "secret/data/%1$s/*" { capabilities = ["read"] }
        path "%2$s/%1$s/*" { capabilities = ["read"] }
        """
            .formatted(prefix, kv1));
    admin.createKubernetesRole(
        auth, "app", List.of("app"), List.of("team-p"), List.of(prefix), Duration.ofHours(1), null);
    admin.putKv2(
        "secret",
        prefix + "/db",
        Map.of("user", "u", "port", 5432, "tls", true, "nested", Map.of("a", List.of(1, "b"))));
    admin.putKv2("secret", prefix + "/db", Map.of("user", "u2"));
    admin.putKv2("secret", prefix + "/db", Map.of("user", "u3"));
    admin.deleteKv2Versions("secret", prefix + "/db", 2);
    admin.destroyKv2Versions("secret", prefix + "/db", 1);
    admin.putKv2("secret", prefix + "/gone", Map.of("k", "v"));
    admin.deleteKv2Versions("secret", prefix + "/gone", 1);
    admin.putKv1(kv1, prefix + "/legacy", Map.of("key", "legacy", "n", 7));
    jwt =
        kubernetes
            .tokens()
            .mint(
                "team-p",
                "app",
                List.of(ServiceAccountTokens.DEFAULT_AUDIENCE),
                Duration.ofHours(1));
    common = commonClient(store.address());
    ours = ourClient(store.address());
    commonToken = common.login(auth, "app", jwt);
    ourToken = ours.login(auth, "app", jwt);
  }

  @Test
  void readsGiveTheSameSecrets() {
    for (var read :
        List.<Read>of(
            new Read("secret/data/" + prefix + "/db", OptionalInt.empty()),
            new Read("/secret/data/" + prefix + "/db/", OptionalInt.of(3)),
            new Read(kv1 + "/" + prefix + "/legacy", OptionalInt.empty()))) {
      KvSecret theirs = common.readKv(commonToken, read.path(), read.version());
      KvSecret mine = ours.read(ourToken, read.path(), read.version()).secret();
      assertThat(mine.storeAddress()).as(read.path()).isEqualTo(theirs.storeAddress());
      assertThat(mine.path()).isEqualTo(theirs.path());
      assertThat(mine.engineVersion()).isEqualTo(theirs.engineVersion());
      assertThat(mine.version()).isEqualTo(theirs.version());
      assertThat(mine.createdTime()).isEqualTo(theirs.createdTime());
      assertThat(mine.leaseDuration()).isEqualTo(theirs.leaseDuration());
      assertThat(Json.write(new TreeMap<>(mine.data())))
          .isEqualTo(Json.write(new TreeMap<>(theirs.data())));
      assertThat(mine.toString()).isEqualTo(theirs.toString());
    }
  }

  @Test
  void failuresHaveTheSameTypeKindAndMessage() {
    List<Read> failing =
        List.of(
            new Read("secret/data/" + prefix + "/db", OptionalInt.of(1)), // destroyed
            new Read("secret/data/" + prefix + "/db", OptionalInt.of(2)), // deleted
            new Read("secret/data/" + prefix + "/gone", OptionalInt.empty()), // latest deleted
            new Read("secret/data/" + prefix + "/nothing", OptionalInt.empty()), // not found
            new Read("secret/data/" + prefix + "/db", OptionalInt.of(99)), // no such version
            new Read(kv1 + "/" + prefix + "/legacy", OptionalInt.of(1)), // version of KV v1
            new Read("secret/data/elsewhere/x", OptionalInt.empty())); // denied
    for (Read read : failing) {
      sameFailure(
          read.path() + read.version(),
          () -> common.readKv(commonToken, read.path(), read.version()),
          () -> ours.read(ourToken, read.path(), read.version()),
          true);
    }
    sameFailure(
        "unknown role",
        () -> common.login(auth, "nobody", jwt),
        () -> ours.login(auth, "nobody", jwt),
        true);
    String expired =
        kubernetes
            .tokens()
            .mintExpired("team-p", "app", List.of(ServiceAccountTokens.DEFAULT_AUDIENCE));
    sameFailure(
        "expired token",
        () -> common.login(auth, "app", expired),
        () -> ours.login(auth, "app", expired),
        true);
    sameFailure(
        "unknown auth mount",
        () -> common.login("no-such-mount", "app", jwt),
        () -> ours.login("no-such-mount", "app", jwt),
        true);
  }

  @Test
  void transportFailuresHaveTheSameKindAndNoClassNameInOurs() throws Exception {
    String down = "http://127.0.0.1:" + closedPort();
    StoreClient theirs = commonClient(down);
    InjectorStoreClient mine = ourClient(down);
    sameFailure(
        "unreachable",
        () -> theirs.login(auth, "app", jwt),
        () -> mine.login(auth, "app", jwt),
        false);
  }

  /**
   * A store (or the proxy in front of it) going down cuts connections mid-handshake: both clients
   * call it unreachable, which is retried, not a TLS problem, which is final (seen in the system
   * benchmark's outage phase: injectors exited with "TLS handshake with the store failed").
   */
  @Test
  void aHandshakeCutByTheStoreSideIsUnreachableInBoth() throws Exception {
    try (ClosingServer closing = new ClosingServer()) {
      StoreClient theirs = commonClient(closing.httpsAddress());
      InjectorStoreClient mine =
          new InjectorStoreClient(
              URI.create(closing.httpsAddress()),
              Optional.empty(),
              javax.net.ssl.SSLContext.getDefault(),
              false,
              Duration.ofSeconds(10));
      sameFailure(
          "handshake cut",
          () -> theirs.login(auth, "app", jwt),
          () -> mine.login(auth, "app", jwt),
          false);
      Throwable ours = catchThrowable(() -> mine.login(auth, "app", jwt));
      assertThat(((StoreException) ours).kind()).isEqualTo(StoreErrorKind.UNREACHABLE);
      assertThat(ours.getMessage()).contains(TlsHandshakeFailures.CONNECTION_LOST);
    }
  }

  @Test
  void tokenRenewalAgrees() {
    var theirs = common.renewSelf(commonToken, Duration.ofMinutes(30));
    var mine = ours.renewSelf(ourToken, Duration.ofMinutes(30));
    assertThat(mine.renewable()).isEqualTo(theirs.isRenewable());
    assertThat(mine.leaseDuration()).isEqualTo(theirs.getLeaseDuration());
  }

  private record Read(String path, OptionalInt version) {}

  private static void sameFailure(
      String what, Runnable theirs, Runnable mine, boolean sameMessage) {
    Throwable expected = catchThrowable(theirs::run);
    Throwable actual = catchThrowable(mine::run);
    assertThat(expected).as(what + " (common-vault)").isInstanceOf(StoreException.class);
    assertThat(actual).as(what).isInstanceOf(expected.getClass());
    assertThat(((StoreException) actual).kind())
        .as(what)
        .isEqualTo(((StoreException) expected).kind());
    assertThat(((StoreException) actual).httpStatus())
        .as(what)
        .isEqualTo(((StoreException) expected).httpStatus());
    if (sameMessage) {
      assertThat(actual.getMessage()).as(what).isEqualTo(expected.getMessage());
    } else {
      assertThat(actual.getMessage()).as(what).doesNotContain("Exception");
    }
  }

  private static StoreClient commonClient(String address) {
    return StoreClient.create(
        StoreConnection.builder(address).retryPolicy(RetryPolicy.NONE).build(),
        StoreMetrics.unexported());
  }

  private static InjectorStoreClient ourClient(String address) {
    return new InjectorStoreClient(
        URI.create(address), Optional.empty(), null, false, Duration.ofSeconds(10));
  }

  private static int closedPort() throws Exception {
    try (ServerSocket socket = new ServerSocket()) {
      socket.bind(new InetSocketAddress("127.0.0.1", 0));
      return socket.getLocalPort();
    }
  }
}
