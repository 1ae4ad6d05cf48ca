package io.secretsstore.injector.resolve;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;
import java.util.TreeMap;

/**
 * Where the {@code file} template function puts values: one directory per injector start, created
 * with a random name and mode {@code 0700} (so nobody else can have prepared it or read it), in
 * {@code /dev/shm} when the node has it; one file per variable ({@code <dir>/<VARIABLE>}, mode
 * {@code 0600}), so the path a variable holds is the same at every check of a watch mode. Checks
 * ({@link #forChecks}) compute the same paths without writing anything.
 */
public final class SecretFiles {

  private final Path base;
  private final boolean write;
  private Path directory;

  /** What was stored since the last {@link #digestInto}, by path. */
  private final Map<String, String> stored = new TreeMap<>();

  private SecretFiles(Path base, boolean write, Path directory) {
    this.base = base;
    this.write = write;
    this.directory = directory;
  }

  /** Files under {@code base}, written when a template asks for one. */
  public static SecretFiles under(Path base) {
    return new SecretFiles(base, true, null);
  }

  /** The default place: {@code /dev/shm}, else the temporary directory. */
  public static SecretFiles inMemory() {
    Path shm = Path.of("/dev/shm");
    return under(Files.isDirectory(shm) ? shm : Path.of(System.getProperty("java.io.tmpdir")));
  }

  /** The same paths, nothing written: for the checks of watch-for-data. */
  public SecretFiles forChecks() {
    return new SecretFiles(base, false, directory == null ? base.resolve("unwritten") : directory);
  }

  /**
   * Stores {@code value} for {@code variable} (its {@code index}-th {@code file} call) and returns
   * the path.
   */
  String store(String variable, int index, String value) throws IOException {
    if (directory == null) {
      directory =
          Files.createTempDirectory(
              base,
              "secrets-store-",
              PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
    }
    Path file = directory.resolve(fileName(variable) + (index == 0 ? "" : "." + (index + 1)));
    if (write) {
      // The directory is ours alone (0700, random name): a plain create cannot be redirected.
      Files.write(
          file,
          value.getBytes(StandardCharsets.UTF_8),
          StandardOpenOption.CREATE_NEW,
          StandardOpenOption.WRITE,
          LinkOption.NOFOLLOW_LINKS);
      Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
    }
    stored.put(file.toString(), value);
    return file.toString();
  }

  /** Feeds the files stored since the last call (path and content) into a digest (if any). */
  void digestInto(MessageDigest digest) {
    for (var entry : stored.entrySet()) {
      if (digest != null) {
        digest.update(entry.getKey().getBytes(StandardCharsets.UTF_8));
        digest.update((byte) 0);
        digest.update(entry.getValue().getBytes(StandardCharsets.UTF_8));
        digest.update((byte) 0);
      }
    }
    stored.clear();
  }

  /** The directory, once a file was stored. */
  public java.util.Optional<Path> directory() {
    return java.util.Optional.ofNullable(write ? directory : null);
  }

  /** Removes the directory and its files (watch modes, after the application ended). */
  public void delete() {
    if (!write || directory == null) {
      return;
    }
    try (var files = Files.list(directory)) {
      for (Path file : files.toList()) {
        Files.deleteIfExists(file);
      }
      Files.deleteIfExists(directory);
    } catch (IOException e) {
      // Best effort: the pod's memory volume goes away with the pod.
    }
  }

  /** A file name for any variable name: unusual characters replaced, a hash keeps it unique. */
  static String fileName(String variable) {
    StringBuilder name = new StringBuilder();
    for (int i = 0; i < variable.length(); i++) {
      char c = variable.charAt(i);
      boolean plain =
          (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
      name.append(plain ? c : '_');
    }
    if (name.toString().equals(variable) && !variable.isEmpty()) {
      return variable;
    }
    try {
      byte[] hash =
          MessageDigest.getInstance("SHA-256").digest(variable.getBytes(StandardCharsets.UTF_8));
      return name + "-" + HexFormat.of().formatHex(hash, 0, 4);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
