package io.secretsstore.provider.mount;

import io.secretsstore.model.provider.ErrorCode;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SeekableByteChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.Optional;

/**
 * Reads an upstream {@code vaultCACertPath}: a path a SecretProviderClass author chose, read by the
 * provider. Only a regular file directly or deeper under the configured {@code ca-cert-dir},
 * reached without following a symlink, of at most {@value #MAX_BYTES} bytes; without a configured
 * directory the parameter is refused. Nothing is read before every check passed.
 */
public final class CaCertFiles {

  static final int MAX_BYTES = 256 * 1024;

  private static final String SETTING = "secrets-store.provider.ca-cert-dir";

  private final Optional<Path> directory;

  public CaCertFiles(Optional<Path> directory) {
    this.directory = directory.map(d -> d.toAbsolutePath().normalize());
  }

  /** The PEM text of {@code requested}, or a refusal naming the rule. */
  public String read(String requested) {
    if (directory.isEmpty()) {
      throw refused(
          "vaultCACertPath is not allowed on this cluster ("
              + SETTING
              + " is not set); put the PEM into vaultCACert instead");
    }
    Path dir = directory.get();
    Path path = Path.of(requested);
    if (!path.isAbsolute()) {
      path = dir.resolve(path);
    }
    path = path.normalize();
    if (!path.startsWith(dir) || path.equals(dir)) {
      throw refused(
          "vaultCACertPath '" + requested + "' is not a file under " + dir + " (" + SETTING + ")");
    }
    // Every component below the directory must be a real directory or, at the end, a regular
    // file: a symlink anywhere could point at any file the provider can read.
    Path current = dir;
    for (Path part : dir.relativize(path)) {
      current = current.resolve(part);
      BasicFileAttributes attributes;
      try {
        attributes =
            Files.readAttributes(current, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
      } catch (IOException e) {
        throw refused("vaultCACertPath '" + requested + "' does not exist under " + dir);
      }
      boolean last = current.equals(path);
      if (attributes.isSymbolicLink()
          || (last && !attributes.isRegularFile())
          || (!last && !attributes.isDirectory())) {
        throw refused(
            "vaultCACertPath '"
                + requested
                + "' must be a regular file under "
                + dir
                + ", reached without symlinks");
      }
    }
    try (SeekableByteChannel channel =
        Files.newByteChannel(path, StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS)) {
      if (channel.size() > MAX_BYTES) {
        throw refused("vaultCACertPath '" + requested + "' is larger than " + MAX_BYTES + " bytes");
      }
      ByteBuffer buffer = ByteBuffer.allocate(MAX_BYTES + 1);
      while (buffer.hasRemaining() && channel.read(buffer) > 0) {
        // read up to the cap; a file that grew past it is refused below
      }
      if (buffer.position() > MAX_BYTES) {
        throw refused("vaultCACertPath '" + requested + "' is larger than " + MAX_BYTES + " bytes");
      }
      return new String(buffer.array(), 0, buffer.position(), StandardCharsets.US_ASCII);
    } catch (IOException e) {
      throw refused(
          "vaultCACertPath '" + requested + "' cannot be read: " + e.getClass().getSimpleName());
    }
  }

  private static MountException refused(String message) {
    return MountException.invalid(ErrorCode.INVALID_PARAMETERS, message);
  }
}
