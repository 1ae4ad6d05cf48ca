package io.secretsstore.injector;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The container's termination message ({@code /dev/termination-log}, which kubelet shows in the
 * pod's status and {@code kubectl describe}): why the injector stopped or restarted the
 * application, one line, no values.
 */
public final class TerminationLog {

  /** Kubernetes shows at most 4096 bytes of it. */
  static final int MAX_BYTES = 4096;

  private final Path file;

  public TerminationLog(Path file) {
    this.file = file;
  }

  /** Best effort: a container without the file (or outside Kubernetes) just has no message. */
  public void write(String reason) {
    byte[] line = ("secrets-store-injector: " + reason + "\n").getBytes(StandardCharsets.UTF_8);
    if (line.length > MAX_BYTES) {
      line = java.util.Arrays.copyOf(line, MAX_BYTES);
    }
    try {
      Files.write(file, line);
    } catch (IOException | RuntimeException e) {
      // no termination log here
    }
  }
}
