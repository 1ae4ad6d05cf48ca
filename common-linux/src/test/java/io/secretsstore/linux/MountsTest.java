package io.secretsstore.linux;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Real mounts: the tests run as root. */
class MountsTest {

  @TempDir Path root;

  @Test
  void mountsASizedTmpfsWithTheModeAskedForAndUnmountsIt() throws Exception {
    Path target = Files.createDirectory(root.resolve("mnt"));
    try {
      Mounts.mountTmpfs(target, 1024 * 1024, 0750);
      String line =
          Files.readAllLines(Path.of("/proc/self/mountinfo")).stream()
              .filter(l -> l.split(" ")[4].equals(target.toString()))
              .findFirst()
              .orElseThrow();
      assertThat(line)
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
}
