package io.secretsstore.injector;

import io.secretsstore.injector.config.InjectorConfig;
import io.secretsstore.injector.exec.CommandPath;
import io.secretsstore.injector.exec.ExecHygiene;
import io.secretsstore.injector.exec.Posix;
import io.secretsstore.injector.install.SelfCopy;
import io.secretsstore.injector.log.InjectorLog;
import io.secretsstore.injector.log.Messages;
import io.secretsstore.injector.process.ProcessInput;
import io.secretsstore.injector.process.RawText;
import io.secretsstore.injector.resolve.EnvironmentResolver;
import io.secretsstore.injector.resolve.ResolutionException;
import io.secretsstore.injector.resolve.ResolutionPlan;
import io.secretsstore.injector.resolve.SecretFiles;
import io.secretsstore.injector.resolve.StoreSession;
import io.secretsstore.injector.watch.ChildSupervisor;
import io.secretsstore.model.names.InjectorEnv;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
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

  public static void main(String[] jvmArguments) {
    // The environment and arguments byte for byte, whatever the locale (see ProcessInput).
    ProcessInput input = ProcessInput.current(jvmArguments);
    System.exit(run(input.arguments(), input.environment(), System.out, System.err));
  }

  static int run(List<String> args, Map<String, String> env, PrintStream out, PrintStream err) {
    List<String> arguments = new ArrayList<>(args);
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
        return SelfCopy.into(Path.of(arguments.get(1)), err);
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
    String command = arguments.getFirst();
    TerminationLog terminationLog = terminationLog(env);

    InjectorConfig config;
    try {
      config = InjectorConfig.fromEnvironment(env);
    } catch (InjectorConfig.InvalidConfigException e) {
      return fail(
          new InjectorLog(InjectorLog.Level.ERROR, false, err),
          terminationLog,
          "cannot start " + command + ": " + e.getMessage(),
          FAILURE);
    }
    InjectorLog log = new InjectorLog(config.logLevel(), config.jsonLog(), err);

    Optional<String> executable = CommandPath.resolve(command, env.get("PATH"));
    if (executable.isEmpty() && !diagnose) {
      return fail(log, terminationLog, "command '" + command + "' not found in PATH", NOT_FOUND);
    }

    StoreSession store = null;
    try {
      // Everything that can be checked without the store is checked before the login.
      ResolutionPlan plan = ResolutionPlan.of(env, config);
      store = new StoreSession(config, log);
      if (!plan.needsNoStore() || config.restartMode() != InjectorConfig.RestartMode.NONE) {
        store.login(Instant.now().plus(config.loginTimeout()));
      }
      EnvironmentResolver resolver =
          new EnvironmentResolver(config, log, store, SecretFiles.inMemory());
      EnvironmentResolver.Resolved resolved = resolver.resolve(plan, !diagnose);
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
          return new ChildSupervisor(config, log, store, resolver, terminationLog)
              .run(executable.get(), arguments, resolved, plan);
        } catch (Posix.SpawnException e) {
          return fail(
              log,
              terminationLog,
              "cannot run " + executable.get() + ": " + e.getMessage(),
              e.errno() == Posix.ENOENT ? NOT_FOUND : NOT_EXECUTABLE);
        } finally {
          resolver.files().delete();
        }
      }
      return exec(log, terminationLog, store, executable.get(), arguments, resolved.environment());
    } catch (ResolutionException e) {
      return fail(log, terminationLog, "cannot start " + command + ": " + e.getMessage(), FAILURE);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return FAILURE;
    } catch (RuntimeException e) {
      // Anything unforeseen: say what failed without echoing values or class names.
      return fail(
          log,
          terminationLog,
          "cannot start " + command + ": " + Messages.plain(e.getMessage(), "internal error"),
          FAILURE);
    } finally {
      if (store != null) {
        store.close();
      }
    }
  }

  /** Replaces the injector with the application; returns only when that failed. */
  private static int exec(
      InjectorLog log,
      TerminationLog terminationLog,
      StoreSession store,
      String executable,
      List<String> argv,
      Map<String, String> environment) {
    List<byte[]> entries =
        environment.entrySet().stream()
            .map(e -> RawText.encode(e.getKey() + "=" + e.getValue()))
            .toList();
    List<byte[]> arguments = argv.stream().map(RawText::encode).toList();
    store.close();
    ExecHygiene.prepareExec();
    int errno = Posix.execve(RawText.encode(executable), arguments, entries);
    return fail(
        log,
        terminationLog,
        "cannot run "
            + executable
            + ": "
            + Posix.strerror(errno)
            + (errno == Posix.ENOEXEC ? " (not a binary or script with #!)" : ""),
        errno == Posix.ENOENT ? NOT_FOUND : NOT_EXECUTABLE);
  }

  private static int fail(
      InjectorLog log, TerminationLog terminationLog, String message, int code) {
    log.error(message);
    terminationLog.write(message);
    return code;
  }

  private static TerminationLog terminationLog(Map<String, String> env) {
    String path = env.getOrDefault(InjectorEnv.VAULT_TERMINATION_LOG, "");
    try {
      return new TerminationLog(
          Path.of(path.isBlank() ? InjectorConfig.TERMINATION_LOG_DEFAULT : path.strip()));
    } catch (RuntimeException notAPath) {
      return new TerminationLog(Path.of(InjectorConfig.TERMINATION_LOG_DEFAULT));
    }
  }

  static String version() {
    String version = Main.class.getPackage().getImplementationVersion();
    return version == null ? "dev" : version;
  }
}
