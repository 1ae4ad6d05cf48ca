package io.secretsstore.injector.install;

import io.secretsstore.injector.log.Messages;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Comparator;

/**
 * {@code --self-copy <dir>}: what the copy delivery's init container runs. Copies what is running
 * into {@code <dir>}: the JVM bundle's whole tree, the native executable, or (development) the jar.
 * Written under a temporary name and renamed, so a half-copied injector is never run.
 */
public final class SelfCopy {

  /** The bundle's launch arguments set this to the bundle's directory. */
  public static final String BUNDLE_HOME_PROPERTY = "secrets-store.bundle.home";

  private SelfCopy() {}

  /** 0 when copied; 1 with a one-line message on {@code err} otherwise. */
  public static int into(Path directory, PrintStream err) {
    try {
      String bundleHome = System.getProperty(BUNDLE_HOME_PROPERTY);
      if (bundleHome != null) {
        copyTree(Path.of(bundleHome), directory);
        return 0;
      }
      Path source;
      String name;
      if (System.getProperty("org.graalvm.nativeimage.imagecode") != null) {
        source = Path.of(ProcessHandle.current().info().command().orElseThrow());
        name = "injector";
      } else {
        String classPath = System.getProperty("java.class.path", "");
        if (!classPath.endsWith(".jar") || classPath.contains(java.io.File.pathSeparator)) {
          err.println(
              "secrets-store-injector error: --self-copy needs the bundle, the native executable"
                  + " or java -jar injector.jar; running from "
                  + classPath);
          return 1;
        }
        source = Path.of(classPath);
        name = "injector.jar";
      }
      Files.createDirectories(directory);
      Path target = directory.resolve(name);
      Path temporary = directory.resolve("." + name + ".tmp");
      Files.copy(source, temporary, StandardCopyOption.REPLACE_EXISTING);
      Files.setPosixFilePermissions(temporary, PosixFilePermissions.fromString("r-xr-xr-x"));
      Files.move(
          temporary, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      return 0;
    } catch (IOException | RuntimeException e) {
      err.println(
          "secrets-store-injector error: cannot copy the injector into "
              + directory
              + ": "
              + Messages.plain(e.getMessage(), "copy failed"));
      return 1;
    }
  }

  /** The bundle into {@code <dir>/<bundle directory name>}, through a renamed temporary tree. */
  static void copyTree(Path home, Path directory) throws IOException {
    Path target = directory.resolve(home.getFileName());
    Path temporary = directory.resolve("." + home.getFileName() + ".tmp");
    deleteTree(temporary);
    try (var files = Files.walk(home)) {
      for (Path source : (Iterable<Path>) files::iterator) {
        Path copy = temporary.resolve(home.relativize(source).toString());
        if (Files.isDirectory(source, LinkOption.NOFOLLOW_LINKS)) {
          Files.createDirectories(copy);
        } else {
          Files.copy(source, copy, StandardCopyOption.COPY_ATTRIBUTES, LinkOption.NOFOLLOW_LINKS);
        }
      }
    }
    deleteTree(target);
    Files.move(temporary, target, StandardCopyOption.ATOMIC_MOVE);
  }

  private static void deleteTree(Path root) throws IOException {
    if (!Files.exists(root, LinkOption.NOFOLLOW_LINKS)) {
      return;
    }
    try (var files = Files.walk(root)) {
      for (Path path : files.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(path);
      }
    }
  }
}
