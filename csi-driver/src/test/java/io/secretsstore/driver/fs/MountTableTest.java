package io.secretsstore.driver.fs;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MountTableTest {

  @TempDir Path dir;

  @Test
  void readsMountPointsAndFilesystemTypesIncludingEscapedNames() throws Exception {
    Path mountInfo = dir.resolve("mountinfo");
    Files.writeString(
        mountInfo,
        """
        22 1 8:1 / / rw,relatime shared:1 - ext4 /dev/sda1 rw
        90 22 0:50 / /var/lib/kubelet/pods/uid-1/volumes/kubernetes.io~csi/secrets/mount \
        rw,nosuid,nodev,noexec,relatime - tmpfs tmpfs rw,size=16384k,mode=755
        91 22 0:51 / /var/lib/kubelet/pods/uid-2/volumes/kubernetes.io~csi/with\\040space/mount \
        rw,relatime - tmpfs tmpfs rw
        92 22 0:52 / /var/lib/kubelet/pods/uid-3/volumes/kubernetes.io~empty-dir/cache \
        rw,relatime - ext4 /dev/sda1 rw
        93 22 0:53 / /elsewhere rw,relatime - tmpfs tmpfs rw
        """);
    MountTable table = new MountTable(mountInfo);

    Path first = Path.of("/var/lib/kubelet/pods/uid-1/volumes/kubernetes.io~csi/secrets/mount");
    Path spaced = Path.of("/var/lib/kubelet/pods/uid-2/volumes/kubernetes.io~csi/with space/mount");
    assertThat(table.isTmpfsMountPoint(first)).isTrue();
    assertThat(table.isTmpfsMountPoint(spaced)).isTrue();
    assertThat(
            table.isTmpfsMountPoint(
                Path.of("/var/lib/kubelet/pods/uid-3/volumes/kubernetes.io~empty-dir/cache")))
        .isFalse();
    assertThat(table.tmpfsMountsUnder(Path.of("/var/lib/kubelet/pods")))
        .containsExactly(first, spaced);
  }

  @Test
  void aMountPointIsTheFifthFieldOfItsLineAndTheLastMountThereWins() throws Exception {
    Path mountInfo = dir.resolve("mountinfo");
    Files.writeString(
        mountInfo,
        """
        22 1 8:1 / / rw,relatime shared:1 - ext4 /dev/sda1 rw
        30 22 0:40 /p/mount /bound rw,relatime - ext4 /dev/sda1 rw
        31 22 0:41 / /p/mount2 rw,relatime - tmpfs tmpfs rw
        40 22 0:42 / /stacked rw,relatime - tmpfs tmpfs rw
        41 40 8:1 /x /stacked rw,relatime shared:7 master:2 - ext4 /dev/sda1 rw
        50 22 8:1 /y /covered rw,relatime - ext4 /dev/sda1 rw
        51 50 0:43 / /covered rw,relatime - tmpfs tmpfs rw
        60 22 0:44 / /with\\134back\\011tab rw - tmpfs tmpfs rw""");
    MountTable table = new MountTable(mountInfo);

    // "/p/mount" is only another mount's root (field 4), and only a prefix of "/p/mount2".
    assertThat(table.isMountPoint(Path.of("/p/mount"))).isFalse();
    assertThat(table.isTmpfsMountPoint(Path.of("/p/mount2"))).isTrue();
    assertThat(table.isTmpfsMountPoint(Path.of("/stacked"))).isFalse();
    assertThat(table.isMountPoint(Path.of("/stacked"))).isTrue();
    assertThat(table.isTmpfsMountPoint(Path.of("/covered"))).isTrue();
    assertThat(table.isTmpfsMountPoint(Path.of("/with\\back\ttab"))).isTrue(); // last line
    assertThat(table.isMountPoint(Path.of("/"))).isTrue();
    assertThat(table.isMountPoint(Path.of("/nothing"))).isFalse();
  }

  @Test
  void theLookupOfOneMountPointAgreesWithTheParsedLiveTable() throws Exception {
    // One copy of the live table: other builds on the machine mount and unmount meanwhile.
    Path copy = dir.resolve("live-mountinfo");
    Files.write(copy, Files.readAllBytes(Path.of("/proc/self/mountinfo")));
    MountTable table = new MountTable(copy);
    Map<Path, String> last = new LinkedHashMap<>();
    table.entries().forEach(entry -> last.put(entry.mountPoint(), entry.fsType()));
    last.forEach(
        (point, type) -> assertThat(table.typeAt(point)).as(point.toString()).isEqualTo(type));
  }

  @Test
  void unescapesOctalSequencesTheKernelWrites() {
    assertThat(MountTable.unescape("a\\040b\\011c\\134d")).isEqualTo("a b\tc\\d");
    assertThat(MountTable.unescape("plain")).isEqualTo("plain");
  }

  @Test
  void theLiveTableOfThisProcessHasARoot() {
    assertThat(MountTable.ofThisProcess().entries())
        .anySatisfy(entry -> assertThat(entry.mountPoint()).isEqualTo(Path.of("/")));
  }
}
