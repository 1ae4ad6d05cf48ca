package io.secretsstore.injector;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A root file system that holds only the injector's JVM bundle (built by {@code
 * src/bundle/build-bundle.sh} from the jar under test), a static busybox as the "application" and
 * {@code /proc}: no glibc, no locale. Needs root (chroot, mount), patchelf and a static busybox; CI
 * installs them, elsewhere the tests are skipped with the reason.
 */
final class BundleRoot implements AutoCloseable {

  static final String HOME = "/secrets-store/injector";

  record Result(int exit, String output) {}

  final Path root;

  private BundleRoot(Path root) {
    this.root = root;
  }

  /** Builds the bundle under {@code target/<name>} (replacing what is there). */
  static BundleRoot build(String name) throws Exception {
    return build(name, Map.of());
  }

  /**
   * Builds the bundle with settings of {@code build-bundle.sh} ({@code BUNDLE_AOT=false}, {@code
   * BUNDLE_JNI=false}).
   */
  static BundleRoot build(String name, Map<String, String> settings) throws Exception {
    assumeTrue("root".equals(System.getProperty("user.name")), "chroot needs root");
    assumeTrue(
        run(List.of("sh", "-c", "command -v patchelf")).exit() == 0,
        "patchelf is needed to build the bundle (apt-get install patchelf)");
    assumeTrue(
        run(List.of("sh", "-c", "ldd /bin/busybox 2>&1 | grep -q 'not a dynamic'")).exit() == 0,
        "a static /bin/busybox is needed for the chroot (apt-get install busybox-static)");
    Path root = Path.of("target", name).toAbsolutePath();
    run(List.of("sh", "-c", "umount " + root.resolve("proc") + " 2>/dev/null; rm -rf " + root));
    Path script = Path.of("src", "bundle", "build-bundle.sh").toAbsolutePath();
    var result =
        run(
            List.of(
                script.toString(),
                InjectorProcess.jar().toAbsolutePath().toString(),
                root.toString(),
                HOME),
            settings);
    assertThat(result.exit()).as(result.output()).isZero();
    Files.createDirectories(root.resolve("bin"));
    Files.copy(Path.of("/bin/busybox"), root.resolve("bin/busybox"));
    for (String applet :
        List.of("sh", "env", "true", "sleep", "echo", "printf", "tr", "ls", "grep", "cat")) {
      Files.createSymbolicLink(root.resolve("bin").resolve(applet), Path.of("busybox"));
    }
    Files.createDirectories(root.resolve("run"));
    Files.createDirectories(root.resolve("proc"));
    run(List.of("mount", "-t", "proc", "proc", root.resolve("proc").toString()));
    return new BundleRoot(root);
  }

  /** The bundle's directory on the host. */
  Path home() {
    return root.resolve(HOME.substring(1));
  }

  /** {@code chroot <root> <bundle java> @launch.args <args>} with exactly {@code env}. */
  Result inChroot(Map<String, String> env, String... args) throws Exception {
    return finish(start(env, List.of(args)));
  }

  ProcessBuilder start(Map<String, String> env, List<String> args) {
    List<String> command =
        new ArrayList<>(
            List.of("chroot", root.toString(), HOME + "/bin/java", "@" + HOME + "/launch.args"));
    command.addAll(args);
    ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
    builder.environment().clear();
    builder.environment().putAll(env);
    builder.environment().put("PATH", env.getOrDefault("PATH", "/bin:/usr/sbin:/usr/bin:/sbin"));
    return builder;
  }

  static Result finish(ProcessBuilder builder) throws Exception {
    Process process = builder.start();
    String output = new String(process.getInputStream().readAllBytes());
    assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
    return new Result(process.exitValue(), output);
  }

  static Result run(List<String> command) throws Exception {
    return run(command, Map.of());
  }

  static Result run(List<String> command, Map<String, String> env) throws Exception {
    ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
    builder.environment().putAll(env);
    Process process = builder.start();
    String output = new String(process.getInputStream().readAllBytes());
    process.waitFor(300, TimeUnit.SECONDS);
    return new Result(process.exitValue(), output);
  }

  @Override
  public void close() throws Exception {
    run(List.of("umount", root.resolve("proc").toString()));
  }
}
