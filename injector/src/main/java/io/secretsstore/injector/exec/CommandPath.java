package io.secretsstore.injector.exec;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/** Finds a command the way a shell does: a name with a {@code /} as is, otherwise along PATH. */
public final class CommandPath {

  /** The POSIX default when PATH is unset. */
  static final String DEFAULT_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

  private CommandPath() {}

  /**
   * The file to execute, or empty when no PATH entry has an executable of that name. A name with a
   * {@code /} is returned unchanged (execve reports what is wrong with it).
   */
  public static Optional<Path> resolve(String command, String pathVariable) {
    if (command.contains("/")) {
      return Optional.of(Path.of(command));
    }
    String path = pathVariable == null || pathVariable.isEmpty() ? DEFAULT_PATH : pathVariable;
    Path firstNonExecutable = null;
    for (String directory : path.split(":", -1)) {
      Path candidate = Path.of(directory.isEmpty() ? "." : directory).resolve(command);
      if (Files.isRegularFile(candidate)) {
        if (Files.isExecutable(candidate)) {
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
