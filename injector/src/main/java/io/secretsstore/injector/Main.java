package io.secretsstore.injector;

import io.secretsstore.injector.config.InjectorConfig;
import io.secretsstore.injector.exec.CommandPath;
import io.secretsstore.injector.exec.Posix;
import io.secretsstore.injector.log.InjectorLog;
import io.secretsstore.injector.resolve.EnvironmentResolver;
import io.secretsstore.injector.resolve.ResolutionException;
import io.secretsstore.injector.resolve.StoreSession;
import io.secretsstore.injector.watch.ChildSupervisor;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * {@code injector [--] <command> [args...]}: resolves the container's {@code secrets-store:}
 * references and replaces itself with the command ({@code execve}), or supervises it in a restart
 * mode. Also {@code --self-copy <dir>}, {@code --diagnose}, {@code --version}.
 *
 * <p>Exit codes: the application's own; {@code 1} when the injector cannot start it (bad settings,
 * a reference that cannot be resolved); {@code 2} after a watch mode stopped it for a restart;
 * {@code 126} command not executable; {@code 127} command not found.
 */
public final class Main {

  static final int FAILURE = 1;
  static final int NOT_EXECUTABLE = 126;
  static final int NOT_FOUND = 127;

  static final String USAGE =
      """
      usage: injector [--] <command> [args...]   resolve secrets-store references, then run command
             injector --diagnose [--] <command>  resolve and print the variable names (no values)
             injector --self-copy <directory>    copy the injector into a directory (init container)
             injector --version
      Settings come from the VAULT_* environment variables set by the webhook.""";

  private Main() {}

  public static void main(String[] args) {
    System.exit(run(args, System.getenv(), System.out, System.err));
  }

  static int run(String[] args, Map<String, String> env, PrintStream out, PrintStream err) {
    List<String> arguments = new ArrayList<>(Arrays.asList(args));
    if (arguments.isEmpty()) {
      err.println(USAGE);
      return FAILURE;
    }
    switch (arguments.getFirst()) {
      case "--version" -> {
        out.println("secrets-store-injector " + version());
        return 0;
      }
      case "--self-copy" -> {
        if (arguments.size() != 2) {
          err.println("--self-copy needs exactly one directory\n" + USAGE);
          return FAILURE;
        }
        return selfCopy(Path.of(arguments.get(1)), err);
      }
      case "--help", "-h" -> {
        out.println(USAGE);
        return 0;
      }
      default -> {}
    }
    boolean diagnose = arguments.getFirst().equals("--diagnose");
    if (diagnose) {
      arguments.removeFirst();
    }
    if (!arguments.isEmpty() && arguments.getFirst().equals("--")) {
      arguments.removeFirst();
    }
    if (arguments.isEmpty() || (arguments.getFirst().startsWith("--") && !diagnose)) {
      err.println(
          (arguments.isEmpty() ? "no command given" : "unknown option " + arguments.getFirst())
              + "\n"
              + USAGE);
      return FAILURE;
    }

    InjectorConfig config;
    try {
      config = InjectorConfig.fromEnvironment(env);
    } catch (InjectorConfig.InvalidConfigException e) {
      new InjectorLog(InjectorLog.Level.ERROR, false, err)
          .error("cannot start " + arguments.getFirst() + ": " + e.getMessage());
      return FAILURE;
    }
    InjectorLog log = new InjectorLog(config.logLevel(), config.jsonLog(), err);

    Optional<Path> executable = CommandPath.resolve(arguments.getFirst(), env.get("PATH"));
    if (executable.isEmpty() && !diagnose) {
      log.error("command '" + arguments.getFirst() + "' not found in PATH");
      return NOT_FOUND;
    }

    StoreSession store = new StoreSession(config, log);
    EnvironmentResolver resolver = new EnvironmentResolver(config, log, store, fileDirectory());
    EnvironmentResolver.Resolved resolved;
    try {
      store.login(Instant.now().plus(config.clientTimeout()));
      resolved = resolver.resolve(env, !diagnose);
    } catch (ResolutionException e) {
      log.error("cannot start " + arguments.getFirst() + ": " + e.getMessage());
      return FAILURE;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return FAILURE;
    } catch (RuntimeException e) {
      // Anything unforeseen: say what failed without echoing values.
      log.error(
          "cannot start "
              + arguments.getFirst()
              + ": "
              + e.getClass().getSimpleName()
              + ": "
              + e.getMessage());
      return FAILURE;
    }
    log.info(
        "resolved "
            + resolved.resolvedNames().size()
            + " variable(s): "
            + resolved.resolvedNames());
    if (diagnose) {
      resolved.resolvedNames().forEach(out::println);
      return 0;
    }

    if (config.restartMode() != InjectorConfig.RestartMode.NONE) {
      try {
        return new ChildSupervisor(config, log, store, resolver)
            .run(executable.get(), arguments, resolved.environment(), env, resolved.digest());
      } catch (IOException e) {
        log.error("cannot start " + arguments.getFirst() + ": " + e.getMessage());
        return NOT_EXECUTABLE;
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return FAILURE;
      }
    }
    List<String> environment =
        resolved.environment().entrySet().stream()
            .map(e -> e.getKey() + "=" + e.getValue())
            .toList();
    int errno = Posix.execve(executable.get().toString(), arguments, environment);
    // Only reached when execve failed.
    log.error(
        "cannot run "
            + executable.get()
            + ": "
            + Posix.strerror(errno)
            + (errno == Posix.ENOEXEC ? " (not a binary or script with #!)" : ""));
    return errno == Posix.ENOENT ? NOT_FOUND : NOT_EXECUTABLE;
  }

  /** In-memory storage for the {@code file} template function, when the node offers it. */
  static Path fileDirectory() {
    Path shm = Path.of("/dev/shm");
    return Files.isDirectory(shm)
        ? shm.resolve("secrets-store-" + ProcessHandle.current().pid())
        : Path.of(
            System.getProperty("java.io.tmpdir"), "secrets-store-" + ProcessHandle.current().pid());
  }

  /**
   * Copies what is running into {@code directory}: the native executable, or (on a JVM) the jar.
   * Written under a temporary name and renamed, so a half-copied file is never run.
   */
  static int selfCopy(Path directory, PrintStream err) {
    try {
      String bundleHome = System.getProperty("secrets-store.bundle.home");
      if (bundleHome != null) {
        return copyBundle(Path.of(bundleHome), directory, err);
      }
      Path source;
      String name;
      if (isNativeImage()) {
        source = Path.of(ProcessHandle.current().info().command().orElseThrow());
        name = "injector";
      } else {
        // Started with java -jar: the class path is the (self-contained) jar.
        String classPath = System.getProperty("java.class.path", "");
        if (!classPath.endsWith(".jar") || classPath.contains(java.io.File.pathSeparator)) {
          err.println(
              "secrets-store-injector error: --self-copy needs the native executable or java -jar"
                  + " injector.jar; running from "
                  + classPath);
          return FAILURE;
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
    } catch (Exception e) {
      err.println(
          "secrets-store-injector error: cannot copy the injector into "
              + directory
              + ": "
              + e.getMessage());
      return FAILURE;
    }
  }

  /**
   * The JVM bundle: the whole tree (runtime, glibc, jars, AOT cache) into {@code <dir>/<name of the
   * bundle directory>}, through a temporary directory renamed at the end.
   */
  static int copyBundle(Path home, Path directory, PrintStream err) throws IOException {
    Path target = directory.resolve(home.getFileName());
    Path temporary = directory.resolve("." + home.getFileName() + ".tmp");
    deleteTree(temporary);
    try (var files = Files.walk(home)) {
      for (Path source : (Iterable<Path>) files::iterator) {
        Path copy = temporary.resolve(home.relativize(source).toString());
        if (Files.isDirectory(source, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
          Files.createDirectories(copy);
        } else {
          Files.copy(
              source,
              copy,
              StandardCopyOption.COPY_ATTRIBUTES,
              java.nio.file.LinkOption.NOFOLLOW_LINKS);
        }
      }
    }
    deleteTree(target);
    Files.move(temporary, target, StandardCopyOption.ATOMIC_MOVE);
    return 0;
  }

  private static void deleteTree(Path root) throws IOException {
    if (!Files.exists(root, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
      return;
    }
    try (var files = Files.walk(root)) {
      for (Path path : files.sorted(java.util.Comparator.reverseOrder()).toList()) {
        Files.delete(path);
      }
    }
  }

  static boolean isNativeImage() {
    return System.getProperty("org.graalvm.nativeimage.imagecode") != null;
  }

  static String version() {
    String version = Main.class.getPackage().getImplementationVersion();
    return version == null ? "dev" : version;
  }
}
