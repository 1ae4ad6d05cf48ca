package io.secretsstore.injector;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.secretsstore.testkit.KubernetesApiMock;
import io.secretsstore.testkit.OpenBaoServer;
import io.secretsstore.testkit.ServiceAccountTokens;
import io.secretsstore.testkit.SharedStore;
import io.secretsstore.testkit.StoreAdmin;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
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

  static final String HOME = "/secrets-store/injector";
  static Path root;
  static OpenBaoServer store = SharedStore.store();
  static KubernetesApiMock kubernetes = SharedStore.kubernetes();
  static String prefix = SharedStore.unique("bundle");
  static String auth = SharedStore.unique("kube");

  @BeforeAll
  static void build() throws Exception {
    assumeTrue("root".equals(System.getProperty("user.name")), "chroot needs root");
    // .ci/run installs both; on a developer machine without them the test says what is missing.
    assumeTrue(
        run(List.of("sh", "-c", "command -v patchelf")).exit() == 0,
        "patchelf is needed to build the bundle (apt-get install patchelf)");
    assumeTrue(
        run(List.of("sh", "-c", "ldd /bin/busybox 2>&1 | grep -q 'not a dynamic'")).exit() == 0,
        "a static /bin/busybox is needed for the chroot (apt-get install busybox-static)");
    root = Path.of("target", "bundle-root").toAbsolutePath();
    run(List.of("rm", "-rf", root.toString()));
    Path script = Path.of("src", "bundle", "build-bundle.sh").toAbsolutePath();
    var result =
        run(
            List.of(
                script.toString(),
                InjectorProcess.jar().toAbsolutePath().toString(),
                root.toString(),
                HOME));
    assertThat(result.exit()).as(result.output()).isZero();
    Files.createDirectories(root.resolve("bin"));
    Files.copy(Path.of("/bin/busybox"), root.resolve("bin/busybox"));
    for (String applet : List.of("sh", "env", "true", "sleep", "echo")) {
      Files.createSymbolicLink(root.resolve("bin").resolve(applet), Path.of("busybox"));
    }
    Files.createDirectories(root.resolve("run"));
    run(List.of("mount", "-t", "proc", "proc", root.resolve("proc").toString()));

    StoreAdmin admin = store.admin();
    admin.enableKubernetesAuth(auth, kubernetes.url());
    admin.writePolicy(prefix, List.of("secret/data/" + prefix + "/*"), "read");
    admin.createKubernetesRole(
        auth, "app", List.of("app"), List.of("team"), List.of(prefix), Duration.ofHours(1), null);
    admin.putKv2("secret", prefix + "/db", Map.of("password", "bundle-secret"));
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
    if (root != null) {
      run(List.of("umount", root.resolve("proc").toString()));
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

    // The watch modes start the application through the JDK's spawn helper, also from the bundle.
    var watched =
        inChroot(
            env("VAULT_RESTART_MODE", "watch-for-data", "VAULT_POLL_INTERVAL", "60s"),
            "--",
            "/bin/sh",
            "-c",
            "exit 3");
    assertThat(watched.exit()).as(watched.output()).isEqualTo(3);

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

  record Result(int exit, String output) {}

  private static Result inChroot(Map<String, String> env, String... args) throws Exception {
    List<String> command =
        new ArrayList<>(
            List.of("chroot", root.toString(), HOME + "/bin/java", "@" + HOME + "/launch.args"));
    command.addAll(List.of(args));
    ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
    builder.environment().clear();
    builder.environment().putAll(env);
    builder.environment().put("PATH", "/bin:/usr/sbin:/usr/bin:/sbin");
    Process process = builder.start();
    String output = new String(process.getInputStream().readAllBytes());
    assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
    return new Result(process.exitValue(), output);
  }

  private static Result run(List<String> command) throws Exception {
    Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
    String output = new String(process.getInputStream().readAllBytes());
    process.waitFor(300, TimeUnit.SECONDS);
    return new Result(process.exitValue(), output);
  }

  private static long size(Path path) {
    try {
      return Files.size(path);
    } catch (IOException e) {
      return 0;
    }
  }
}
