package io.secretsstore.injector.exec;

import io.secretsstore.injector.process.RawText;
import java.util.Optional;

/**
 * Finds a command the way a shell does: a name with a {@code /} as is, otherwise along PATH. Names
 * are {@link RawText} strings and checked with the C library, so directories and commands with
 * non-ASCII names are found whatever the locale.
 */
public final class CommandPath {

  /** The POSIX default when PATH is unset. */
  static final String DEFAULT_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

  private CommandPath() {}

  /**
   * The file to execute, or empty when no PATH entry has an executable of that name. A name with a
   * {@code /} is returned unchanged (execve reports what is wrong with it).
   */
  public static Optional<String> resolve(String command, String pathVariable) {
    if (command.contains("/")) {
      return Optional.of(command);
    }
    if (command.isEmpty()) {
      return Optional.empty();
    }
    String path = pathVariable == null || pathVariable.isEmpty() ? DEFAULT_PATH : pathVariable;
    String firstNonExecutable = null;
    for (String directory : path.split(":", -1)) {
      String candidate = (directory.isEmpty() ? "." : directory) + "/" + command;
      byte[] bytes = RawText.encode(candidate);
      if (Posix.exists(bytes) && !Posix.isDirectory(bytes)) {
        if (Posix.isExecutable(bytes)) {
          return Optional.of(candidate);
        }
        if (firstNonExecutable == null) {
          firstNonExecutable = candidate;
        }
      }
    }
    // Like a shell: a match without the execute bit is reported as such (EACCES), not as missing.
    return Optional.ofNullable(firstNonExecutable);
  }
}
