package io.secretsstore.driver.fs;

import io.secretsstore.model.crd.SsiPatterns;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermission;
import java.time.Clock;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

/**
 * Writes a set of files into a volume so that readers never see a partial set, the way kubelet
 * writes Secret volumes:
 *
 * <pre>
 * target/
 *   ..2026_11_24_10_15_30.123456789/   the current generation (real files)
 *   ..data -> ..2026_11_24_10_15_30.123456789
 *   db-password -> ..data/db-password  (visible names are symlinks)
 * </pre>
 *
 * A new generation is written completely into a fresh directory, then {@code ..data} is replaced
 * with one {@code rename(2)}; the previous generation is deleted right after, so a rotated value
 * does not linger. Names starting with {@code ..} are reserved for this layout.
 */
public final class AtomicWriter {

  public static final String DATA_LINK = "..data";
  private static final String DATA_LINK_TMP = "..data_tmp";
  private static final String GENERATION_PREFIX = "..";
  private static final DateTimeFormatter GENERATION_FORMAT =
      DateTimeFormatter.ofPattern("yyyy_MM_dd_HH_mm_ss.nnnnnnnnn");

  private final Clock clock;

  public AtomicWriter(Clock clock) {
    this.clock = clock;
  }

  /**
   * Checks every name before anything is written: the CRD's name pattern, no {@code /}, not {@code
   * .}/{@code ..}, not reserved ({@code ..*}), no duplicates.
   *
   * @throws IllegalArgumentException naming the offending file
   */
  public static void validate(List<VolumeFile> files) {
    Set<String> seen = new HashSet<>();
    for (VolumeFile file : files) {
      String name = file.name();
      if (!SsiPatterns.isSafeFileName(name) || name.startsWith(GENERATION_PREFIX)) {
        throw new IllegalArgumentException(
            "the provider returned the file name '"
                + printable(name)
                + "', which is not allowed: names must match "
                + SsiPatterns.FILE_NAME
                + ", may not contain '/' and may not start with '..'");
      }
      if (!seen.add(name)) {
        throw new IllegalArgumentException(
            "the provider returned the file name '" + name + "' twice");
      }
      if ((file.mode() & ~0777) != 0) {
        throw new IllegalArgumentException(
            "the provider returned mode "
                + Integer.toOctalString(file.mode())
                + " for '"
                + name
                + "'; only permission bits (0-0777) are allowed");
      }
    }
  }

  /** Replaces the volume's content with {@code files}, atomically for readers of {@code ..data}. */
  public void write(Path target, List<VolumeFile> files) throws IOException {
    validate(files);
    Path generation = newGeneration(target);
    boolean swapped = false;
    try {
      for (VolumeFile file : files) {
        Path path = generation.resolve(file.name());
        Files.write(path, file.contents(), StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
        Files.setPosixFilePermissions(path, permissions(file.mode()));
      }
      Files.setPosixFilePermissions(generation, permissions(0755));
      Path previous = currentGeneration(target);
      Path tmpLink = target.resolve(DATA_LINK_TMP);
      Files.deleteIfExists(tmpLink);
      Files.createSymbolicLink(tmpLink, generation.getFileName());
      Files.move(tmpLink, target.resolve(DATA_LINK), StandardCopyOption.ATOMIC_MOVE);
      swapped = true;
      Set<String> names = new HashSet<>();
      for (VolumeFile file : files) {
        names.add(file.name());
        linkVisibleName(target, file.name());
      }
      removeStale(target, names, generation, previous);
    } catch (IOException | RuntimeException e) {
      // Before the swap readers never saw the new generation; after it, it is the current one.
      if (!swapped) {
        deleteTree(generation);
      }
      throw e;
    }
  }

  /** The directory {@code ..data} points to, or null when nothing was written yet. */
  public static Path currentGeneration(Path target) throws IOException {
    Path link = target.resolve(DATA_LINK);
    if (!Files.isSymbolicLink(link)) {
      return null;
    }
    return target.resolve(Files.readSymbolicLink(link));
  }

  private Path newGeneration(Path target) throws IOException {
    String stamp =
        LocalDateTime.ofInstant(clock.instant(), ZoneOffset.UTC).format(GENERATION_FORMAT);
    for (int attempt = 0; ; attempt++) {
      Path candidate =
          target.resolve(GENERATION_PREFIX + stamp + (attempt == 0 ? "" : "_" + attempt));
      try {
        return Files.createDirectory(candidate);
      } catch (FileAlreadyExistsException e) {
        if (attempt > 100) {
          throw e;
        }
      }
    }
  }

  private static void linkVisibleName(Path target, String name) throws IOException {
    Path visible = target.resolve(name);
    Path destination = Path.of(DATA_LINK, name);
    if (Files.isSymbolicLink(visible) && Files.readSymbolicLink(visible).equals(destination)) {
      return;
    }
    // A new name (or anything else squatting on it) is replaced by a symlink, atomically.
    Path tmp = target.resolve(GENERATION_PREFIX + "tmp_" + name);
    Files.deleteIfExists(tmp);
    Files.createSymbolicLink(tmp, destination);
    if (Files.isDirectory(visible, LinkOption.NOFOLLOW_LINKS)) {
      deleteTree(visible);
    }
    Files.move(tmp, visible, StandardCopyOption.ATOMIC_MOVE);
  }

  /** Deletes names no longer served and every generation but the current one. */
  private static void removeStale(Path target, Set<String> names, Path current, Path previous)
      throws IOException {
    try (DirectoryStream<Path> entries = Files.newDirectoryStream(target)) {
      for (Path entry : entries) {
        String name = entry.getFileName().toString();
        if (name.startsWith(GENERATION_PREFIX)) {
          boolean generationDir =
              Files.isDirectory(entry, LinkOption.NOFOLLOW_LINKS) && !entry.equals(current);
          if (generationDir) {
            deleteTree(entry);
          }
        } else if (!names.contains(name) && Files.isSymbolicLink(entry)) {
          Files.deleteIfExists(entry);
        }
      }
    }
    if (previous != null && !previous.equals(current)) {
      deleteTree(previous);
    }
  }

  static void deleteTree(Path root) throws IOException {
    if (!Files.exists(root, LinkOption.NOFOLLOW_LINKS)) {
      return;
    }
    try (Stream<Path> walk = Files.walk(root)) {
      for (Path path : walk.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(path);
      }
    }
  }

  static Set<PosixFilePermission> permissions(int mode) {
    Set<PosixFilePermission> set = EnumSet.noneOf(PosixFilePermission.class);
    PosixFilePermission[] order = {
      PosixFilePermission.OTHERS_EXECUTE,
      PosixFilePermission.OTHERS_WRITE,
      PosixFilePermission.OTHERS_READ,
      PosixFilePermission.GROUP_EXECUTE,
      PosixFilePermission.GROUP_WRITE,
      PosixFilePermission.GROUP_READ,
      PosixFilePermission.OWNER_EXECUTE,
      PosixFilePermission.OWNER_WRITE,
      PosixFilePermission.OWNER_READ
    };
    for (int bit = 0; bit < order.length; bit++) {
      if ((mode & (1 << bit)) != 0) {
        set.add(order[bit]);
      }
    }
    return set;
  }

  /** A hostile name may hold control characters; keep error messages and events readable. */
  private static String printable(String name) {
    if (name == null) {
      return "";
    }
    String cut = name.length() > 100 ? name.substring(0, 100) + "..." : name;
    return cut.replaceAll("\\p{Cntrl}", "?");
  }
}
