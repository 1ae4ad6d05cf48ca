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
    assertThat(CommandPath.resolve("tool", first + ":" + second)).contains(tool);
    Path earlier = executable(first.resolve("tool"));
    assertThat(CommandPath.resolve("tool", first + ":" + second)).contains(earlier);
    assertThat(CommandPath.resolve("absent", first + ":" + second)).isEmpty();
  }

  @Test
  void aNameWithASlashIsUsedAsIsAndANonExecutableMatchIsReported() throws Exception {
    assertThat(CommandPath.resolve("./run.sh", "/bin")).contains(Path.of("./run.sh"));
    Path plain = Files.writeString(dir.resolve("script"), "echo");
    Files.setPosixFilePermissions(plain, PosixFilePermissions.fromString("rw-r--r--"));
    assertThat(CommandPath.resolve("script", dir.toString())).contains(plain);
  }

  @Test
  void anUnsetPathMeansThePosixDefault() {
    assertThat(CommandPath.resolve("sh", null)).isPresent();
  }

  private static Path executable(Path path) throws Exception {
    Files.writeString(path, "#!/bin/sh\n");
    Files.setPosixFilePermissions(path, PosixFilePermissions.fromString("rwxr-xr-x"));
    return path;
  }
}
