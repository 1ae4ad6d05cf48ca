package io.secretsstore.e2e.bench;

import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;

/**
 * The time a container printed a line, from the container runtime's log timestamps (RFC 3339 with
 * nanoseconds, taken when containerd read the line, on this machine's clock).
 */
final class ContainerLogs {

  private static final Duration WAIT = Duration.ofSeconds(60);

  private ContainerLogs() {}

  /** When the pod's container first printed {@code marker}; null if it did not within a minute. */
  static Instant firstLineTime(KubernetesClient client, String pod, String marker) {
    return firstLineTime(client, pod, marker, WAIT);
  }

  /**
   * When the pod's container first printed {@code marker}; null if it did not within {@code wait}.
   */
  static Instant firstLineTime(KubernetesClient client, String pod, String marker, Duration wait) {
    Instant deadline = Instant.now().plus(wait);
    while (Instant.now().isBefore(deadline)) {
      String logs;
      try {
        logs =
            client
                .pods()
                .inNamespace(BenchManifests.NAMESPACE)
                .withName(pod)
                .usingTimestamps()
                .getLog();
      } catch (RuntimeException notYet) {
        logs = "";
      }
      Instant found = parse(logs, marker);
      if (found != null) {
        return found;
      }
      try {
        Thread.sleep(100);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return null;
      }
    }
    return null;
  }

  /** The timestamp of the first line whose text is {@code marker} ("<time> <text>" lines). */
  static Instant parse(String logs, String marker) {
    if (logs == null) {
      return null;
    }
    for (String line : logs.split("\n")) {
      int space = line.indexOf(' ');
      if (space > 0 && line.substring(space + 1).strip().equals(marker)) {
        try {
          return Instant.parse(line.substring(0, space));
        } catch (DateTimeParseException notATimestamp) {
          return null;
        }
      }
    }
    return null;
  }
}
