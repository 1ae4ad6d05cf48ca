package io.secretsstore.provider.mount;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SeekableByteChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Base64;
import java.util.Map;
import java.util.Set;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Object versions for {@code MountResponse.object_version}: an HMAC-SHA256 of a file's source and
 * contents under a node-local key. Equal content gives an equal version (so the driver rewrites
 * only what changed), while the version reveals nothing about the content, even a short password
 * &mdash; as long as the key stays secret: versions are on the pod status objects tenants read, and
 * with the key a short password could be guessed offline from its version.
 *
 * <p>So the key file is the provider's alone: created 0600 (exclusively, never through a symbolic
 * link), and at start refused, with one line naming the file and the fix, when it is a symbolic
 * link, not a regular file, owned by another uid, open to group or others, or not 32 bytes long. It
 * is kept (the chart: a memory emptyDir of the provider pod, seen by no other pod) so versions
 * survive a restart of the provider's container.
 */
public final class ObjectVersions {

  private static final Logger log = LoggerFactory.getLogger(ObjectVersions.class);

  /** The property that names the key file, for messages. */
  static final String PROPERTY = "secrets-store.provider.object-version-key-file";

  static final int KEY_BYTES = 32;

  private final SecretKeySpec key;

  public ObjectVersions(byte[] key) {
    this.key = new SecretKeySpec(key.clone(), "HmacSHA256");
  }

  /**
   * Loads the key from {@code file}, or creates it (mode 0600; a missing directory 0700) on first
   * use.
   *
   * @throws IllegalStateException with a one-line message naming the file and the fix, when the
   *     file is not safe to use or cannot be created
   */
  public static ObjectVersions fromKeyFile(Path file) {
    int uid = processUser();
    Map<String, Object> attributes;
    try {
      attributes = Files.readAttributes(file, "unix:*", LinkOption.NOFOLLOW_LINKS);
    } catch (NoSuchFileException e) {
      return new ObjectVersions(create(file));
    } catch (IOException | UnsupportedOperationException e) {
      throw refused(file, "it cannot be examined (" + e + ")", uid);
    }
    if (Boolean.TRUE.equals(attributes.get("isSymbolicLink"))) {
      throw refused(file, "it is a symbolic link", uid);
    }
    if (!Boolean.TRUE.equals(attributes.get("isRegularFile"))) {
      throw refused(file, "it is not a regular file", uid);
    }
    int owner = (Integer) attributes.get("uid");
    if (owner != uid) {
      throw refused(file, "it is owned by uid " + owner + ", not by this process", uid);
    }
    int mode = (Integer) attributes.get("mode") & 07777;
    if ((mode & 077) != 0) {
      throw refused(
          file,
          "its mode is " + String.format("%04o", mode) + ": group or others may read or write it",
          uid);
    }
    // O_NOFOLLOW: a symbolic link swapped in since the check is not followed either.
    try (SeekableByteChannel channel =
        Files.newByteChannel(file, StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS)) {
      ByteBuffer buffer = ByteBuffer.allocate(KEY_BYTES + 1);
      while (buffer.hasRemaining() && channel.read(buffer) >= 0) {
        // until full or end of file
      }
      if (buffer.position() != KEY_BYTES) {
        throw refused(
            file,
            "it has "
                + (buffer.position() > KEY_BYTES ? "more than " + KEY_BYTES : buffer.position())
                + " bytes, not "
                + KEY_BYTES,
            uid);
      }
      return new ObjectVersions(Arrays.copyOf(buffer.array(), KEY_BYTES));
    } catch (IOException e) {
      throw refused(file, "it cannot be read (" + e + ")", uid);
    }
  }

  /**
   * A fresh key, written to a new temporary file (O_CREAT|O_EXCL|O_NOFOLLOW, 0600) renamed into
   * place, so a crash never leaves a short key behind.
   */
  private static byte[] create(Path file) {
    byte[] fresh = new byte[KEY_BYTES];
    new SecureRandom().nextBytes(fresh);
    Path temporary = file.resolveSibling(file.getFileName() + ".tmp");
    try {
      Path dir = file.toAbsolutePath().getParent();
      if (!Files.isDirectory(dir)) {
        Files.createDirectories(
            dir,
            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
      }
      Files.deleteIfExists(temporary); // a crashed start's; unlinks a symbolic link, never follows
      try (SeekableByteChannel channel =
          Files.newByteChannel(
              temporary,
              Set.<OpenOption>of(
                  StandardOpenOption.CREATE_NEW,
                  StandardOpenOption.WRITE,
                  LinkOption.NOFOLLOW_LINKS),
              PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")))) {
        ByteBuffer buffer = ByteBuffer.wrap(fresh);
        while (buffer.hasRemaining()) {
          channel.write(buffer);
        }
      }
      Files.move(temporary, file, StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException | UnsupportedOperationException e) {
      String message =
          "Cannot create the object-version key file "
              + file
              + " ("
              + PROPERTY
              + "): "
              + e
              + "; point "
              + PROPERTY
              + " at a file in a directory only the provider (uid "
              + processUser()
              + ") can write";
      log.error(message);
      throw new IllegalStateException(message, e);
    }
    log.info("Created the object-version key file {} (mode 0600)", file);
    return fresh;
  }

  private static IllegalStateException refused(Path file, String reason, int uid) {
    String message =
        "Refusing the object-version key file "
            + file
            + " ("
            + PROPERTY
            + "): "
            + reason
            + "; it must be a regular file of "
            + KEY_BYTES
            + " bytes owned by uid "
            + uid
            + " with mode 0600. Find out who put it there, then remove it (with the chart: delete"
            + " the provider pod, whose emptyDir holds it); a new key is created at start and every"
            + " mounted file is rewritten once";
    log.error(message);
    return new IllegalStateException(message);
  }

  /** The effective uid: /proc/self belongs to it. */
  static int processUser() {
    try {
      return (Integer) Files.getAttribute(Path.of("/proc/self"), "unix:uid");
    } catch (IOException e) {
      throw new IllegalStateException("cannot tell this process' uid from /proc/self", e);
    }
  }

  /** The version of a file with this source and content. */
  public String versionOf(FileRequest.SecretSource source, String key, byte[] contents) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(this.key);
      for (String part :
          new String[] {
            source.method(),
            source.path(),
            source.version().isPresent() ? Integer.toString(source.version().getAsInt()) : "",
            key == null ? "" : key
          }) {
        byte[] bytes = part.getBytes(StandardCharsets.UTF_8);
        mac.update(ByteBuffer.allocate(4).putInt(bytes.length).array());
        mac.update(bytes);
      }
      mac.update(contents);
      return Base64.getUrlEncoder().withoutPadding().encodeToString(mac.doFinal()).substring(0, 32);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("HmacSHA256 is not available", e);
    }
  }
}
