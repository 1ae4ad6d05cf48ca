package io.secretsstore.injector.exec;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * What the application must not inherit from the JVM: its open files (the runtime image, jars,
 * sockets) and the signals the JVM's threads keep blocked.
 */
public final class ExecHygiene {

  private ExecHygiene() {}

  /** Marks every descriptor above 2 close-on-exec, walking {@code /proc/self/fd}. */
  public static void closeOnExecAbove2() {
    try (DirectoryStream<Path> descriptors = Files.newDirectoryStream(Path.of("/proc/self/fd"))) {
      for (Path entry : descriptors) {
        int fd;
        try {
          fd = Integer.parseInt(entry.getFileName().toString());
        } catch (NumberFormatException notADescriptor) {
          continue;
        }
        if (fd > 2) {
          Posix.setCloseOnExec(fd); // the directory's own descriptor is gone by then: false
        }
      }
    } catch (IOException noProc) {
      // Without /proc there is nothing to walk; posix_spawn's closefrom still applies.
    }
  }

  /** Before {@code execve}: nothing inherited but 0, 1, 2, and no signal blocked. */
  public static void prepareExec() {
    closeOnExecAbove2();
    Posix.clearSignalMask();
  }
}
