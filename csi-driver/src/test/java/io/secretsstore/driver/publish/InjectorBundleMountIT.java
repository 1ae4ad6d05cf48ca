package io.secretsstore.driver.publish;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.grpc.Status;
import io.secretsstore.driver.fs.MountTable;
import io.secretsstore.linux.Mounts;
import java.io.IOException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The injector's CSI delivery on the real kernel (root): the bundle bind-mounted read-only, {@code
 * nosuid,nodev} at a kubelet-style target, idempotent, recognised and removed at unpublish by the
 * kernel's identity of the mount, and refused with nothing left behind for a wrong request.
 */
class InjectorBundleMountIT {

  static final Path BASE = Path.of("target", "injector-bundle-it").toAbsolutePath();

  Path bundle;
  Path target;
  Path hostTarget;
  InjectorBundleMount mounts;
  final MountTable table = MountTable.ofThisProcess();

  @BeforeEach
  void setUp() throws IOException {
    assumeTrue("root".equals(System.getProperty("user.name")), "bind mounts need root");
    cleanUp();
    bundle = Files.createDirectories(BASE.resolve("bundle"));
    Files.createDirectories(bundle.resolve("bin"));
    Files.writeString(bundle.resolve("bin/java"), "#!/bin/sh\n");
    Files.setPosixFilePermissions(
        bundle.resolve("bin/java"), PosixFilePermissions.fromString("rwxr-xr-x"));
    Files.writeString(bundle.resolve("launch.args"), "-cp\n/secrets-store/injector/app\n");
    // kubelet's directory as a node plugin sees it (mounted Bidirectional: shared), and the
    // host's view of it, a peer: what the driver mounts must reach the host with its flags.
    Path pods = Files.createDirectories(BASE.resolve("pods"));
    Mounts.mountTmpfs(pods, 1024 * 1024, 0755);
    Mounts.setPropagation(pods, Mounts.MS_SHARED);
    Mounts.mount(
        pods.toString(), Files.createDirectories(BASE.resolve("host")), null, Mounts.MS_BIND, null);
    target = pods.resolve("uid-1/volumes/kubernetes.io~csi/injector/mount");
    hostTarget = BASE.resolve("host").resolve(pods.relativize(target));
    mounts = new InjectorBundleMount(bundle, table);
  }

  @AfterEach
  void cleanUp() throws IOException {
    for (int round = 0; round < 10; round++) {
      List<String> points = mountPointsUnder(BASE);
      if (points.isEmpty()) {
        break;
      }
      for (String point : points.reversed()) {
        Mounts.unmount(Path.of(point));
      }
    }
    if (Files.exists(BASE)) {
      try (var files = Files.walk(BASE)) {
        files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      }
    }
  }

  @Test
  void theBundleIsBindMountedReadOnlyNosuidNodevOnceAndRemovedAtUnpublish() throws Exception {
    mounts.publish(target, Map.of(InjectorBundleMount.ATTRIBUTE, "v1"));
    mounts.publish(target, Map.of(InjectorBundleMount.ATTRIBUTE, "v1"));

    assertThat(target.resolve("launch.args"))
        .hasSameTextualContentAs(bundle.resolve("launch.args"));
    List<String> lines = mountLines(target);
    assertThat(lines).as("a repeated publish mounts nothing more").hasSize(1);
    List<String> options = List.of(lines.getFirst().split(" ")[5].split(","));
    assertThat(options).contains("ro", "nosuid", "nodev").doesNotContain("noexec");
    assertThat(mountLines(hostTarget)).as("the host's copy").hasSize(1);
    assertThat(List.of(mountLines(hostTarget).getFirst().split(" ")[5].split(",")))
        .as("the host's copy, where the container runtime binds it from")
        .contains("ro", "nosuid", "nodev")
        .doesNotContain("noexec");
    assertThatThrownBy(() -> Files.writeString(target.resolve("added"), "x"))
        .isInstanceOf(FileSystemException.class);
    assertThat(bundle.resolve("added")).doesNotExist();

    assertThat(table.unmountAll(target)).isEqualTo(1);
    Files.delete(target);
    assertThat(mountLines(target)).isEmpty();
    assertThat(mountLines(hostTarget)).as("unmounted on the host too").isEmpty();
    assertThat(bundle.resolve("launch.args")).exists();
    assertThat(table.unmountAll(target)).as("idempotent").isZero();
  }

  /**
   * A restarted driver container's bundle directory is a new mount (overlayfs gives every container
   * its own device), so the bundle's identity no longer matches what its predecessor bound. kubelet
   * republishes (requiresRepublish) and unpublishes those volumes: a republish must not stack a
   * second mount, and the unpublish must remove the predecessor's mount — before, it was neither
   * the bundle "by identity" nor a tmpfs, the target was refused as "not mounted by this driver and
   * not empty", and the pod stayed Terminating.
   */
  @Test
  void aRestartedDriverStacksNothingOnItsPredecessorsBundleMountAndRemovesIt() throws Exception {
    mounts.publish(target, Map.of(InjectorBundleMount.ATTRIBUTE, "v1"));
    // The restarted container: the same path, another mount of the same content.
    Path copy = Files.createDirectories(BASE.resolve("bundle-of-the-new-container"));
    Files.createDirectories(copy.resolve("bin"));
    Files.copy(bundle.resolve("bin/java"), copy.resolve("bin/java"));
    Files.copy(bundle.resolve("launch.args"), copy.resolve("launch.args"));
    Path restartedBundle = Files.createDirectories(BASE.resolve("restarted"));
    Mounts.mount(copy.toString(), restartedBundle, null, Mounts.MS_BIND, null);
    InjectorBundleMount restarted = new InjectorBundleMount(restartedBundle, table);

    restarted.publish(target, Map.of(InjectorBundleMount.ATTRIBUTE, "v1"));

    assertThat(mountLines(target)).as("the republish stacks no second mount").hasSize(1);
    assertThat(table.unmountAll(target)).isEqualTo(1);
    Files.delete(target);
    assertThat(mountLines(target)).isEmpty();
    assertThat(mountLines(hostTarget)).as("unmounted on the host too").isEmpty();
  }

  @Test
  void aDirectoryThatIsNoMountIsNotUnmounted() throws Exception {
    Files.createDirectories(target);
    assertThat(table.unmountAll(target)).isZero();
    assertThat(target).exists();
  }

  @Test
  void wrongRequestsAreRefusedAndMountNothing() throws Exception {
    assertThatThrownBy(() -> mounts.publish(target, Map.of(InjectorBundleMount.ATTRIBUTE, "v9")))
        .isInstanceOfSatisfying(
            PublishException.class,
            e -> {
              assertThat(e.status()).isEqualTo(Status.Code.INVALID_ARGUMENT);
              assertThat(e.getMessage()).contains("v9").contains("[v1]");
            });
    assertThatThrownBy(
            () ->
                mounts.publish(
                    target,
                    Map.of(InjectorBundleMount.ATTRIBUTE, "v1", "secretsStoreImport", "db")))
        .isInstanceOfSatisfying(
            PublishException.class,
            e -> assertThat(e.status()).isEqualTo(Status.Code.INVALID_ARGUMENT));
    InjectorBundleMount withoutBundle =
        new InjectorBundleMount(Files.createDirectories(BASE.resolve("empty")), table);
    assertThatThrownBy(
            () -> withoutBundle.publish(target, Map.of(InjectorBundleMount.ATTRIBUTE, "v1")))
        .isInstanceOfSatisfying(
            PublishException.class,
            e -> {
              assertThat(e.status()).isEqualTo(Status.Code.FAILED_PRECONDITION);
              assertThat(e.errorType()).isEqualTo("no_injector_bundle");
            });
    assertThat(mountLines(target)).isEmpty();
    assertThat(target).doesNotExist();
  }

  /** Mount points at or under {@code dir}, parents first. */
  private static List<String> mountPointsUnder(Path dir) throws IOException {
    String prefix = dir.toString();
    return Files.readAllLines(Path.of("/proc/self/mountinfo")).stream()
        .map(line -> line.split(" ")[4])
        .filter(p -> p.equals(prefix) || p.startsWith(prefix + "/"))
        .toList();
  }

  /** The lines of /proc/self/mountinfo whose mount point is {@code path}. */
  private static List<String> mountLines(Path path) throws IOException {
    String point = path.toAbsolutePath().normalize().toString();
    return Files.readAllLines(Path.of("/proc/self/mountinfo")).stream()
        .filter(line -> line.split(" ")[4].equals(point))
        .toList();
  }
}
