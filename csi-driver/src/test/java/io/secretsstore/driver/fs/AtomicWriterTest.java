package io.secretsstore.driver.fs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.secretsstore.linux.Directory;
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

  @TempDir Path outside;

  @Test
  void writesAGenerationBehindDataAndVisibleSymlinks() throws Exception {
    String written =
        writer.write(
            target, List.of(file("user", 0640, "alice"), file("password", 0600, "s3cr3t")), null);

    Path generation = current();
    assertThat(generation.getFileName().toString()).isEqualTo(written);
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
    String firstName =
        writer.write(
            target, List.of(file("user", 0644, "alice"), file("old", 0644, "gone soon")), null);
    Path first = current();

    // Same clock instant: the second generation gets a suffix instead of colliding.
    writer.write(target, List.of(file("user", 0644, "bob"), file("new", 0644, "fresh")), firstName);

    Path second = current();
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
    Files.writeString(target.resolve("user"), "left over");
    writer.write(target, List.of(file("user", 0644, "alice")), null);
    assertThat(Files.isSymbolicLink(target.resolve("user"))).isTrue();
    assertThat(Files.readString(target.resolve("user"))).isEqualTo("alice");
  }

  @Test
  void aDirectoryInTheWayFailsTheWriteAndIsLeftAlone() throws Exception {
    Files.createDirectories(target.resolve("user/nested"));
    assertThatThrownBy(() -> writer.write(target, List.of(file("user", 0644, "alice")), null))
        .hasMessageContaining("to user failed: Is a directory");
    assertThat(target.resolve("user/nested")).isDirectory();
    assertThat(target.resolve("..tmp_user")).doesNotExist();
  }

  // ------------------------------------------------ a root container that rearranged the volume

  @Test
  void aPlantedDataSymlinkPointingOutsideIsNeitherFollowedNorDeleted() throws Exception {
    Path victim = Files.createDirectories(outside.resolve("other-pods-volume"));
    Files.writeString(victim.resolve("secret"), "someone else's");
    Files.createSymbolicLink(target.resolve("..data"), victim);
    Path relative = target.relativize(victim);

    // The driver knows no generation (e.g. it restarted): ..data's target is not one of ours.
    writer.write(target, List.of(file("user", 0644, "alice")), null);
    Files.delete(target.resolve("..data"));
    Files.createSymbolicLink(target.resolve("..data"), relative);
    String second = writer.write(target, List.of(file("user", 0644, "bob")), null);

    assertThat(Files.readString(victim.resolve("secret"))).isEqualTo("someone else's");
    assertThat(Files.readSymbolicLink(target.resolve("..data"))).isEqualTo(Path.of(second));
    assertThat(Files.readString(target.resolve("user"))).isEqualTo("bob");
  }

  @Test
  void aGenerationReplacedByASymlinkIsUnlinkedNotFollowed() throws Exception {
    Path victim = Files.createDirectories(outside.resolve("node-dir"));
    Files.writeString(victim.resolve("keep"), "node data");
    String first = writer.write(target, List.of(file("user", 0644, "alice")), null);
    // The pod swaps the generation the driver remembers for a symlink to a node directory.
    AtomicWriter.deleteTree(Directory.open(target), first, 0);
    Files.createSymbolicLink(target.resolve(first), victim);

    writer.write(target, List.of(file("user", 0644, "bob")), first);

    assertThat(Files.readString(victim.resolve("keep"))).isEqualTo("node data");
    assertThat(target.resolve(first)).doesNotExist();
    assertThat(Files.readString(target.resolve("user"))).isEqualTo("bob");
  }

  @Test
  void aPlantedVisibleSymlinkIsReplacedNotWrittenThrough() throws Exception {
    Path victim = Files.writeString(outside.resolve("passwd"), "root:x:0:0");
    Files.createSymbolicLink(target.resolve("user"), victim);
    writer.write(target, List.of(file("user", 0644, "alice")), null);
    assertThat(Files.readString(victim)).isEqualTo("root:x:0:0");
    assertThat(Files.readSymbolicLink(target.resolve("user"))).isEqualTo(Path.of("..data/user"));
  }

  @ParameterizedTest
  @ValueSource(strings = {"/abs", "../x", "..2026_11_25_10_00_00.000000000/..", "gen", "..data"})
  void onlyASingleRelativeStampNameCountsAsAGeneration(String link) {
    assertThat(AtomicWriter.isGenerationName(link)).isFalse();
    assertThat(AtomicWriter.isGenerationName("..2026_11_25_10_00_00.000000000_2")).isTrue();
  }

  @ParameterizedTest
  @ValueSource(strings = {"", ".", "..", "..data", "..anything", "a/b", "/abs", "../x", "a\0b"})
  void refusesNamesThatEscapeOrCollideWithTheLayout(String name) {
    assertThatThrownBy(() -> writer.write(target, List.of(file(name, 0644, "x")), null))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("is not allowed");
    assertThat(target.resolve("..data")).doesNotExist();
  }

  @Test
  void refusesDuplicatesAndSpecialModeBitsBeforeWritingAnything() throws Exception {
    assertThatThrownBy(
            () -> writer.write(target, List.of(file("a", 0644, "1"), file("a", 0644, "2")), null))
        .hasMessageContaining("'a' twice");
    assertThatThrownBy(() -> writer.write(target, List.of(file("tool", 04755, "x")), null))
        .hasMessageContaining("mode 4755");
    try (Stream<Path> entries = Files.list(target)) {
      assertThat(entries).isEmpty();
    }
  }

  @Test
  void controlCharactersInRefusedNamesAreNotEchoed() {
    assertThatThrownBy(() -> writer.write(target, List.of(file("bad\nname/x", 0644, "x")), null))
        .hasMessageContaining("'bad?name/x'");
  }

  private Path current() throws Exception {
    return target.resolve(Files.readSymbolicLink(target.resolve("..data")));
  }

  private static VolumeFile file(String name, int mode, String contents) {
    return new VolumeFile(name, mode, contents.getBytes(StandardCharsets.UTF_8));
  }

  private static String mode(Path path) throws Exception {
    return PosixFilePermissions.toString(Files.getPosixFilePermissions(path));
  }
}
