package io.secretsstore.vault;

import static org.assertj.core.api.Assertions.assertThat;

import io.secretsstore.testkit.ConnectionCountingForwarder;
import io.secretsstore.testkit.KubernetesApiMock;
import io.secretsstore.testkit.OpenBaoServer;
import io.secretsstore.testkit.SharedStore;
import io.secretsstore.testkit.StoreAdmin;
import io.secretsstore.testkit.TestCertificateAuthority;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.vault.support.VaultToken;

/**
 * Issue 17: a store client keeps its connections alive. Counted at a TCP forwarder in front of a
 * real OpenBao: a login and the reads after it go over one connection; concurrent reads open at
 * most one connection each and reuse them; a connection made with one TLS trust is never reused by
 * a client with another.
 */
class StoreConnectionReuseIT {

  static final String NAMESPACE = "team-a";
  static final String ACCOUNT = "app";
  static final String AUDIENCE = "secrets-store";

  static OpenBaoServer store;
  static KubernetesApiMock kubernetes;
  static String auth;
  static String app;

  @BeforeAll
  static void setUp() {
    store = SharedStore.store();
    kubernetes = SharedStore.kubernetes();
    auth = SharedStore.unique("kube");
    app = SharedStore.unique("reuse");
    configure(store.admin(), auth, app);
  }

  static void configure(StoreAdmin admin, String authPath, String role) {
    admin.enableKubernetesAuth(authPath, kubernetes.url());
    admin.writePolicy(role, List.of("secret/data/" + role + "/*"), "read");
    admin.createKubernetesRole(
        authPath,
        role,
        List.of(ACCOUNT),
        List.of(NAMESPACE),
        List.of(role),
        Duration.ofMinutes(10),
        AUDIENCE);
    admin.putKv2("secret", role + "/db", Map.of("password", "p"));
    admin.putKv2("secret", role + "/api", Map.of("token", "t"));
    admin.putKv2("secret", role + "/tls", Map.of("key", "k".repeat(4096)));
  }

  static String jwt() {
    return kubernetes.tokens().mint(NAMESPACE, ACCOUNT, List.of(AUDIENCE), Duration.ofMinutes(10));
  }

  static StoreClient client(String address, TlsOptions tls) {
    return StoreClient.create(
        StoreConnection.builder(address).tls(tls).build(), StoreMetrics.unexported());
  }

  static void read(StoreClient client, VaultToken token, String secret) {
    KvSecret read = client.readKv(token, "secret/data/" + app + "/" + secret, OptionalInt.empty());
    assertThat(read.data()).isNotEmpty();
  }

  @Test
  void aLoginAndTheReadsAfterItShareOneConnection() {
    try (ConnectionCountingForwarder forwarder = new ConnectionCountingForwarder(store.address())) {
      StoreClient client = client(forwarder.address("http"), TlsOptions.SYSTEM_CAS);
      VaultToken token = client.login(auth, app, jwt());
      for (int i = 0; i < 30; i++) {
        read(client, token, List.of("db", "api", "tls").get(i % 3));
      }
      assertThat(forwarder.connections()).isEqualTo(1);
    }
  }

  @Test
  void concurrentReadsOpenAConnectionEachAndKeepThem() throws Exception {
    try (ConnectionCountingForwarder forwarder = new ConnectionCountingForwarder(store.address())) {
      StoreClient client = client(forwarder.address("http"), TlsOptions.SYSTEM_CAS);
      VaultToken token = client.login(auth, app, jwt());
      // A mount's reads: one virtual thread per secret, 20 mounts one after another.
      for (int mount = 0; mount < 20; mount++) {
        List<Thread> reads = new ArrayList<>();
        for (String secret : List.of("db", "api", "tls")) {
          reads.add(Thread.ofVirtual().start(() -> read(client, token, secret)));
        }
        for (Thread t : reads) {
          t.join();
        }
      }
      // At most 3 in flight at once (the login's connection among them): 60 reads, <= 3
      // connections.
      assertThat(forwarder.connections()).isBetween(1, 3);
    }
  }

  @Test
  void tlsConnectionsAreKeptPerTrustAndNeverSharedAcrossTrusts() {
    TestCertificateAuthority ca = new TestCertificateAuthority("reuse-ca");
    var listener =
        ca.issueServer(List.of("vault.internal"), List.of("127.0.0.1"), Duration.ofDays(1))
            .writeTo(Path.of("target", "tls-reuse"), "store");
    try (OpenBaoServer tlsStore = OpenBaoServer.startLocal(listener);
        ConnectionCountingForwarder forwarder =
            new ConnectionCountingForwarder(tlsStore.tlsAddress().orElseThrow())) {
      String role = SharedStore.unique("reuse");
      configure(tlsStore.admin(), "kubernetes", role);
      String address = forwarder.address("https");

      StoreClient verified = client(address, TlsOptions.trustPem(ca.certificatePem()));
      VaultToken token = verified.login("kubernetes", role, jwt());
      for (int i = 0; i < 20; i++) {
        assertThat(
                verified.readKv(token, "secret/data/" + role + "/db", OptionalInt.empty()).data())
            .containsKey("password");
      }
      // One handshake for the login and 20 reads.
      assertThat(forwarder.connections()).isEqualTo(1);

      // Another trust to the same address gets a connection of its own, however many idle ones
      // the first client left behind.
      StoreClient insecure = client(address, TlsOptions.insecureSkipVerify());
      for (int i = 0; i < 5; i++) {
        insecure.readKv(token, "secret/data/" + role + "/db", OptionalInt.empty());
      }
      assertThat(forwarder.connections()).isEqualTo(2);
    }
  }
}
