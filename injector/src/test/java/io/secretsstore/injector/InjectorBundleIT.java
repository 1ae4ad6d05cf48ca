package io.secretsstore.injector;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.secretsstore.testkit.KubernetesApiMock;
import io.secretsstore.testkit.OpenBaoServer;
import io.secretsstore.testkit.ServiceAccountTokens;
import io.secretsstore.testkit.SharedStore;
import io.secretsstore.testkit.StoreAdmin;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The JVM bundle the init container copies, in a root file system without glibc: a chroot that
 * holds only the bundle, a static busybox as the "application" and the pod's token. Needs root
 * (chroot, mount), patchelf and a static busybox; CI installs them.
 */
class InjectorBundleIT {

  static final String HOME = BundleRoot.HOME;
  static Path root;
  static OpenBaoServer store = SharedStore.store();
  static KubernetesApiMock kubernetes = SharedStore.kubernetes();
  static String prefix = SharedStore.unique("bundle");
  static String auth = SharedStore.unique("kube");

  static BundleRoot bundle;

  @BeforeAll
  static void build() throws Exception {
    bundle = BundleRoot.build("bundle-root");
    root = bundle.root;
    StoreAdmin admin = store.admin();
    admin.enableKubernetesAuth(auth, kubernetes.url());
    admin.writePolicy(prefix, List.of("secret/data/" + prefix + "/*"), "read");
    admin.createKubernetesRole(
        auth, "app", List.of("app"), List.of("team"), List.of(prefix), Duration.ofHours(1), null);
    admin.putKv2("secret", prefix + "/db", Map.of("password", "bundle-secret"));
    admin.putKv2("secret", prefix + "/greeting", Map.of("text", "h\u00e9llo \u043c\u0438\u0440"));
    Files.writeString(
        root.resolve("run/token"),
        kubernetes
            .tokens()
            .mint(
                "team",
                "app",
                List.of(ServiceAccountTokens.DEFAULT_AUDIENCE),
                Duration.ofHours(1)));
  }

  @AfterAll
  static void unmount() throws Exception {
    if (bundle != null) {
      bundle.close();
    }
  }

  @Test
  void theBundleRunsWhereThereIsNoGlibcAndResolvesFromTheStore() throws Exception {
    List<Path> libcs = new ArrayList<>();
    try (Stream<Path> top = Files.list(root)) {
      for (Path entry : top.filter(p -> !p.endsWith("proc") && !p.endsWith("dev")).toList()) {
        try (Stream<Path> files = Files.walk(entry)) {
          files.filter(p -> p.getFileName().toString().startsWith("libc.so")).forEach(libcs::add);
        }
      }
    }
    assertThat(libcs)
        .as("the only libc is the bundle's own")
        .singleElement()
        .satisfies(p -> assertThat(p.toString()).contains(HOME));
    assertThat(root.resolve("lib")).doesNotExist();
    assertThat(root.resolve("lib64")).doesNotExist();

    var result =
        inChroot(
            env("DB_PASSWORD", "secrets-store:secret/data/" + prefix + "/db#password"),
            "--",
            "/bin/sh",
            "-c",
            "echo PID=$$; env");
    assertThat(result.exit()).as(result.output()).isZero();
    assertThat(result.output()).contains("DB_PASSWORD=bundle-secret").contains("PID=");

    // The watch modes start the application with posix_spawn (FFM), also from the bundle.
    var watched =
        inChroot(
            env("VAULT_RESTART_MODE", "watch-for-data", "VAULT_POLL_INTERVAL", "60s"),
            "--",
            "/bin/sh",
            "-c",
            "exit 3");
    assertThat(watched.exit()).as(watched.output()).isEqualTo(3);

    // The AOT cache matches the bundle (a mismatch is an error with AOTMode=on, not a slow start).
    var cacheCheck =
        run(
            List.of(
                "chroot",
                root.toString(),
                HOME + "/bin/java",
                "-XX:AOTMode=on",
                "@" + HOME + "/launch.args",
                "--version"));
    if (Files.exists(root.resolve(HOME.substring(1)).resolve("injector.aot"))) {
      assertThat(cacheCheck.exit()).as(cacheCheck.output()).isZero();
    }

    // --self-copy copies the whole bundle (what the init container does).
    var copy = inChroot(Map.of(), "--self-copy", "/run/shared");
    assertThat(copy.exit()).as(copy.output()).isZero();
    assertThat(root.resolve("run/shared/injector/bin/java")).isExecutable();
    assertThat(root.resolve("run/shared/injector/launch.args")).exists();

    // Start-up to exec, and what the init container copies into the pod's memory.
    double[] millis = new double[5];
    for (int i = 0; i < millis.length; i++) {
      long started = System.nanoTime();
      var timed =
          inChroot(
              env("DB_PASSWORD", "secrets-store:secret/data/" + prefix + "/db#password"),
              "--",
              "/bin/true");
      millis[i] = (System.nanoTime() - started) / 1e6;
      assertThat(timed.exit()).as(timed.output()).isZero();
    }
    Arrays.sort(millis);
    long bytes;
    try (Stream<Path> files = Files.walk(root.resolve(HOME.substring(1)))) {
      bytes = files.filter(Files::isRegularFile).mapToLong(InjectorBundleIT::size).sum();
    }
    long aot = size(root.resolve(HOME.substring(1)).resolve("injector.aot"));
    System.out.printf(
        "%nJVM bundle: %.1f MiB copied (AOT cache %.1f MiB); start to exec of /bin/true after a"
            + " login and one read: p50 %.0f ms, max %.0f ms (5 runs)%n%n",
        bytes / 1048576.0, aot / 1048576.0, millis[2], millis[4]);
  }

  /**
   * The bundle's start path (settings, login, reads, a template, command lookup, descriptors,
   * signal mask, execve) defines no class at run time, so that the AOT cache holds all of it: the
   * system calls go through the bundle's JNI library instead of an FFM downcall (whose
   * method-handle classes no AOT cache of JDK 25 keeps), and no pattern switch or record {@code
   * hashCode} spins its bootstrap classes. Counted from the JVM's class-loading log.
   */
  @Test
  void theStartPathDefinesNoClassAtRunTimeAndLoadsItsClassesFromTheAotCache() throws Exception {
    Path home = root.resolve(HOME.substring(1));
    assumeTrue(Files.exists(home.resolve("injector.aot")), "no AOT cache (built without root)");
    assumeTrue(run(List.of("sh", "-c", "command -v cc")).exit() == 0, "no C compiler for JNI");
    assertThat(home.resolve("lib/libinjector-syscall.so")).exists();
    assertThat(home.resolve("lib/jspawnhelper"))
        .as("only the AOT assembly needs it")
        .doesNotExist();

    var result =
        inChroot(
            env(
                "DB_PASSWORD",
                "secrets-store:secret/data/" + prefix + "/db#password",
                "SHOUT",
                "secrets-store:secret/data/" + prefix + "/db#${.password | upper}",
                "GREETING",
                "secrets-store:secret/data/" + prefix + "/greeting#text",
                "JDK_JAVA_OPTIONS",
                "-Xlog:class+load:file=/run/classes.log"),
            "--",
            "/bin/true");
    assertThat(result.exit()).as(result.output()).isZero();
    List<String> loaded = Files.readAllLines(root.resolve("run/classes.log"));
    assertThat(loaded).hasSizeGreaterThan(1000);
    assertThat(loaded)
        .as("classes generated at run time")
        .filteredOn(
            line ->
                line.contains("__JVM_LookupDefineClass__")
                    || line.contains("__Lookup_defineClass__")
                    || line.contains("$$TypeSwitch")
                    || line.contains("DowncallStub"))
        .isEmpty();
    long fromCache = loaded.stream().filter(line -> line.contains("shared objects file")).count();
    assertThat(fromCache).as("classes from the AOT cache").isGreaterThan(loaded.size() * 98L / 100);
  }

  /**
   * Issue 16 items 1 and 4 where they were found: in a root without a locale (no LANG, no locale
   * files), variables and arguments arrive byte for byte, invalid UTF-8 included, values from the
   * store are UTF-8, and the application inherits descriptors 0-2 only and no blocked signal.
   */
  @Test
  void withoutALocaleEveryByteArrivesAndNothingOfTheJvmIsInherited() throws Exception {
    byte[] odd = {'h', (byte) 0xE9, 'l', (byte) 0xFF};
    byte[] greeting = "h\u00e9llo \u043c\u0438\u0440".getBytes(StandardCharsets.UTF_8);
    Map<String, String> env =
        env("FROM_STORE", "secrets-store:secret/data/" + prefix + "/greeting#text");
    env.remove("PATH");
    for (String mode : List.of("none", "watch-for-data")) {
      env.put("VAULT_RESTART_MODE", mode);
      String script =
          RawProcess.script(
              "/bin",
              env,
              Map.of("GREETING", greeting, "ODD", odd),
              List.of(
                  HOME + "/bin/java",
                  "@" + HOME + "/launch.args",
                  "--",
                  "/bin/sh",
                  "-c",
                  "tr '\\0' '\\n' < /proc/$$/environ; printf '[%s]\\n' \"$@\"; ls -l /proc/$$/fd;"
                      + " exec grep -E '^SigBlk' /proc/self/status",
                  "sh"),
              List.of(odd));
      Files.writeString(root.resolve("run/probe.sh"), script);
      ProcessBuilder chroot =
          new ProcessBuilder("chroot", root.toString(), "/bin/sh", "/run/probe.sh");
      chroot.environment().clear();
      chroot.environment().put("PATH", "/bin:/usr/sbin:/usr/bin:/sbin");
      byte[] output = RawProcess.output(chroot);
      String hex = HexFormat.of().formatHex(output);
      String text = new String(output, StandardCharsets.UTF_8);
      assertThat(hex)
          .as(mode + ": " + text)
          .contains(hex("GREETING=", greeting, "\n"))
          .contains(hex("ODD=", odd, "\n"))
          .contains(hex("FROM_STORE=", greeting, "\n"))
          .contains(hex("[", odd, "]\n"))
          .doesNotContain("efbfbd");
      assertThat(text).as(mode).doesNotContain("LANG=").contains("SigBlk:\t0000000000000000");
      assertThat(text.lines().filter(line -> line.matches(".* \\d+ -> .*")).toList())
          .as(mode + ": descriptors of the application")
          .hasSize(3);
    }
  }

  private static String hex(String before, byte[] value, String after) {
    return HexFormat.of().formatHex(before.getBytes(StandardCharsets.UTF_8))
        + HexFormat.of().formatHex(value)
        + HexFormat.of().formatHex(after.getBytes(StandardCharsets.UTF_8));
  }

  private static Map<String, String> env(String... pairs) {
    Map<String, String> env = new java.util.HashMap<>();
    env.put("VAULT_ADDR", store.address());
    env.put("VAULT_ROLE", "app");
    env.put("VAULT_PATH", auth);
    env.put("VAULT_TOKEN_PATH", "/run/token");
    env.put("PATH", "/bin");
    for (int i = 0; i < pairs.length; i += 2) {
      env.put(pairs[i], pairs[i + 1]);
    }
    return env;
  }

  private static BundleRoot.Result inChroot(Map<String, String> env, String... args)
      throws Exception {
    return bundle.inChroot(env, args);
  }

  private static BundleRoot.Result run(List<String> command) throws Exception {
    return BundleRoot.run(command);
  }

  private static long size(Path path) {
    try {
      return Files.size(path);
    } catch (IOException e) {
      return 0;
    }
  }
}
