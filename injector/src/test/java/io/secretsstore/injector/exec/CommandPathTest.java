package io.secretsstore.injector.exec;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CommandPathTest {

  @TempDir Path dir;

  @Test
  void searchesPathInOrderLikeAShell() throws Exception {
    Path first = Files.createDirectories(dir.resolve("first"));
    Path second = Files.createDirectories(dir.resolve("second"));
    Path tool = executable(second.resolve("tool"));
    assertThat(CommandPath.resolve("tool", first + ":" + second)).contains(tool.toString());
    Path earlier = executable(first.resolve("tool"));
    assertThat(CommandPath.resolve("tool", first + ":" + second)).contains(earlier.toString());
    assertThat(CommandPath.resolve("absent", first + ":" + second)).isEmpty();
  }

  @Test
  void aNameWithASlashIsUsedAsIsAndANonExecutableMatchIsReported() throws Exception {
    assertThat(CommandPath.resolve("./run.sh", "/bin")).contains("./run.sh");
    Path plain = Files.writeString(dir.resolve("script"), "echo");
    Files.setPosixFilePermissions(plain, PosixFilePermissions.fromString("rw-r--r--"));
    assertThat(CommandPath.resolve("script", dir.toString())).contains(plain.toString());
  }

  @Test
  void anUnsetPathMeansThePosixDefault() {
    assertThat(CommandPath.resolve("sh", null)).isPresent();
  }

  @Test
  void directoriesWithNonAsciiNamesAreSearchedWhateverTheLocale() throws Exception {
    // The JVM of this test may run without a UTF-8 locale; the lookup goes through the C library.
    Path bin = Files.createDirectories(dir.resolve("\u0431\u0438\u043d"));
    Path tool = executable(bin.resolve("t\u00f6\u00f6l"));
    assertThat(CommandPath.resolve("t\u00f6\u00f6l", "/nonexistent:" + bin))
        .contains(tool.toString());
  }

  @Test
  void aDirectoryOfTheCommandsNameIsNotACommand() throws Exception {
    Files.createDirectories(dir.resolve("tool"));
    assertThat(CommandPath.resolve("tool", dir.toString())).isEmpty();
  }

  private static Path executable(Path path) throws Exception {
    Files.writeString(path, "#!/bin/sh\n");
    Files.setPosixFilePermissions(path, PosixFilePermissions.fromString("rwxr-xr-x"));
    return path;
  }
}
