package io.secretsstore.linux;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DirectoryTest {

  @TempDir Path root;

  @Test
  void filesGetExactlyTheirModeAndContent() throws Exception {
    try (Directory dir = Directory.open(root)) {
      dir.createDirectory("gen", 0755);
      try (Directory gen = dir.openDirectory("gen")) {
        gen.createFile("secret", 0640, "value".getBytes());
        gen.createFile("shared", 0666, new byte[0]);
      }
      dir.symlink("secret", "gen/secret");
    }
    assertThat(Files.readString(root.resolve("secret"))).isEqualTo("value");
    assertThat(perms(root.resolve("gen/secret"))).isEqualTo("rw-r-----");
    // The umask (022 here) does not take bits away that were asked for.
    assertThat(perms(root.resolve("gen/shared"))).isEqualTo("rw-rw-rw-");
    assertThat(perms(root.resolve("gen"))).isEqualTo("rwxr-xr-x");
  }

  @Test
  void symlinksInTheWayAreNeverFollowed() throws Exception {
    Path outside = Files.createDirectories(root.resolve("outside"));
    Path volume = Files.createDirectories(root.resolve("volume"));
    Files.createSymbolicLink(volume.resolve("planted-dir"), outside);
    Files.createSymbolicLink(volume.resolve("planted-file"), outside.resolve("victim"));
    try (Directory dir = Directory.open(volume)) {
      assertThatThrownBy(() -> dir.openDirectory("planted-dir")).isInstanceOf(ErrnoException.class);
      assertThatThrownBy(() -> dir.createFile("planted-file", 0644, "x".getBytes()))
          .isInstanceOf(ErrnoException.class)
          .hasMessageContaining("File exists");
      assertThat(dir.readLink("planted-dir")).contains(outside.toString());
      assertThat(dir.readLink("missing")).isEmpty();
      // Deleting a symlink removes the link, never what it points to.
      assertThat(dir.deleteFile("planted-dir")).isTrue();
      assertThat(dir.deleteFile("planted-dir")).isFalse();
    }
    assertThat(outside).isDirectory();
    assertThat(outside.resolve("victim")).doesNotExist();
    assertThatThrownBy(() -> Directory.open(volume.resolve("planted-file")))
        .isInstanceOf(ErrnoException.class);
  }

  @Test
  void renameReplacesAtomicallyAndNamesAreSingleComponents() throws Exception {
    try (Directory dir = Directory.open(root)) {
      dir.symlink("link_tmp", "a");
      dir.symlink("link", "b");
      dir.rename("link_tmp", "link");
      assertThat(dir.readLink("link")).contains("a");
      dir.createDirectory("full", 0700);
      try (Directory full = dir.openDirectory("full")) {
        full.createFile("f", 0600, new byte[] {1});
      }
      assertThatThrownBy(() -> dir.deleteDirectory("full"))
          .isInstanceOf(ErrnoException.class)
          .hasMessageContaining("not empty");
      for (String bad : new String[] {"", ".", "..", "a/b", "/abs"}) {
        assertThatThrownBy(() -> dir.deleteFile(bad)).isInstanceOf(IllegalArgumentException.class);
      }
    }
  }

  @Test
  void errorsNameTheCallThePathAndStrerror() {
    assertThatThrownBy(() -> Directory.open(root.resolve("nope")))
        .isInstanceOf(ErrnoException.class)
        .hasMessage(
            "open " + root.resolve("nope") + " failed: No such file or directory (errno 2)");
    assertThat(Libc.strerror(Libc.EBUSY)).isEqualTo("Device or resource busy");
  }

  private static String perms(Path path) throws Exception {
    return PosixFilePermissions.toString(Files.getPosixFilePermissions(path));
  }

  @Test
  void chownGivesTheDirectoryToAGroup() throws Exception {
    Path shared = Files.createDirectories(root.resolve("shared"));
    try (Directory dir = Directory.open(shared)) {
      dir.chown(0, 65532);
      dir.chmod(0770);
    }
    assertThat(Files.getAttribute(shared, "unix:gid")).isEqualTo(65532);
    assertThat(Files.getAttribute(shared, "unix:uid")).isEqualTo(0);
    assertThat(perms(shared)).isEqualTo("rwxrwx---");
  }

  @Test
  void readFileRefusesSymlinksAndFilesOverTheCap() throws Exception {
    Files.writeString(root.resolve("small"), "12345");
    Files.write(root.resolve("large"), new byte[100]);
    Files.createSymbolicLink(root.resolve("link"), root.resolve("small"));
    try (Directory dir = Directory.open(root)) {
      assertThat(new String(dir.readFile("small", 5))).isEqualTo("12345");
      assertThatThrownBy(() -> dir.readFile("large", 99)).hasMessageContaining("larger than 99");
      assertThatThrownBy(() -> dir.readFile("link", 99))
          .isInstanceOf(ErrnoException.class)
          .hasMessageContaining("symbolic links");
    }
  }
}
