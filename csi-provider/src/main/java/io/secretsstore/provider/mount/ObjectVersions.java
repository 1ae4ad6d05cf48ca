package io.secretsstore.provider.mount;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Base64;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Object versions for {@code MountResponse.object_version}: an HMAC-SHA256 of a file's source and
 * contents under a node-local key. Equal content gives an equal version (so the driver rewrites
 * only what changed), while the version reveals nothing about the content, even a short password.
 *
 * <p>The key lives in a file next to the socket (a tmpfs on most nodes) so versions survive a
 * provider restart; if it cannot be written, an in-memory key is used and a restart costs one
 * rewrite of every mounted file.
 */
public final class ObjectVersions {

  private static final Logger log = LoggerFactory.getLogger(ObjectVersions.class);

  private final SecretKeySpec key;

  public ObjectVersions(byte[] key) {
    this.key = new SecretKeySpec(key.clone(), "HmacSHA256");
  }

  /** Loads the key from {@code file}, creating it (mode 0600) on first use. */
  public static ObjectVersions fromKeyFile(Path file) {
    try {
      if (Files.isRegularFile(file) && Files.size(file) == 32) {
        return new ObjectVersions(Files.readAllBytes(file));
      }
      byte[] fresh = new byte[32];
      new SecureRandom().nextBytes(fresh);
      Files.createDirectories(file.toAbsolutePath().getParent());
      Path temporary = file.resolveSibling(file.getFileName() + ".tmp");
      Files.deleteIfExists(temporary);
      Files.createFile(
          temporary,
          PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
      Files.write(temporary, fresh, StandardOpenOption.WRITE);
      Files.move(temporary, file, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
      return new ObjectVersions(fresh);
    } catch (IOException | UnsupportedOperationException e) {
      log.warn(
          "Cannot keep the object-version key in {} ({}); using a key in memory, so a restart"
              + " rewrites every mounted file once",
          file,
          e.toString());
      byte[] fresh = new byte[32];
      new SecureRandom().nextBytes(fresh);
      return new ObjectVersions(fresh);
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
