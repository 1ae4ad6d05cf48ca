package io.secretsstore.driver.state;

import io.secretsstore.linux.Directory;
import io.secretsstore.linux.ErrnoException;
import io.secretsstore.linux.Libc;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import tools.jackson.databind.json.JsonMapper;

/**
 * The driver's restart state: one file per volume in a root-only host directory (0700, outside
 * every pod-visible volume), each authenticated with an HMAC whose key lives in the same directory.
 * Files are read without following symlinks and with a size cap; one bad file never stops the
 * others from loading.
 *
 * <p>File format: the hex HMAC-SHA256 of the JSON, a newline, the JSON of a {@link VolumeRecord}.
 */
public final class VolumeStateStore {

  /** Far above a real record (a few hundred bytes per file of the volume). */
  public static final int MAX_FILE_BYTES = 64 * 1024;

  static final String KEY_FILE = "state.key";
  static final String SUFFIX = ".volume";
  private static final JsonMapper JSON = JsonMapper.builder().build();
  private static final HexFormat HEX = HexFormat.of();

  private final Path dir;
  private final byte[] key;

  private VolumeStateStore(Path dir, byte[] key) {
    this.dir = dir;
    this.key = key;
  }

  /** Creates (or takes over) {@code dir}: root:root 0700, and its HMAC key. */
  public static VolumeStateStore open(Path dir) throws IOException {
    Files.createDirectories(dir);
    try (Directory directory = Directory.open(dir)) {
      directory.chown(0, 0);
      directory.chmod(0700);
      return new VolumeStateStore(dir, key(directory));
    }
  }

  public Path dir() {
    return dir;
  }

  /** Writes {@code record} (temporary file, then rename: a crash leaves the old or the new one). */
  public void save(VolumeRecord record) throws IOException {
    byte[] json = JSON.writeValueAsBytes(record);
    byte[] content =
        (HEX.formatHex(mac(json)) + "\n" + new String(json, StandardCharsets.UTF_8))
            .getBytes(StandardCharsets.UTF_8);
    String name = fileName(record.volumeId());
    String tmp = name + ".tmp";
    try (Directory directory = Directory.open(dir)) {
      directory.deleteFile(tmp);
      directory.createFile(tmp, 0600, content);
      directory.rename(tmp, name);
    }
  }

  public void delete(String volumeId) throws IOException {
    try (Directory directory = Directory.open(dir)) {
      directory.deleteFile(fileName(volumeId));
    }
  }

  /** One state file's outcome: its record, or why it was not usable. */
  public record Loaded(String fileName, VolumeRecord record, String problem) {}

  /** Every state file, each loaded on its own: a bad one yields a problem, not an exception. */
  public List<Loaded> loadAll() throws IOException {
    List<Loaded> loaded = new ArrayList<>();
    try (Directory directory = Directory.open(dir)) {
      for (String name : directory.names()) {
        if (name.endsWith(SUFFIX)) {
          loaded.add(load(directory, name));
        }
      }
    }
    return loaded;
  }

  private Loaded load(Directory directory, String name) {
    try {
      String content = new String(directory.readFile(name, MAX_FILE_BYTES), StandardCharsets.UTF_8);
      int newline = content.indexOf('\n');
      if (newline < 0) {
        return new Loaded(name, null, "not a state file of this driver");
      }
      byte[] json = content.substring(newline + 1).getBytes(StandardCharsets.UTF_8);
      byte[] expected = mac(json);
      byte[] given;
      try {
        given = HEX.parseHex(content.substring(0, newline));
      } catch (IllegalArgumentException e) {
        return new Loaded(name, null, "not a state file of this driver");
      }
      if (!MessageDigest.isEqual(expected, given)) {
        return new Loaded(
            name, null, "its authentication code does not match: not written by this driver");
      }
      VolumeRecord record = JSON.readValue(json, VolumeRecord.class);
      if (record.volumeId() == null || !fileName(record.volumeId()).equals(name)) {
        return new Loaded(name, null, "its volume id does not match its file name");
      }
      return new Loaded(name, record, null);
    } catch (IOException | RuntimeException e) {
      return new Loaded(name, null, e.getMessage());
    }
  }

  /** Volume ids are kubelet's strings: hashed into a fixed, safe file name. */
  static String fileName(String volumeId) {
    try {
      MessageDigest sha = MessageDigest.getInstance("SHA-256");
      return HEX.formatHex(sha.digest(volumeId.getBytes(StandardCharsets.UTF_8))) + SUFFIX;
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  private byte[] mac(byte[] data) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(key, "HmacSHA256"));
      return mac.doFinal(data);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  private static byte[] key(Directory directory) throws IOException {
    try {
      byte[] existing = directory.readFile(KEY_FILE, 64);
      if (existing.length == 32) {
        return existing;
      }
      // Unusable key: a fresh one makes every old state file fail its check, which is safe.
      directory.deleteFile(KEY_FILE);
    } catch (ErrnoException e) {
      if (e.errno() != Libc.ENOENT) {
        throw e;
      }
    }
    byte[] fresh = new byte[32];
    new SecureRandom().nextBytes(fresh);
    directory.createFile(KEY_FILE, 0600, fresh);
    return fresh;
  }
}
