package io.secretsstore.driver.fs;

import io.secretsstore.linux.Directory;
import io.secretsstore.linux.ErrnoException;
import io.secretsstore.linux.Libc;
import io.secretsstore.model.crd.SsiPatterns;
import java.io.IOException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.time.Clock;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

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

  private static final Pattern GENERATION_NAME =
      Pattern.compile("^\\.\\.\\d{4}_\\d{2}_\\d{2}_\\d{2}_\\d{2}_\\d{2}\\.\\d{9}(_\\d{1,3})?$");
  private static final int MAX_DEPTH = 8;

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
      if (!SsiPatterns.isSafeVolumeFileName(name) || name.startsWith(GENERATION_PREFIX)) {
        throw new IllegalArgumentException(
            "the provider returned the file name '"
                + printable(name)
                + "', which is not allowed: "
                + SsiPatterns.FILE_NAME_RULE);
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

  /**
   * Replaces the volume's content with {@code files}, atomically for readers of {@code ..data}.
   *
   * <p>Nothing read back from the volume decides what is written or deleted outside of it: every
   * operation goes through a handle of {@code target} (no symlink is followed), files are created
   * with their final mode in one open, and the generation to delete is {@code previous} (the
   * driver's memory) or, when the driver has none, {@code ..data}'s target only if it is a single
   * relative {@code ..<stamp>} name.
   *
   * @param previous the generation this driver wrote last into {@code target}, or null
   * @return the new generation's name, for the caller to remember
   */
  public String write(Path target, List<VolumeFile> files, String previous) throws IOException {
    validate(files);
    try (Directory volume = Directory.open(target)) {
      String generation = newGeneration(volume);
      boolean swapped = false;
      try {
        try (Directory dir = volume.openDirectory(generation)) {
          for (VolumeFile file : files) {
            dir.createFile(file.name(), file.mode(), file.contents());
          }
        }
        String replaced = previous != null ? previous : currentGeneration(volume).orElse(null);
        volume.deleteFile(DATA_LINK_TMP);
        volume.symlink(DATA_LINK_TMP, generation);
        volume.rename(DATA_LINK_TMP, DATA_LINK);
        swapped = true;
        Set<String> names = new HashSet<>();
        for (VolumeFile file : files) {
          names.add(file.name());
          linkVisibleName(volume, file.name());
        }
        removeStale(volume, names, generation, replaced);
        return generation;
      } catch (IOException | RuntimeException e) {
        // Before the swap readers never saw the new generation; after it, it is the current one.
        if (!swapped) {
          deleteTree(volume, generation, 0);
        }
        throw e;
      }
    }
  }

  /**
   * The generation {@code ..data} names, if it is a single relative {@code ..<stamp>} name (what
   * this driver writes); anything else is ignored, never followed.
   */
  static Optional<String> currentGeneration(Directory volume) throws IOException {
    return volume.readLink(DATA_LINK).filter(AtomicWriter::isGenerationName);
  }

  /** A name this writer gives generations: {@code ..yyyy_MM_dd_HH_mm_ss.nnnnnnnnn[_n]}. */
  public static boolean isGenerationName(String name) {
    return name != null && GENERATION_NAME.matcher(name).matches();
  }

  private String newGeneration(Directory volume) throws IOException {
    String stamp =
        LocalDateTime.ofInstant(clock.instant(), ZoneOffset.UTC).format(GENERATION_FORMAT);
    for (int attempt = 0; ; attempt++) {
      String candidate = GENERATION_PREFIX + stamp + (attempt == 0 ? "" : "_" + attempt);
      try {
        volume.createDirectory(candidate, 0755);
        return candidate;
      } catch (ErrnoException e) {
        if (e.errno() != Libc.EEXIST || attempt > 100) {
          throw e;
        }
      }
    }
  }

  private static void linkVisibleName(Directory volume, String name) throws IOException {
    String destination = DATA_LINK + "/" + name;
    if (volume.readLink(name).filter(destination::equals).isPresent()) {
      return;
    }
    // A new name (or a file squatting on it) is replaced by the symlink, atomically; rename(2)
    // replaces a symlink itself, never what it points to.
    String tmp = GENERATION_PREFIX + "tmp_" + name;
    volume.deleteFile(tmp);
    volume.symlink(tmp, destination);
    try {
      volume.rename(tmp, name);
    } catch (IOException e) {
      volume.deleteFile(tmp);
      throw e;
    }
  }

  /**
   * Deletes the replaced generation and the visible links no longer served. Only entries of the
   * volume's own handle are removed (a symlink is unlinked, never followed).
   */
  private static void removeStale(
      Directory volume, Set<String> names, String current, String replaced) throws IOException {
    if (replaced != null && isGenerationName(replaced) && !replaced.equals(current)) {
      deleteTree(volume, replaced, 0);
    }
    for (String name : volume.names()) {
      if (name.startsWith(GENERATION_PREFIX) || names.contains(name)) {
        continue;
      }
      if (volume.readLink(name).filter(link -> link.equals(DATA_LINK + "/" + name)).isPresent()) {
        volume.deleteFile(name);
      }
    }
  }

  /** Deletes {@code name} in {@code parent}: a file, or a real directory and what is in it. */
  static void deleteTree(Directory parent, String name, int depth) throws IOException {
    try {
      parent.deleteFile(name);
      return;
    } catch (ErrnoException e) {
      if (e.errno() != Libc.EISDIR || depth > MAX_DEPTH) {
        throw e;
      }
    }
    try (Directory dir = parent.openDirectory(name)) {
      for (String child : dir.names()) {
        deleteTree(dir, child, depth + 1);
      }
    }
    parent.deleteDirectory(name);
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
