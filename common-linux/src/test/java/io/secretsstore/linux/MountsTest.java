package io.secretsstore.linux;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Real mounts: the tests run as root. */
class MountsTest {

  static final long BUNDLE_FLAGS =
      Mounts.MOUNT_ATTR_RDONLY | Mounts.MOUNT_ATTR_NOSUID | Mounts.MOUNT_ATTR_NODEV;

  @TempDir Path root;

  /** Whatever a failed assertion left mounted under the test directory, deepest first. */
  @AfterEach
  void unmountEverythingLeft() throws IOException {
    for (int round = 0; round < 10; round++) {
      List<String> points = mountPointsUnder(root);
      if (points.isEmpty()) {
        return;
      }
      for (String point : points.reversed()) {
        Mounts.unmount(Path.of(point));
      }
    }
    assertThat(mountPointsUnder(root)).as("mounts left behind").isEmpty();
  }

  @Test
  void mountsASizedTmpfsWithTheModeAskedForAndUnmountsIt() throws Exception {
    Path target = Files.createDirectory(root.resolve("mnt"));
    try {
      Mounts.mountTmpfs(target, 1024 * 1024, 0750);
      assertThat(mountLine(target))
          .contains(" - tmpfs ")
          .contains("nosuid")
          .contains("nodev")
          .contains("noexec");
      assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(target)))
          .isEqualTo("rwxr-x---");
    } finally {
      assertThat(Mounts.unmount(target)).isTrue();
    }
    assertThat(Mounts.unmount(target)).as("not a mount point any more").isFalse();
  }

  /**
   * The defect this fixes, on the real kernel: kubelet's directory is a shared mount whose peer is
   * the host's view. A bind followed by a read-only, nosuid, nodev remount leaves the peer's copy
   * with the source's flags; {@link Mounts#bind} attaches a mount that already has them, so the
   * peer's copy has them too.
   */
  @Test
  void aBindCarriesItsFlagsIntoEveryPropagatedCopyWhereARemountDoesNot() throws Exception {
    Path source = Files.createDirectory(root.resolve("bundle"));
    Files.writeString(source.resolve("launch.args"), "-version\n");
    Path kubelet = Files.createDirectory(root.resolve("kubelet"));
    Path host = Files.createDirectory(root.resolve("host"));
    Mounts.mountTmpfs(kubelet, 1024 * 1024, 0755);
    Mounts.setPropagation(kubelet, Mounts.MS_SHARED);
    Mounts.mount(kubelet.toString(), host, null, Mounts.MS_BIND, null);
    assertThat(mountLine(host)).as("the host's view is a peer").contains(" shared:");

    Path target = Files.createDirectory(kubelet.resolve("new"));
    Mounts.bind(source, target, BUNDLE_FLAGS);

    assertThat(options(target)).contains("ro", "nosuid", "nodev").doesNotContain("noexec");
    assertThat(options(host.resolve("new")))
        .as("the propagated copy")
        .contains("ro", "nosuid", "nodev")
        .doesNotContain("noexec");
    assertThat(host.resolve("new/launch.args")).hasContent("-version");
    assertThatThrownBy(() -> Files.writeString(host.resolve("new/added"), "x"))
        .isInstanceOf(FileSystemException.class);

    Path old = Files.createDirectory(kubelet.resolve("old"));
    Mounts.mount(source.toString(), old, null, Mounts.MS_BIND, null);
    Mounts.mount(
        source.toString(),
        old,
        null,
        Mounts.MS_BIND | Mounts.MS_REMOUNT | Mounts.MS_RDONLY | Mounts.MS_NOSUID | Mounts.MS_NODEV,
        null);
    assertThat(options(old)).contains("ro", "nosuid", "nodev");
    assertThat(options(host.resolve("old")))
        .as("a remount stays in the caller's copy")
        .doesNotContain("nosuid", "nodev");

    // Unmounting the attached mount removes the peer's copy as well.
    assertThat(Mounts.unmount(target)).isTrue();
    assertThat(mountPointsUnder(host)).doesNotContain(host.resolve("new").toString());
    assertThat(source.resolve("launch.args")).exists();
  }

  @Test
  void aFailedBindMountsNothingAndNamesTheCall() throws Exception {
    Path target = Files.createDirectory(root.resolve("target"));
    assertThatThrownBy(() -> Mounts.bind(root.resolve("missing"), target, BUNDLE_FLAGS))
        .isInstanceOfSatisfying(
            ErrnoException.class, e -> assertThat(e.errno()).isEqualTo(Libc.ENOENT))
        .hasMessageContaining("open_tree")
        .hasMessageContaining("missing");
    Path source = Files.createDirectory(root.resolve("source"));
    assertThatThrownBy(() -> Mounts.bind(source, root.resolve("no-target"), BUNDLE_FLAGS))
        .isInstanceOfSatisfying(
            ErrnoException.class, e -> assertThat(e.errno()).isEqualTo(Libc.ENOENT))
        .hasMessageContaining("move_mount");
    assertThat(mountPointsUnder(root)).isEmpty();
  }

  private static List<String> options(Path point) throws IOException {
    return List.of(mountLine(point).split(" ")[5].split(","));
  }

  private static String mountLine(Path point) throws IOException {
    return Files.readAllLines(Path.of("/proc/self/mountinfo")).stream()
        .filter(l -> l.split(" ")[4].equals(point.toString()))
        .reduce((first, last) -> last) // the top one of stacked mounts
        .orElseThrow(() -> new AssertionError("no mount at " + point));
  }

  /** Mount points at or under {@code dir}, in the order of mountinfo (parents first). */
  private static List<String> mountPointsUnder(Path dir) throws IOException {
    String prefix = dir.toString();
    return Files.readAllLines(Path.of("/proc/self/mountinfo")).stream()
        .map(l -> l.split(" ")[4])
        .filter(p -> p.equals(prefix) || p.startsWith(prefix + "/"))
        .toList();
  }
}
