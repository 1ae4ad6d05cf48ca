package io.secretsstore.driver;

import io.secretsstore.driver.fs.MountTable;
import io.secretsstore.linux.Mounts;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/** Cleanup of the tests' own mounts: whatever a test left, nothing stays on the machine. */
final class TestMounts {

  private TestMounts() {}

  /** Unmounts every mount below {@code root}, deepest first, stacked mounts included. */
  static void unmountAllUnder(Path root) {
    MountTable table = MountTable.ofThisProcess();
    for (int round = 0; round < 10; round++) {
      List<Path> mounts =
          table.entries().stream()
              .map(MountTable.Entry::mountPoint)
              .filter(point -> point.startsWith(root.toAbsolutePath().normalize()))
              .sorted(Comparator.comparingInt(Path::getNameCount).reversed())
              .toList();
      if (mounts.isEmpty()) {
        return;
      }
      for (Path mount : mounts) {
        try {
          Mounts.unmount(mount);
        } catch (IOException e) {
          System.err.println("could not unmount " + mount + ": " + e.getMessage());
        }
      }
    }
  }

  /** Deletes {@code root} and everything below it, without following symlinks. */
  static void deleteTree(Path root) {
    if (!Files.exists(root, LinkOption.NOFOLLOW_LINKS)) {
      return;
    }
    try (Stream<Path> walk = Files.walk(root)) {
      for (Path path : walk.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(path);
      }
    } catch (IOException | RuntimeException e) {
      System.err.println("could not delete " + root + ": " + e.getMessage());
    }
  }
}
