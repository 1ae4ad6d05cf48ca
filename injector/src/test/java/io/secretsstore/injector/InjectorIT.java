package io.secretsstore.injector;

import static org.assertj.core.api.Assertions.assertThat;

import io.secretsstore.testkit.KubernetesApiMock;
import io.secretsstore.testkit.OpenBaoServer;
import io.secretsstore.testkit.RequestCountingProxy;
import io.secretsstore.testkit.ServiceAccountTokens;
import io.secretsstore.testkit.SharedStore;
import io.secretsstore.testkit.StoreAdmin;
import io.secretsstore.testkit.TestCertificateAuthority;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The injector jar as a real process against a real OpenBao (Kubernetes auth validated through the
 * mock API's TokenReview), with a request-counting proxy in front of the store.
 */
class InjectorIT {

  static final String NS = "team-i";
  static final String ACCOUNT = "app";

  static OpenBaoServer store = SharedStore.store();
  static KubernetesApiMock kubernetes = SharedStore.kubernetes();
  static StoreAdmin admin = store.admin();
  static RequestCountingProxy proxy;
  static String prefix = SharedStore.unique("inj");
  static String auth = SharedStore.unique("kube");
  static String kv1 = SharedStore.unique("kv1");
  static String transit = SharedStore.unique("transit");
  static Path work;
  static Path token;

  @BeforeAll
  static void setUp() throws Exception {
    proxy = new RequestCountingProxy(store.address());
    work = Files.createTempDirectory("injector-it");
    token = work.resolve("token");
    Files.writeString(
        token,
        kubernetes
            .tokens()
            .mint(
                NS, ACCOUNT, List.of(ServiceAccountTokens.DEFAULT_AUDIENCE), Duration.ofHours(1)));
    admin.enableKv(kv1, 1);
    admin.request("POST", "sys/mounts/" + transit, Map.of("type", "transit"));
    admin.request("POST", transit + "/keys/app", Map.of());
    admin.enableKubernetesAuth(auth, kubernetes.url());
    admin.writePolicy(
        prefix,
        """
        path "secret/data/%1$s/*" { capabilities = ["read"] }
        path "%2$s/%1$s/*" { capabilities = ["read"] }
        path "%3$s/encrypt/app" { capabilities = ["update"] }
        """
            .formatted(prefix, kv1, transit));
    admin.createKubernetesRole(
        auth, "app", List.of(ACCOUNT), List.of(NS), List.of(prefix), Duration.ofHours(1), null);
    admin.putKv2(
        "secret",
        prefix + "/db",
        Map.of("user", "db-user", "password", "pw-v1", "port", 5432, "opts", Map.of("tls", true)));
    admin.putKv2(
        "secret", prefix + "/db", Map.of("user", "db-user", "password", "pw-v2", "port", 5432));
    admin.putKv1(kv1, prefix + "/legacy", Map.of("key", "legacy-value"));
    admin.putKv2("secret", prefix + "/denied-elsewhere", Map.of("k", "v"));
  }

  @AfterAll
  static void tearDown() {
    proxy.close();
  }

  static Map<String, String> env(String... pairs) {
    Map<String, String> env = new HashMap<>();
    env.put("VAULT_ADDR", proxy.address());
    env.put("VAULT_ROLE", "app");
    env.put("VAULT_PATH", auth);
    env.put("VAULT_TOKEN_PATH", token.toString());
    env.put("VAULT_CLIENT_TIMEOUT", "10s");
    for (int i = 0; i < pairs.length; i += 2) {
      env.put(pairs[i], pairs[i + 1]);
    }
    return env;
  }

  static String path(String name) {
    return "secret/data/" + prefix + "/" + name;
  }

  @Test
  void resolvesEveryFormReadsEachPathOnceAndExecsInPlace() throws Exception {
    int readsBefore = proxy.count("GET", "/v1/" + path("db"));
    var result =
        InjectorProcess.run(
            env(
                "DB_USER", "secrets-store:" + path("db") + "#user",
                "DB_PASSWORD", "secrets-store:" + path("db") + "#password",
                "DB_PASSWORD_V1", "secrets-store:" + path("db") + "#password#1",
                "DB_PORT", "secrets-store:" + path("db") + "#port",
                "DB_URL", "postgres://${secrets-store:" + path("db") + "#user}@db:5432/app",
                "DB_AUTH", "secrets-store:" + path("db") + "#${.user}:${.password | base64encode}",
                "DB_TLS", "secrets-store:" + path("db") + "#${.opts.tls | default \"off\"}#1",
                "LEGACY", "secrets-store:" + kv1 + "/" + prefix + "/legacy#key",
                "PLAIN", "just text",
                "VAULT_TOKEN", "must-not-pass"),
            "--",
            "/bin/sh",
            "-c",
            "echo PID=$$; env");

    assertThat(result.exitCode()).as(result.stderr()).isZero();
    assertThat(result.stdout())
        .contains("PID=" + result.pid())
        .contains("DB_USER=db-user\n")
        .contains("DB_PASSWORD=pw-v2\n")
        .contains("DB_PASSWORD_V1=pw-v1\n")
        .contains("DB_PORT=5432\n")
        .contains("DB_URL=postgres://db-user@db:5432/app\n")
        .contains(
            "DB_AUTH=db-user:"
                + java.util.Base64.getEncoder().encodeToString("pw-v2".getBytes())
                + "\n")
        .contains("DB_TLS=true\n")
        .contains("LEGACY=legacy-value\n")
        .contains("PLAIN=just text\n")
        .doesNotContain("VAULT_ADDR=")
        .doesNotContain("VAULT_ROLE=")
        .doesNotContain("VAULT_TOKEN")
        .doesNotContain("must-not-pass");
    // Six references to the latest version of db and two to version 1: two reads.
    assertThat(proxy.count("GET", "/v1/" + path("db")) - readsBefore).isEqualTo(2);
    assertThat(result.stderr()).doesNotContain("pw-v").doesNotContain("legacy-value");
  }

  @Test
  void envFromPathAddsEveryKeyLaterPathsWinAndTheyBeatExplicitReferences() throws Exception {
    admin.putKv2("secret", prefix + "/common", Map.of("REGION", "eu", "LEVEL", "common"));
    admin.putKv2("secret", prefix + "/app", Map.of("LEVEL", "app", "APP_KEY", "k-1"));
    var result =
        InjectorProcess.run(
            env(
                "VAULT_ENV_FROM_PATH", path("common") + "," + path("app"),
                "APP_KEY", "secrets-store:" + path("db") + "#user"),
            "env");
    assertThat(result.exitCode()).as(result.stderr()).isZero();
    assertThat(result.stdout())
        .contains("REGION=eu\n")
        .contains("LEVEL=app\n")
        .contains("APP_KEY=k-1\n");
  }

  @Test
  void writeReferencesPostTheBodyAndUseTheAnswer() throws Exception {
    var result =
        InjectorProcess.run(
            env(
                "CIPHERTEXT",
                ">>secrets-store:"
                    + transit
                    + "/encrypt/app#ciphertext#{\"plaintext\":\"aGVsbG8=\"}"),
            "env");
    assertThat(result.exitCode()).as(result.stderr()).isZero();
    assertThat(result.stdout()).containsPattern("CIPHERTEXT=vault:v1:.+\n");
  }

  @Test
  void missingSecretsFailUnlessIgnoredButOtherErrorsAlwaysFail() throws Exception {
    var missing = InjectorProcess.run(env("GONE", "secrets-store:" + path("nope") + "#k"), "env");
    assertThat(missing.exitCode()).isEqualTo(1);
    assertThat(missing.stderr()).contains("variable GONE").contains(path("nope"));
    assertThat(missing.stdout()).isEmpty();

    var ignored =
        InjectorProcess.run(
            env(
                "VAULT_IGNORE_MISSING_SECRETS", "true",
                "GONE", "secrets-store:" + path("nope") + "#k",
                "NO_KEY", "secrets-store:" + path("db") + "#nokey",
                "KEPT", "secrets-store:" + path("db") + "#user"),
            "env");
    assertThat(ignored.exitCode()).as(ignored.stderr()).isZero();
    assertThat(ignored.stdout())
        .contains("KEPT=db-user")
        .doesNotContain("GONE=")
        .doesNotContain("NO_KEY=");
    assertThat(ignored.stderr())
        .contains("variable GONE")
        .contains("variable NO_KEY")
        .contains("left unset");

    // Denied is not missing: it still stops the start.
    var denied =
        InjectorProcess.run(
            env(
                "VAULT_IGNORE_MISSING_SECRETS", "true",
                "OTHER", "secrets-store:secret/data/elsewhere/x#k"),
            "env");
    assertThat(denied.exitCode()).isEqualTo(1);
    assertThat(denied.stderr()).contains("variable OTHER").contains("403");
  }

  @Test
  void badInputIsReportedClearlyBeforeTheApplicationStarts() throws Exception {
    var malformed = InjectorProcess.run(env("BROKEN", "secrets-store:" + path("db")), "env");
    assertThat(malformed.exitCode()).isEqualTo(1);
    assertThat(malformed.stderr()).contains("variable BROKEN").contains("malformed");

    var notFound = InjectorProcess.run(env(), "no-such-command-xyz");
    assertThat(notFound.exitCode()).isEqualTo(127);
    assertThat(notFound.stderr()).contains("'no-such-command-xyz' not found in PATH");

    Path script = work.resolve("not-executable.sh");
    Files.writeString(script, "#!/bin/sh\necho hi\n");
    Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rw-r--r--"));
    var notExecutable = InjectorProcess.run(env(), script.toString());
    assertThat(notExecutable.exitCode()).isEqualTo(126);
    assertThat(notExecutable.stderr()).contains("Permission denied");

    var unreachable =
        InjectorProcess.run(
            env(
                "VAULT_ADDR", "http://127.0.0.1:" + closedPort(),
                "VAULT_LOGIN_TIMEOUT", "2s",
                "DB_USER", "secrets-store:" + path("db") + "#user"),
            "env");
    assertThat(unreachable.exitCode()).isEqualTo(1);
    assertThat(unreachable.stderr()).contains("did not succeed within 2.0s (VAULT_LOGIN_TIMEOUT)");

    var noToken =
        InjectorProcess.run(
            env(
                "VAULT_TOKEN_PATH",
                work.resolve("absent").toString(),
                "VAULT_LOGIN_TIMEOUT",
                "1s",
                "DB_USER",
                "secrets-store:" + path("db") + "#user"),
            "env");
    assertThat(noToken.exitCode()).isEqualTo(1);
    assertThat(noToken.stderr()).contains("token file").contains("does not exist");

    var badSettings =
        InjectorProcess.run(
            env("VAULT_RESTART_MODE", "sometimes", "VAULT_SKIP_VERIFY", "maybe"), "env");
    assertThat(badSettings.exitCode()).isEqualTo(1);
    assertThat(badSettings.stderr())
        .contains(
            "VAULT_RESTART_MODE: 'sometimes' is not one of none, watch-for-lease, watch-for-data")
        .contains("VAULT_SKIP_VERIFY='maybe' is not true or false");

    var usage = InjectorProcess.run(env());
    assertThat(usage.exitCode()).isEqualTo(1);
    assertThat(usage.stderr()).contains("usage: injector");
  }

  @Test
  void aTokenTheApiServerRejectsFailsTheLoginAtOnce() throws Exception {
    Path forged = work.resolve("forged-token");
    Files.writeString(
        forged, kubernetes.tokens().mintExpired(NS, ACCOUNT, List.of("secrets-store")));
    long started = System.nanoTime();
    Path terminationLog = work.resolve("forged-termination-log");
    var result =
        InjectorProcess.run(
            env(
                "VAULT_TOKEN_PATH",
                forged.toString(),
                "VAULT_TERMINATION_LOG",
                terminationLog.toString(),
                "DB_USER",
                "secrets-store:" + path("db") + "#user"),
            "env");
    assertThat(result.exitCode()).isEqualTo(1);
    // Issue 15 item 6: what to set on the role, in stderr and in the termination message.
    String advice =
        "set it on the role: bao write auth/" + auth + "/role/app audience=secrets-store";
    assertThat(result.stderr())
        .contains("store login denied for role app")
        .contains("HTTP 403")
        .contains("hint: the token has audience secrets-store")
        .contains(advice);
    assertThat(Files.readString(terminationLog)).contains(advice);
    // Denied is not retried until the timeout.
    assertThat((System.nanoTime() - started) / 1_000_000).isLessThan(8_000);
    assertThat(result.stderr()).doesNotContain(Files.readString(forged));
  }

  @Test
  void watchForDataKeepsTheApplicationWhileNothingChanges() throws Exception {
    admin.putKv2("secret", prefix + "/steady", Map.of("token", "s-1"));
    Path stdout = Files.createTempFile("steady", ".out");
    Path stderr = Files.createTempFile("steady", ".err");
    Process injector =
        InjectorProcess.start(
            env(
                "TOKEN",
                "secrets-store:" + path("steady") + "#token",
                "VAULT_RESTART_MODE",
                "watch-for-data",
                "VAULT_POLL_INTERVAL",
                "1s",
                "VAULT_TERMINATION_LOG",
                work.resolve("steady-termination-log").toString()),
            List.of("/bin/sh", "-c", "echo started; exec sleep 60"),
            stdout,
            stderr);
    awaitContains(stdout, "started");
    int readsBefore = proxy.count("GET", "/v1/" + path("steady"));
    // Several polls happen (1 s ± 30%), none restarts the application.
    assertThat(injector.waitFor(4, TimeUnit.SECONDS)).as(Files.readString(stderr)).isFalse();
    assertThat(proxy.count("GET", "/v1/" + path("steady")) - readsBefore).isGreaterThanOrEqualTo(2);
    assertThat(work.resolve("steady-termination-log")).doesNotExist();
    injector.destroy();
    assertThat(injector.waitFor(30, TimeUnit.SECONDS)).isTrue();
    // SIGTERM reached the application (sleep), which died of it: 128 + 15.
    assertThat(injector.exitValue()).isEqualTo(143);
  }

  @Test
  void aStoreWithAnotherCaIsRefused() throws Exception {
    TestCertificateAuthority other = new TestCertificateAuthority("other-ca");
    var listener =
        new TestCertificateAuthority("store-ca")
            .issueLoopbackServer()
            .writeTo(Path.of("target", "tls"), "injector-store");
    try (OpenBaoServer tlsStore = OpenBaoServer.startLocal(listener)) {
      var result =
          InjectorProcess.run(
              env(
                  "VAULT_ADDR", tlsStore.tlsAddress().orElseThrow(),
                  "VAULT_CACERT_BYTES", other.certificatePem(),
                  "DB_USER", "secrets-store:" + path("db") + "#user"),
              "env");
      assertThat(result.exitCode()).isEqualTo(1);
      assertThat(result.stderr())
          .contains("login to " + tlsStore.tlsAddress().orElseThrow() + " failed")
          .containsIgnoringCase("tls");
    }
  }

  @Test
  void theLoginIsRetriedUntilTheStoreAnswers() throws Exception {
    proxy.failNext(3, 503);
    var result =
        InjectorProcess.run(env("DB_USER", "secrets-store:" + path("db") + "#user"), "env");
    assertThat(result.exitCode()).as(result.stderr()).isZero();
    assertThat(result.stderr()).contains("login attempt 1 failed");
    assertThat(result.stdout()).contains("DB_USER=db-user");
  }

  /**
   * On a starved node (a burst of pods on two cores) one login attempt can take the whole request
   * timeout; the login goes on until VAULT_LOGIN_TIMEOUT instead of failing the container, which
   * kubelet would only restart with its back-off (a new JVM start on the same starved node).
   */
  @Test
  void aLoginAttemptThatTimesOutIsRetriedWithinTheLoginTimeout() throws Exception {
    proxy.delayNext(1, Duration.ofSeconds(3));
    var result =
        InjectorProcess.run(
            env(
                "VAULT_CLIENT_TIMEOUT", "1s",
                "VAULT_LOGIN_TIMEOUT", "1m",
                "DB_USER", "secrets-store:" + path("db") + "#user"),
            "env");
    assertThat(result.exitCode()).as(result.stderr()).isZero();
    assertThat(result.stderr()).contains("login attempt 1 failed");
    assertThat(result.stdout()).contains("DB_USER=db-user").doesNotContain("VAULT_LOGIN_TIMEOUT");
  }

  @Test
  void diagnosePrintsNamesOnlyAndSelfCopyInstallsTheInjector() throws Exception {
    var diagnose =
        InjectorProcess.run(
            env("DB_PASSWORD", "secrets-store:" + path("db") + "#password"),
            "--diagnose",
            "--",
            "env");
    assertThat(diagnose.exitCode()).as(diagnose.stderr()).isZero();
    assertThat(diagnose.stdout()).isEqualTo("DB_PASSWORD\n");
    assertThat(diagnose.all()).doesNotContain("pw-v");

    Path shared = work.resolve("shared");
    var copy = InjectorProcess.run(Map.of(), "--self-copy", shared.toString());
    assertThat(copy.exitCode()).as(copy.stderr()).isZero();
    Path copied = shared.resolve("injector.jar");
    assertThat(Files.size(copied)).isEqualTo(Files.size(InjectorProcess.jar()));
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(copied)))
        .isEqualTo("r-xr-xr-x");

    var version = InjectorProcess.run(Map.of(), "--version");
    assertThat(version.stdout()).startsWith("secrets-store-injector ");
  }

  @Test
  void watchForDataRestartsTheApplicationWhenTheSecretChanges() throws Exception {
    admin.putKv2("secret", prefix + "/watched", Map.of("token", "t-1"));
    Path terminationLog = work.resolve("termination-log");
    Path stdout = Files.createTempFile("watch", ".out");
    Path stderr = Files.createTempFile("watch", ".err");
    Process injector =
        InjectorProcess.start(
            env(
                "TOKEN",
                "secrets-store:" + path("watched") + "#token",
                "VAULT_RESTART_MODE",
                "watch-for-data",
                "VAULT_POLL_INTERVAL",
                "1s",
                "VAULT_TERMINATION_LOG",
                terminationLog.toString()),
            List.of("/bin/sh", "-c", "echo started with $TOKEN; exec sleep 60"),
            stdout,
            stderr);
    awaitContains(stdout, "started with t-1");
    admin.putKv2("secret", prefix + "/watched", Map.of("token", "t-2"));
    assertThat(injector.waitFor(30, TimeUnit.SECONDS)).as(Files.readString(stderr)).isTrue();
    assertThat(injector.exitValue()).isEqualTo(2);
    assertThat(Files.readString(terminationLog)).contains("secret values changed in the store");
    assertThat(Files.readString(stderr)).doesNotContain("t-1").doesNotContain("t-2");
  }

  @Test
  void signalsReachTheApplicationAndItsExitCodeIsTheInjectors() throws Exception {
    Path stdout = Files.createTempFile("signal", ".out");
    Path stderr = Files.createTempFile("signal", ".err");
    Process injector =
        InjectorProcess.start(
            env("VAULT_RESTART_MODE", "watch-for-data", "VAULT_POLL_INTERVAL", "120s"),
            List.of(
                "/bin/sh",
                "-c",
                "trap 'echo got-term; exit 7' TERM; echo ready; while true; do sleep 0.1; done"),
            stdout,
            stderr);
    awaitContains(stdout, "ready");
    ProcessHandle.of(injector.pid()).orElseThrow().destroy(); // SIGTERM to the injector
    assertThat(injector.waitFor(30, TimeUnit.SECONDS)).isTrue();
    assertThat(Files.readString(stdout)).contains("got-term");
    assertThat(injector.exitValue()).isEqualTo(7);
  }

  private static void awaitContains(Path file, String text) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (!Files.readString(file).contains(text)) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("'" + text + "' never appeared in " + Files.readString(file));
      }
      Thread.sleep(100);
    }
  }

  private static int closedPort() throws Exception {
    try (ServerSocket socket = new ServerSocket()) {
      socket.bind(new InetSocketAddress("127.0.0.1", 0));
      return socket.getLocalPort();
    }
  }
}
