package io.secretsstore.driver.fs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class AtomicWriterTest {

  @TempDir Path target;

  private final AtomicWriter writer =
      new AtomicWriter(Clock.fixed(Instant.parse("2026-11-25T10:00:00Z"), ZoneOffset.UTC));

  @Test
  void writesAGenerationBehindDataAndVisibleSymlinks() throws Exception {
    writer.write(target, List.of(file("user", 0640, "alice"), file("password", 0600, "s3cr3t")));

    Path generation = AtomicWriter.currentGeneration(target);
    assertThat(generation.getFileName().toString()).isEqualTo("..2026_11_25_10_00_00.000000000");
    assertThat(Files.readSymbolicLink(target.resolve("..data")))
        .isEqualTo(generation.getFileName());
    assertThat(Files.readSymbolicLink(target.resolve("user"))).isEqualTo(Path.of("..data/user"));
    assertThat(Files.readString(target.resolve("user"))).isEqualTo("alice");
    assertThat(mode(generation.resolve("user"))).isEqualTo("rw-r-----");
    assertThat(mode(generation.resolve("password"))).isEqualTo("rw-------");
    assertThat(mode(generation)).isEqualTo("rwxr-xr-x");
  }

  @Test
  void aNewGenerationReplacesTheOldOneAndDropsNamesNoLongerServed() throws Exception {
    writer.write(target, List.of(file("user", 0644, "alice"), file("old", 0644, "gone soon")));
    Path first = AtomicWriter.currentGeneration(target);

    // Same clock instant: the second generation gets a suffix instead of colliding.
    writer.write(target, List.of(file("user", 0644, "bob"), file("new", 0644, "fresh")));

    Path second = AtomicWriter.currentGeneration(target);
    assertThat(second).isNotEqualTo(first);
    assertThat(first).doesNotExist();
    assertThat(Files.readString(target.resolve("user"))).isEqualTo("bob");
    assertThat(Files.readString(target.resolve("new"))).isEqualTo("fresh");
    assertThat(target.resolve("old")).doesNotExist();
    try (Stream<Path> entries = Files.list(target)) {
      assertThat(entries.map(p -> p.getFileName().toString()))
          .containsExactlyInAnyOrder("..data", second.getFileName().toString(), "user", "new");
    }
  }

  @Test
  void aFileTheWriterDidNotCreateIsReplacedByTheLink() throws Exception {
    Files.createDirectories(target.resolve("user/nested"));
    writer.write(target, List.of(file("user", 0644, "alice")));
    assertThat(Files.isSymbolicLink(target.resolve("user"))).isTrue();
    assertThat(Files.readString(target.resolve("user"))).isEqualTo("alice");
  }

  @ParameterizedTest
  @ValueSource(strings = {"", ".", "..", "..data", "..anything", "a/b", "/abs", "../x", "a\0b"})
  void refusesNamesThatEscapeOrCollideWithTheLayout(String name) {
    assertThatThrownBy(() -> writer.write(target, List.of(file(name, 0644, "x"))))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("is not allowed");
    assertThat(target.resolve("..data")).doesNotExist();
  }

  @Test
  void refusesDuplicatesAndSpecialModeBitsBeforeWritingAnything() throws Exception {
    assertThatThrownBy(
            () -> writer.write(target, List.of(file("a", 0644, "1"), file("a", 0644, "2"))))
        .hasMessageContaining("'a' twice");
    assertThatThrownBy(() -> writer.write(target, List.of(file("tool", 04755, "x"))))
        .hasMessageContaining("mode 4755");
    try (Stream<Path> entries = Files.list(target)) {
      assertThat(entries).isEmpty();
    }
  }

  @Test
  void controlCharactersInRefusedNamesAreNotEchoed() {
    assertThatThrownBy(() -> writer.write(target, List.of(file("bad\nname/x", 0644, "x"))))
        .hasMessageContaining("'bad?name/x'");
  }

  private static VolumeFile file(String name, int mode, String contents) {
    return new VolumeFile(name, mode, contents.getBytes(StandardCharsets.UTF_8));
  }

  private static String mode(Path path) throws Exception {
    return PosixFilePermissions.toString(Files.getPosixFilePermissions(path));
  }
}
