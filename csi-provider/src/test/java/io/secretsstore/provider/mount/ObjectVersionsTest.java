package io.secretsstore.provider.mount;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The object-version key is the provider's alone (issue 14 item 9): real files in a temp directory,
 * each unsafe one planted the way another user of a shared directory could, and refused.
 */
class ObjectVersionsTest {

  static final FileRequest.SecretSource SOURCE =
      new FileRequest.SecretSource("secret/data/app", OptionalInt.empty(), "GET", Map.of());

  @TempDir Path dir;

  static int uid() throws IOException {
    return (Integer) Files.getAttribute(Path.of("/proc/self"), "unix:uid");
  }

  static String refusal(Path file, String reason) throws IOException {
    return "Refusing the object-version key file "
        + file
        + " (secrets-store.provider.object-version-key-file): "
        + reason
        + "; it must be a regular file of 32 bytes owned by uid "
        + uid()
        + " with mode 0600. Find out who put it there, then remove it (with the chart: delete the"
        + " provider pod, whose emptyDir holds it); a new key is created at start and every mounted"
        + " file is rewritten once";
  }

  /** A key file that would be accepted if it were at the key path: ours, 0600, 32 bytes. */
  Path validKey(String name) throws IOException {
    Path file = dir.resolve(name);
    Files.write(file, new byte[32]);
    Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
    return file;
  }

  @Test
  void aFreshKeyIsCreated0600InA0700DirectoryAndKeptAcrossRestarts() throws Exception {
    Path key = dir.resolve("state/object-version.key");
    ObjectVersions first = ObjectVersions.fromKeyFile(key);

    Map<String, Object> attributes =
        Files.readAttributes(key, "unix:mode,uid,size,isRegularFile", LinkOption.NOFOLLOW_LINKS);
    assertThat(attributes.get("isRegularFile")).isEqualTo(true);
    assertThat((Integer) attributes.get("mode") & 07777).isEqualTo(0600);
    assertThat(attributes.get("uid")).isEqualTo(uid());
    assertThat(attributes.get("size")).isEqualTo(32L);
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(key.getParent())))
        .isEqualTo("rwx------");
    try (var files = Files.list(key.getParent())) {
      assertThat(files.map(p -> p.getFileName().toString())).containsExactly("object-version.key");
    }

    byte[] content = "password".getBytes(StandardCharsets.UTF_8);
    String version = first.versionOf(SOURCE, "k", content);
    assertThat(ObjectVersions.fromKeyFile(key).versionOf(SOURCE, "k", content))
        .as("the same key after a restart")
        .isEqualTo(version)
        .isEqualTo(new ObjectVersions(Files.readAllBytes(key)).versionOf(SOURCE, "k", content));
  }

  @Test
  void aPlantedSymbolicLinkIsRefusedAndLeftAsIs() throws Exception {
    Path attackers = validKey("attackers.key");
    Path key = dir.resolve("object-version.key");
    Files.createSymbolicLink(key, attackers);

    assertThatThrownBy(() -> ObjectVersions.fromKeyFile(key))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage(refusal(key, "it is a symbolic link"));
    assertThat(Files.readSymbolicLink(key)).isEqualTo(attackers);
    assertThat(Files.readAllBytes(attackers)).isEqualTo(new byte[32]);
  }

  @Test
  void aDanglingSymbolicLinkIsRefusedToo() throws Exception {
    Path key = dir.resolve("object-version.key");
    Path elsewhere = dir.resolve("would-be-created");
    Files.createSymbolicLink(key, elsewhere);

    assertThatThrownBy(() -> ObjectVersions.fromKeyFile(key))
        .hasMessage(refusal(key, "it is a symbolic link"));
    assertThat(Files.exists(elsewhere, LinkOption.NOFOLLOW_LINKS)).isFalse();
  }

  @Test
  void aKeyReadableOrWritableByGroupOrOthersIsRefused() throws Exception {
    Path key = validKey("object-version.key");
    Files.setPosixFilePermissions(key, PosixFilePermissions.fromString("rw-r--r--"));
    assertThatThrownBy(() -> ObjectVersions.fromKeyFile(key))
        .hasMessage(refusal(key, "its mode is 0644: group or others may read or write it"));

    Files.setPosixFilePermissions(key, PosixFilePermissions.fromString("rw--w----"));
    assertThatThrownBy(() -> ObjectVersions.fromKeyFile(key))
        .hasMessage(refusal(key, "its mode is 0620: group or others may read or write it"));
  }

  @Test
  void aKeyOwnedByAnotherUidIsRefused() throws Exception {
    assumeTrue(uid() == 0, "giving a file to another uid needs root (CI runs as root)");
    Path key = validKey("object-version.key");
    Files.setAttribute(key, "unix:uid", 65534, LinkOption.NOFOLLOW_LINKS);

    assertThatThrownBy(() -> ObjectVersions.fromKeyFile(key))
        .hasMessage(refusal(key, "it is owned by uid 65534, not by this process"));
  }

  @Test
  void aDirectoryOrAKeyOfTheWrongSizeIsRefused() throws Exception {
    Path directory = Files.createDirectory(dir.resolve("object-version.key"));
    assertThatThrownBy(() -> ObjectVersions.fromKeyFile(directory))
        .hasMessage(refusal(directory, "it is not a regular file"));

    Path shortKey = dir.resolve("short.key");
    Files.write(shortKey, new byte[5]);
    Files.setPosixFilePermissions(shortKey, PosixFilePermissions.fromString("rw-------"));
    assertThatThrownBy(() -> ObjectVersions.fromKeyFile(shortKey))
        .hasMessage(refusal(shortKey, "it has 5 bytes, not 32"));
    assertThat(Files.readAllBytes(shortKey)).hasSize(5);
  }

  /** A symbolic link planted at the temporary name is unlinked, its target never written. */
  @Test
  void aLinkAtTheTemporaryNameIsNotFollowed() throws Exception {
    Path victim = dir.resolve("victim");
    Files.writeString(victim, "victim's");
    Path key = dir.resolve("object-version.key");
    Files.createSymbolicLink(dir.resolve("object-version.key.tmp"), victim);

    ObjectVersions.fromKeyFile(key);

    assertThat(Files.readString(victim)).isEqualTo("victim's");
    assertThat(Files.isSymbolicLink(key)).isFalse();
    assertThat(Files.size(key)).isEqualTo(32);
    assertThat(Files.exists(dir.resolve("object-version.key.tmp"), LinkOption.NOFOLLOW_LINKS))
        .isFalse();
  }
}
