package io.secretsstore.e2e.bench;

import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The time a container printed a line, from the container runtime's log timestamps (RFC 3339 with
 * nanoseconds, taken when containerd read the line, on this machine's clock).
 */
final class ContainerLogs {

  private static final Duration WAIT = Duration.ofSeconds(60);

  /** How every failure line of the injector begins (injector's Main). */
  static final String INJECTOR_ERROR = "secrets-store-injector error:";

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

  /**
   * When each of {@code pods} first printed {@code marker}, polling all of them in turn until
   * {@code deadline}: one pod that never prints cannot use up the others' time. Pods absent from
   * the answer did not print it in time.
   */
  static Map<String, Instant> firstLineTimes(
      KubernetesClient client, List<String> pods, String marker, Instant deadline) {
    Map<String, Instant> found = new HashMap<>();
    List<String> pending = new ArrayList<>(pods);
    while (!pending.isEmpty()) {
      for (var it = pending.iterator(); it.hasNext(); ) {
        String pod = it.next();
        Instant at = parse(logsOrEmpty(client, pod), marker);
        if (at != null) {
          found.put(pod, at);
          it.remove();
        }
      }
      if (pending.isEmpty() || !Instant.now().isBefore(deadline)) {
        break;
      }
      try {
        Thread.sleep(1000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      }
    }
    return found;
  }

  /**
   * The last line the injector wrote about a failure ({@value #INJECTOR_ERROR}...) in the pod's
   * container or, when it is waiting to restart, its previous instance; empty if none. The
   * injector's failures are one line that names the cause and never a value, so a report can carry
   * it.
   */
  static String lastInjectorError(KubernetesClient client, String pod) {
    for (boolean previous : new boolean[] {false, true}) {
      String logs;
      try {
        var resource = client.pods().inNamespace(BenchManifests.NAMESPACE).withName(pod);
        logs = previous ? resource.terminated().getLog() : resource.getLog();
      } catch (RuntimeException none) {
        continue;
      }
      String last = "";
      for (String line : logs == null ? new String[0] : logs.split("\n")) {
        if (line.startsWith(INJECTOR_ERROR)) {
          last = line.strip();
        }
      }
      if (!last.isEmpty()) {
        return last;
      }
    }
    return "";
  }

  private static String logsOrEmpty(KubernetesClient client, String pod) {
    try {
      String logs =
          client
              .pods()
              .inNamespace(BenchManifests.NAMESPACE)
              .withName(pod)
              .usingTimestamps()
              .getLog();
      return logs == null ? "" : logs;
    } catch (RuntimeException notYet) {
      return "";
    }
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
