package io.secretsstore.injector;

import static org.assertj.core.api.Assertions.assertThat;

import io.secretsstore.testkit.KubernetesApiMock;
import io.secretsstore.testkit.OpenBaoServer;
import io.secretsstore.testkit.RequestCountingProxy;
import io.secretsstore.testkit.ServiceAccountTokens;
import io.secretsstore.testkit.SharedStore;
import io.secretsstore.testkit.StoreAdmin;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The correctness items of issue 16, each against the jar as a real process, a real OpenBao and
 * (where it matters) a real PID namespace. Each test fails on commit 44546ff.
 */
class InjectorCorrectnessIT {

  static OpenBaoServer store = SharedStore.store();
  static KubernetesApiMock kubernetes = SharedStore.kubernetes();
  static StoreAdmin admin = store.admin();
  static RequestCountingProxy proxy;
  static String prefix = SharedStore.unique("fix");
  static String auth = SharedStore.unique("kube");
  static Path work;
  static Path token;

  /** "мир" and "ключ"/"значение" in UTF-8. */
  static final String MIR = "\u043c\u0438\u0440";

  static final String KEY = "\u043a\u043b\u044e\u0447";
  static final String VALUE = "\u0437\u043d\u0430\u0447\u0435\u043d\u0438\u0435";

  @BeforeAll
  static void setUp() throws Exception {
    proxy = new RequestCountingProxy(store.address());
    work = Files.createTempDirectory("injector-fixes");
    token = work.resolve("token");
    Files.writeString(
        token,
        kubernetes
            .tokens()
            .mint(
                "team-f",
                "app",
                List.of(ServiceAccountTokens.DEFAULT_AUDIENCE),
                Duration.ofHours(1)));
    admin.enableKubernetesAuth(auth, kubernetes.url());
    admin.writePolicy(prefix, List.of("secret/data/" + prefix + "/*"), "read");
    admin.createKubernetesRole(
        auth, "app", List.of("app"), List.of("team-f"), List.of(prefix), Duration.ofHours(1), null);
    admin.putKv2("secret", prefix + "/tls", Map.of("cert", "CERT-1", "key", "KEY-1"));
    admin.putKv2(
        "secret",
        prefix + "/loader",
        Map.of("LD_PRELOAD", "/tmp/evil.so", "GOOD", "fine", "VAULT_TOKEN", "t"));
    // A path and a key that are not ASCII (the path percent-encoded for the admin client).
    admin.request(
        "POST",
        "secret/data/" + prefix + "/%D0%BC%D0%B8%D1%80",
        Map.of("data", Map.of(KEY, VALUE)));
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
    env.put("VAULT_TERMINATION_LOG", work.resolve("termination-log").toString());
    for (int i = 0; i < pairs.length; i += 2) {
      env.put(pairs[i], pairs[i + 1]);
    }
    return env;
  }

  /** Item 1: every byte of every variable and argument, without LANG, invalid UTF-8 included. */
  @Test
  void environmentAndArgumentsPassByteExactWithoutALocale() throws Exception {
    byte[] greeting = ("h\u00e9llo " + MIR).getBytes(StandardCharsets.UTF_8);
    byte[] odd = {'h', (byte) 0xE9, 'l', (byte) 0xFF, (byte) 0xC3};
    byte[] oddArgument = {'a', (byte) 0xFF, 'b'};
    byte[] reference =
        ("secrets-store:secret/data/" + prefix + "/" + MIR + "#" + KEY)
            .getBytes(StandardCharsets.UTF_8);
    Map<String, byte[]> variables = new HashMap<>();
    variables.put("GREETING", greeting);
    variables.put("ODD", odd);
    variables.put("FROM_STORE", reference);
    variables.put(MIR, "name".getBytes(StandardCharsets.UTF_8));
    byte[] output =
        RawProcess.run(
            env(),
            variables,
            List.of(
                "--",
                "/bin/sh",
                "-c",
                "tr '\\0' '\\n' < /proc/$$/environ; printf '[%s]\\n' \"$@\"",
                "sh"),
            List.of(oddArgument, greeting));
    String hex = HexFormat.of().formatHex(output);
    assertThat(hex)
        .as(new String(output, StandardCharsets.UTF_8))
        .contains(hexLine("GREETING=", greeting))
        .contains(hexLine("ODD=", odd))
        .contains(hexLine("FROM_STORE=", VALUE.getBytes(StandardCharsets.UTF_8)))
        .contains(hexLine(MIR + "=", "name".getBytes(StandardCharsets.UTF_8)))
        .contains(hexOf("[", oddArgument, "]\n"))
        .contains(hexOf("[", greeting, "]\n"))
        .doesNotContain("efbfbd"); // U+FFFD, the mark of a lossy decoding
  }

  /**
   * Item 2: a file template in watch-for-data restarts nothing and leaves one file per variable.
   */
  @Test
  void watchForDataWithAFileTemplateKeepsOneFileAndTheApplication() throws Exception {
    Path stdout = Files.createTempFile("file-watch", ".out");
    Path stderr = Files.createTempFile("file-watch", ".err");
    Process injector =
        InjectorProcess.start(
            env(
                "CERT", "secrets-store:secret/data/" + prefix + "/tls#${.cert | file}",
                "VAULT_RESTART_MODE", "watch-for-data",
                "VAULT_POLL_INTERVAL", "1s"),
            List.of("/bin/sh", "-c", "echo path=$CERT; exec sleep 60"),
            stdout,
            stderr);
    String line = awaitLine(stdout, "path=");
    Path file = Path.of(line.substring("path=".length()));
    int readsBefore = proxy.count("GET", "/v1/secret/data/" + prefix + "/tls");
    assertThat(injector.waitFor(4, TimeUnit.SECONDS)).as(Files.readString(stderr)).isFalse();
    assertThat(proxy.count("GET", "/v1/secret/data/" + prefix + "/tls") - readsBefore)
        .as("several checks happened")
        .isGreaterThanOrEqualTo(2);
    Path directory = file.getParent();
    try (Stream<Path> files = Files.list(directory)) {
      assertThat(files.toList()).containsExactly(file);
    }
    assertThat(file.getFileName().toString()).isEqualTo("CERT");
    assertThat(Files.readString(file)).isEqualTo("CERT-1");
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(directory)))
        .isEqualTo("rwx------");
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file)))
        .isEqualTo("rw-------");
    assertThat(directory.getFileName().toString()).isNotEqualTo("secrets-store-" + injector.pid());
    injector.destroy();
    assertThat(injector.waitFor(30, TimeUnit.SECONDS)).isTrue();
    assertThat(injector.exitValue()).isEqualTo(143);
    assertThat(directory).as("removed when the application ended").doesNotExist();
  }

  /** Item 4: what the application sees in /proc/self: descriptors 0-2 only, no blocked signal. */
  @Test
  void theApplicationInheritsNoDescriptorAndNoBlockedSignal() throws Exception {
    // The last command is exec'd by the shell, so it reports the mask the application got.
    String probe = "ls -l /proc/$$/fd; exec grep -E '^SigBlk' /proc/self/status";
    for (String mode : List.of("none", "watch-for-data")) {
      var result =
          InjectorProcess.run(
              env(
                  "DB",
                  "secrets-store:secret/data/" + prefix + "/tls#key",
                  "VAULT_RESTART_MODE",
                  mode),
              "/bin/sh",
              "-c",
              probe);
      assertThat(result.exitCode()).as(result.stderr()).isZero();
      List<String> descriptors = new ArrayList<>();
      Matcher matcher = Pattern.compile(" (\\d+) -> (.*)").matcher(result.stdout());
      while (matcher.find()) {
        descriptors.add(matcher.group(1) + " -> " + matcher.group(2));
      }
      assertThat(descriptors)
          .as(mode + ": " + result.stdout())
          .hasSize(3)
          .allMatch(d -> d.startsWith("0 ") || d.startsWith("1 ") || d.startsWith("2 "));
      assertThat(result.stdout()).as(mode).contains("SigBlk:\t0000000000000000");
    }
  }

  /** Item 4: as PID 1 of its PID namespace in a watch mode, the injector reaps orphans. */
  @Test
  void orphansAreReapedWhenTheInjectorIsPidOne() throws Exception {
    String script =
        "sh -c 'sleep 0.3 & exit 0'; sleep 2; echo parent=$PPID;"
            + " for f in /proc/[0-9]*/stat; do cut -d' ' -f1-3 $f; done";
    List<String> command = new ArrayList<>(List.of("unshare", "--pid", "--fork", "--mount-proc"));
    command.addAll(InjectorProcess.javaCommand());
    command.addAll(List.of("--", "/bin/sh", "-c", script));
    ProcessBuilder builder = new ProcessBuilder(command);
    builder.environment().clear();
    builder.environment().put("PATH", "/usr/local/bin:/usr/bin:/bin");
    builder.environment().putAll(env("VAULT_RESTART_MODE", "watch-for-data"));
    var result = InjectorProcess.finish(builder);
    assertThat(result.exitCode()).as(result.stderr()).isZero();
    assertThat(result.stdout()).contains("parent=1").contains("1 (java) S");
    assertThat(result.stdout()).as("no zombie").doesNotContainPattern("\\) Z");
  }

  /**
   * Item 5: bad settings and references are reported first, on one line, even when the store is
   * down.
   */
  @Test
  void everyProblemIsOneLineBeforeAnyLoginAttempt() throws Exception {
    String down = "http://127.0.0.1:" + closedPort();
    var malformed =
        InjectorProcess.run(
            env(
                "VAULT_ADDR",
                down,
                "BROKEN",
                "secrets-store:secret/data/x",
                "DENIED",
                "secrets-store:auth/token/lookup-self#id"),
            "env");
    assertThat(malformed.exitCode()).isEqualTo(1);
    assertThat(malformed.stderr().strip().lines()).hasSize(1);
    assertThat(malformed.stderr())
        .contains("variable BROKEN: malformed secrets-store reference")
        .contains("variable DENIED: the path auth/token/lookup-self is refused")
        .doesNotContain("login");

    var badCa =
        InjectorProcess.run(
            env(
                "VAULT_ADDR", "https://127.0.0.1:" + closedPort(),
                "VAULT_CACERT_BYTES",
                    "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----",
                "VAULT_CLIENT_TIMEOUT", "0"),
            "env");
    assertThat(badCa.exitCode()).isEqualTo(1);
    assertThat(badCa.stderr().strip().lines()).hasSize(1);
    assertThat(badCa.stderr())
        .contains("VAULT_CACERT_BYTES: ")
        .contains("VAULT_CLIENT_TIMEOUT='0'")
        .doesNotContain("Exception")
        .doesNotContain("\tat ");
    assertThat(Files.readString(work.resolve("termination-log"))).contains("VAULT_CACERT_BYTES");

    var unreachable =
        InjectorProcess.run(
            env(
                "VAULT_ADDR",
                down,
                "VAULT_LOGIN_TIMEOUT",
                "1s",
                "A",
                "secrets-store:secret/data/x#k"),
            "env");
    assertThat(unreachable.stderr()).contains("store unreachable").doesNotContain("Exception:");
  }

  /** Item 5: env-from-path keys that no variable can be, or that change how programs run. */
  @Test
  void envFromPathKeysAreCheckedAndDangerousOnesNeedTheOptIn() throws Exception {
    String path = "secret/data/" + prefix + "/loader";
    var refused = InjectorProcess.run(env("VAULT_ENV_FROM_PATH", path), "env");
    assertThat(refused.exitCode()).isEqualTo(1);
    assertThat(refused.stderr())
        .contains("the key 'LD_PRELOAD' is refused as a variable name")
        .doesNotContain("/tmp/evil.so");
    assertThat(refused.stdout()).isEmpty();

    var allowed =
        InjectorProcess.run(
            env(
                "VAULT_ENV_FROM_PATH",
                path,
                "VAULT_ENV_FROM_PATH_ALLOWED_NAMES",
                "LD_PRELOAD,VAULT_TOKEN"),
            "/bin/sh",
            "-c",
            "echo \"preload=$LD_PRELOAD good=$GOOD\"; env | grep -c VAULT_ENV_FROM_PATH_ALLOWED || true");
    assertThat(allowed.exitCode()).as(allowed.stderr()).isZero();
    assertThat(allowed.stdout()).contains("preload=/tmp/evil.so good=fine").contains("0\n");
  }

  /** Item 6: auth/ and sys/ are refused before the login, so no token is ever looked up. */
  @Test
  void theInjectorsTokenCannotBeReadIntoTheEnvironment() throws Exception {
    int logins = proxy.count("POST", "/v1/auth/" + auth + "/login");
    var result = InjectorProcess.run(env("LEAK", "secrets-store:auth/token/lookup-self#id"), "env");
    assertThat(result.exitCode()).isEqualTo(1);
    assertThat(result.stderr())
        .contains("variable LEAK: the path auth/token/lookup-self is refused");
    assertThat(result.stdout()).isEmpty();
    assertThat(proxy.count("GET", "/v1/auth/token/lookup-self")).isZero();
    assertThat(proxy.count("POST", "/v1/auth/" + auth + "/login")).isEqualTo(logins);
  }

  private static String hexLine(String name, byte[] value) {
    return hexOf(name, value, "\n");
  }

  private static String hexOf(String before, byte[] value, String after) {
    return HexFormat.of().formatHex(before.getBytes(StandardCharsets.UTF_8))
        + HexFormat.of().formatHex(value)
        + HexFormat.of().formatHex(after.getBytes(StandardCharsets.UTF_8));
  }

  private static String awaitLine(Path file, String start) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (System.nanoTime() < deadline) {
      for (String line : Files.readAllLines(file)) {
        if (line.startsWith(start)) {
          return line;
        }
      }
      Thread.sleep(100);
    }
    throw new AssertionError("no line starting with '" + start + "' in " + Files.readString(file));
  }

  private static int closedPort() throws Exception {
    try (ServerSocket socket = new ServerSocket()) {
      socket.bind(new InetSocketAddress("127.0.0.1", 0));
      return socket.getLocalPort();
    }
  }
}
