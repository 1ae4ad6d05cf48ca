package io.secretsstore.driver.fs;

import io.secretsstore.linux.Mounts;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** The kernel's mount table of this process ({@code /proc/self/mountinfo}). */
public final class MountTable {

  /** One mount: where, and which file system type. */
  public record Entry(Path mountPoint, String fsType) {}

  private final Path mountInfo;

  public MountTable(Path mountInfo) {
    this.mountInfo = mountInfo;
  }

  public static MountTable ofThisProcess() {
    return new MountTable(Path.of("/proc/self/mountinfo"));
  }

  public List<Entry> entries() {
    List<String> lines;
    try {
      lines = Files.readAllLines(mountInfo, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + mountInfo, e);
    }
    List<Entry> entries = new ArrayList<>(lines.size());
    for (String line : lines) {
      // "36 35 98:0 /mnt1 /mnt2 rw,noatime master:1 - ext3 /dev/root rw,errors=continue"
      String[] fields = line.split(" ");
      int separator = line.indexOf(" - ");
      if (fields.length < 5 || separator < 0) {
        continue;
      }
      String fsType = line.substring(separator + 3).split(" ")[0];
      entries.add(new Entry(Path.of(unescape(fields[4])), fsType));
    }
    return entries;
  }

  /** Whether anything is mounted at {@code path} right now (any file system type). */
  public boolean isMountPoint(Path path) {
    return typeAt(path) != null;
  }

  /**
   * Unmounts everything stacked at {@code target}: a secrets tmpfs, the injector bundle's bind
   * mount, a crashed driver's double mount. Whatever the driver restarts since the publish: what is
   * mounted at a target kubelet names for this driver's volume is this driver's (kubelet calls the
   * driver that published it), and nothing read from the volume decides it.
   *
   * @return how many mounts were removed
   */
  public int unmountAll(Path target) throws IOException {
    int removed = 0;
    // Bounded: a mount that cannot be removed ends in the unmount's error, not an endless loop.
    while (removed < 64 && isMountPoint(target)) {
      if (!Mounts.unmount(target)) {
        break;
      }
      removed++;
    }
    return removed;
  }

  /** Whether {@code path} is a tmpfs mount point right now. */
  public boolean isTmpfsMountPoint(Path path) {
    return "tmpfs".equals(typeAt(path));
  }

  /**
   * The file system type of the topmost mount at {@code path} (the last entry for it: mounts
   * stack), or null if nothing is mounted there. Asked on every publish: instead of parsing every
   * line of a node's table (hundreds to thousands, one per pod volume and container layer; 2 ms of
   * a warm publish with 200), the kernel's escaped form of the path is searched in the raw text and
   * only lines where it is the mount point field (the fifth) are looked at.
   */
  String typeAt(Path path) {
    String text;
    try {
      // ISO-8859-1 keeps every byte as one char: the comparison is of the kernel's bytes.
      text = new String(Files.readAllBytes(mountInfo), StandardCharsets.ISO_8859_1);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + mountInfo, e);
    }
    String escaped = escape(path.toAbsolutePath().normalize().toString());
    String needle =
        " "
            + new String(escaped.getBytes(StandardCharsets.UTF_8), StandardCharsets.ISO_8859_1)
            + " ";
    String type = null;
    for (int at = text.indexOf(needle); at >= 0; at = text.indexOf(needle, at + 1)) {
      int lineStart = text.lastIndexOf('\n', at) + 1;
      if (spaceCount(text, lineStart, at) != MOUNT_POINT_FIELD - 1) {
        continue; // the same text as another field (e.g. a bind mount's root)
      }
      int lineEnd = text.indexOf('\n', at);
      if (lineEnd < 0) {
        lineEnd = text.length();
      }
      int separator = text.indexOf(" - ", at);
      if (separator < 0 || separator >= lineEnd) {
        continue;
      }
      int typeStart = separator + 3;
      int typeEnd = text.indexOf(' ', typeStart);
      type = text.substring(typeStart, typeEnd < 0 || typeEnd > lineEnd ? lineEnd : typeEnd);
    }
    return type;
  }

  /** mountinfo's fields: id, parent id, major:minor, root, mount point, ... */
  private static final int MOUNT_POINT_FIELD = 5;

  /** Spaces in {@code text} from {@code from} up to and including {@code to}. */
  private static int spaceCount(String text, int from, int to) {
    int count = 0;
    for (int i = text.indexOf(' ', from); i >= 0 && i <= to; i = text.indexOf(' ', i + 1)) {
      count++;
    }
    return count;
  }

  /** The kernel's escaping of a path in mountinfo: space, tab, newline and backslash as octal. */
  static String escape(String path) {
    StringBuilder out = new StringBuilder(path.length());
    for (int i = 0; i < path.length(); i++) {
      char c = path.charAt(i);
      switch (c) {
        case ' ' -> out.append("\\040");
        case '\t' -> out.append("\\011");
        case '\n' -> out.append("\\012");
        case '\\' -> out.append("\\134");
        default -> out.append(c);
      }
    }
    return out.toString();
  }

  /** tmpfs mount points below {@code root}. */
  public List<Path> tmpfsMountsUnder(Path root) {
    Path normalized = root.toAbsolutePath().normalize();
    return entries().stream()
        .filter(entry -> entry.fsType().equals("tmpfs"))
        .map(Entry::mountPoint)
        .filter(point -> point.startsWith(normalized) && !point.equals(normalized))
        .distinct()
        .toList();
  }

  /** mountinfo escapes space, tab, newline and backslash as octal ({@code \040}). */
  static String unescape(String field) {
    if (field.indexOf('\\') < 0) {
      return field;
    }
    StringBuilder out = new StringBuilder(field.length());
    for (int i = 0; i < field.length(); i++) {
      char c = field.charAt(i);
      if (c == '\\' && i + 3 < field.length()) {
        String octal = field.substring(i + 1, i + 4);
        if (octal.chars().allMatch(d -> d >= '0' && d <= '7')) {
          out.append((char) Integer.parseInt(octal, 8));
          i += 3;
          continue;
        }
      }
      out.append(c);
    }
    return out.toString();
  }
}
