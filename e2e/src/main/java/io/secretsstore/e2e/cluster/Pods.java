package io.secretsstore.e2e.cluster;

import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.stream.Collectors;

/**
 * What e2e tests do with pods on the real cluster: apply manifests, wait for states, read logs,
 * events and termination messages, exec. Waits are bounded by generous deadlines and poll for a
 * state; nothing asserts on how long something took.
 */
public final class Pods {

  private final RealCluster cluster;

  public Pods(RealCluster cluster) {
    this.cluster = cluster;
  }

  private KubernetesClient client() {
    return cluster.client();
  }

  /** Creates (or replaces) every object of a YAML document, as {@code kubectl apply}. */
  public List<HasMetadata> apply(String yaml) {
    return client()
        .load(new ByteArrayInputStream(yaml.getBytes(StandardCharsets.UTF_8)))
        .forceConflicts()
        .serverSideApply();
  }

  public Pod get(String namespace, String name) {
    return client().pods().inNamespace(namespace).withName(name).get();
  }

  public Pod awaitReady(String namespace, String name, Duration timeout) {
    return client()
        .pods()
        .inNamespace(namespace)
        .withName(name)
        .waitUntilCondition(
            pod ->
                pod != null
                    && pod.getStatus() != null
                    && pod.getStatus().getConditions().stream()
                        .anyMatch(c -> "Ready".equals(c.getType()) && "True".equals(c.getStatus())),
            timeout.toMillis(),
            TimeUnit.MILLISECONDS);
  }

  public Pod awaitCondition(
      String namespace, String name, Predicate<Pod> condition, Duration timeout) {
    return client()
        .pods()
        .inNamespace(namespace)
        .withName(name)
        .waitUntilCondition(
            pod -> pod != null && condition.test(pod), timeout.toMillis(), TimeUnit.MILLISECONDS);
  }

  /** The pod's events, oldest first, as "Reason: message" lines (what kubectl describe shows). */
  public List<String> events(String namespace, String podName) {
    return client().v1().events().inNamespace(namespace).list().getItems().stream()
        .filter(
            e -> e.getInvolvedObject() != null && podName.equals(e.getInvolvedObject().getName()))
        .sorted(Comparator.comparing(Pods::eventTime))
        .map(e -> e.getReason() + ": " + e.getMessage())
        .collect(Collectors.toList());
  }

  /** Polls the pod's events until one satisfies {@code match}; returns it. */
  public String awaitEvent(
      String namespace, String podName, Predicate<String> match, Duration timeout) {
    Instant deadline = Instant.now().plus(timeout);
    while (true) {
      Optional<String> found = events(namespace, podName).stream().filter(match).findFirst();
      if (found.isPresent()) {
        return found.get();
      }
      if (Instant.now().isAfter(deadline)) {
        throw new AssertionError(
            "no matching event for pod "
                + namespace
                + "/"
                + podName
                + " within "
                + timeout
                + "; events: "
                + events(namespace, podName));
      }
      Waiting.sleep(Duration.ofSeconds(1));
    }
  }

  public String logs(String namespace, String pod, String container) {
    var resource = client().pods().inNamespace(namespace).withName(pod);
    return container == null ? resource.getLog() : resource.inContainer(container).getLog();
  }

  /** Polls the logs until {@code match} holds; returns them. */
  public String awaitLogs(String namespace, String pod, Predicate<String> match, Duration timeout) {
    Instant deadline = Instant.now().plus(timeout);
    String last = "";
    while (Instant.now().isBefore(deadline)) {
      try {
        last = logs(namespace, pod, null);
        if (match.test(last)) {
          return last;
        }
      } catch (RuntimeException notYet) {
        // container not started yet
      }
      Waiting.sleep(Duration.ofSeconds(1));
    }
    throw new AssertionError("logs of " + namespace + "/" + pod + " never matched; last:\n" + last);
  }

  /** Runs a command in the pod's first container (kubectl exec); returns its result. */
  public Command.Result exec(String namespace, String pod, String... command) {
    String[] args = new String[command.length + 5];
    args[0] = "-n";
    args[1] = namespace;
    args[2] = "exec";
    args[3] = pod;
    args[4] = "--";
    System.arraycopy(command, 0, args, 5, command.length);
    return cluster.kubectl(args);
  }

  public void delete(String namespace, String name) {
    client().pods().inNamespace(namespace).withName(name).withGracePeriod(0).delete();
    client()
        .pods()
        .inNamespace(namespace)
        .withName(name)
        .waitUntilCondition(pod -> pod == null, 2, TimeUnit.MINUTES);
  }

  private static String eventTime(Event event) {
    if (event.getLastTimestamp() != null) {
      return event.getLastTimestamp();
    }
    if (event.getEventTime() != null && event.getEventTime().getTime() != null) {
      return event.getEventTime().getTime();
    }
    return event.getMetadata().getCreationTimestamp();
  }
}
