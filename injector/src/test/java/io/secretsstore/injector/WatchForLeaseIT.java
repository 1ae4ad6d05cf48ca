package io.secretsstore.injector;

import static org.assertj.core.api.Assertions.assertThat;

import io.secretsstore.testkit.KubernetesApiMock;
import io.secretsstore.testkit.OpenBaoServer;
import io.secretsstore.testkit.RequestCountingProxy;
import io.secretsstore.testkit.ServiceAccountTokens;
import io.secretsstore.testkit.SharedStore;
import io.secretsstore.testkit.StoreAdmin;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Issue 16 item 3: watch-for-lease keeps the leases of dynamic secrets alive and restarts the
 * application when they end. Real parts: OpenBao's database engine issuing PostgreSQL credentials
 * (renewable leases with a maximum TTL) from a real PostgreSQL server.
 */
class WatchForLeaseIT {

  static OpenBaoServer store = SharedStore.store();
  static KubernetesApiMock kubernetes = SharedStore.kubernetes();
  static StoreAdmin admin = store.admin();
  static RequestCountingProxy proxy;
  static PostgresServer postgres;
  static String prefix = SharedStore.unique("lease");
  static String auth = SharedStore.unique("kube");
  static String database = SharedStore.unique("db");
  static Path work;
  static Path token;

  @BeforeAll
  static void setUp() throws Exception {
    postgres = PostgresServer.start(Path.of("target", "postgres-" + prefix));
    proxy = new RequestCountingProxy(store.address());
    work = Files.createTempDirectory("lease");
    token = work.resolve("token");
    Files.writeString(
        token,
        kubernetes
            .tokens()
            .mint(
                "team-l",
                "app",
                List.of(ServiceAccountTokens.DEFAULT_AUDIENCE),
                Duration.ofHours(1)));
    admin.request("POST", "sys/mounts/" + database, Map.of("type", "database"));
    admin.request(
        "POST",
        database + "/config/pg",
        Map.of(
            "plugin_name", "postgresql-database-plugin",
            "connection_url", postgres.connectionUrl(),
            "username", "postgres",
            "password", "unused-with-trust",
            "allowed_roles", "*"));
    for (var role : Map.of("short", "45s", "long", "10m").entrySet()) {
      admin.request(
          "POST",
          database + "/roles/" + role.getKey(),
          Map.of(
              "db_name",
              "pg",
              "creation_statements",
              List.of(
                  "CREATE ROLE \"{{name}}\" WITH LOGIN PASSWORD '{{password}}' VALID UNTIL"
                      + " '{{expiration}}';"),
              "default_ttl",
              "30s",
              "max_ttl",
              role.getValue()));
    }
    admin.enableKubernetesAuth(auth, kubernetes.url());
    admin.writePolicy(prefix, List.of(database + "/creds/*"), "read");
    admin.createKubernetesRole(
        auth, "app", List.of("app"), List.of("team-l"), List.of(prefix), Duration.ofHours(1), null);
  }

  @AfterAll
  static void tearDown() throws Exception {
    if (proxy != null) {
      proxy.close();
    }
    if (postgres != null) {
      postgres.close();
    }
  }

  static Map<String, String> env(String role, Path terminationLog) {
    Map<String, String> env = new HashMap<>();
    env.put("VAULT_ADDR", proxy.address());
    env.put("VAULT_ROLE", "app");
    env.put("VAULT_PATH", auth);
    env.put("VAULT_TOKEN_PATH", token.toString());
    env.put("VAULT_RESTART_MODE", "watch-for-lease");
    env.put("VAULT_POLL_INTERVAL", "1s");
    env.put("VAULT_CLIENT_TIMEOUT", "10s");
    env.put("VAULT_TERMINATION_LOG", terminationLog.toString());
    env.put("DB_USER", "secrets-store:" + database + "/creds/" + role + "#username");
    env.put("DB_PASSWORD", "secrets-store:" + database + "/creds/" + role + "#password");
    return env;
  }

  @Test
  void leasesAreRenewedUntilTheirMaximumTtlNearsThenTheApplicationRestarts() throws Exception {
    Path terminationLog = work.resolve("max-ttl");
    Path stdout = Files.createTempFile("lease", ".out");
    Path stderr = Files.createTempFile("lease", ".err");
    int renewalsBefore = proxy.count("PUT", "/v1/sys/leases/renew");
    Process injector =
        InjectorProcess.start(
            env("short", terminationLog),
            List.of("/bin/sh", "-c", "echo user=$DB_USER; exec sleep 300"),
            stdout,
            stderr);
    // One read of creds/short: one lease for both variables. The credentials live 30 s at a time,
    // at most 45 s; a renewal must last to the next check (1.3 s + the 10 s client timeout), and
    // once the maximum is near, also the stop (10 s): the restart comes after ~24 s.
    assertThat(injector.waitFor(60, TimeUnit.SECONDS)).as(Files.readString(stderr)).isTrue();
    assertThat(injector.exitValue()).as(Files.readString(stderr)).isEqualTo(2);
    assertThat(Files.readString(stdout)).startsWith("user=");
    assertThat(Files.readString(terminationLog))
        .contains("the lease of " + database + "/creds/short reaches its maximum TTL");
    assertThat(proxy.count("PUT", "/v1/sys/leases/renew") - renewalsBefore)
        .as("renewed at the checks before")
        .isGreaterThanOrEqualTo(1);
    assertThat(Files.readString(stderr))
        .doesNotContain(Files.readString(stdout).substring(5).strip());
  }

  @Test
  void aLeaseThatCanNoLongerBeRenewedRestartsTheApplication() throws Exception {
    Path terminationLog = work.resolve("revoked");
    Path stdout = Files.createTempFile("revoked", ".out");
    Path stderr = Files.createTempFile("revoked", ".err");
    Process injector =
        InjectorProcess.start(
            env("long", terminationLog),
            List.of("/bin/sh", "-c", "echo started; exec sleep 300"),
            stdout,
            stderr);
    awaitContains(injector, stdout, stderr, "started");
    int renewalsBefore = proxy.count("PUT", "/v1/sys/leases/renew");
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (proxy.count("PUT", "/v1/sys/leases/renew") == renewalsBefore) {
      assertThat(System.nanoTime()).as("a renewal happens").isLessThan(deadline);
      Thread.sleep(200);
    }
    assertThat(injector.isAlive()).as("renewed leases keep the application").isTrue();
    admin.request("POST", "sys/leases/revoke-prefix/" + database + "/creds/long", Map.of());
    assertThat(injector.waitFor(60, TimeUnit.SECONDS)).as(Files.readString(stderr)).isTrue();
    assertThat(injector.exitValue()).isEqualTo(2);
    assertThat(Files.readString(terminationLog))
        .contains("the lease of " + database + "/creds/long could not be renewed");
  }

  private static void awaitContains(Process process, Path file, Path stderr, String text)
      throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (!Files.readString(file).contains(text)) {
      assertThat(process.isAlive()).as(Files.readString(stderr)).isTrue();
      assertThat(System.nanoTime()).as("'" + text + "' appears").isLessThan(deadline);
      Thread.sleep(100);
    }
  }
}
