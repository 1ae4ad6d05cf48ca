package io.secretsstore.e2e.bench;

import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.Watch;
import io.fabric8.kubernetes.client.Watcher;
import io.fabric8.kubernetes.client.WatcherException;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * When each pod of a label selector was first seen with all its containers running and when it was
 * first seen Ready, on the harness's clock, from one watch. The API's own timestamps have a
 * resolution of one second; a watch event arrives milliseconds after the kubelet's status update,
 * which is the same for every variant and so cancels out of the difference to the baseline.
 */
final class PodTimeline implements AutoCloseable {

  private final Map<String, CompletableFuture<Instant>> running = new ConcurrentHashMap<>();
  private final Map<String, CompletableFuture<Instant>> ready = new ConcurrentHashMap<>();
  private final Map<String, Integer> restarts = new ConcurrentHashMap<>();
  private final Watch watch;

  PodTimeline(KubernetesClient client, String namespace, String labelKey, String labelValue) {
    this.watch =
        client
            .pods()
            .inNamespace(namespace)
            .withLabel(labelKey, labelValue)
            .watch(
                new Watcher<>() {
                  @Override
                  public void eventReceived(Action action, Pod pod) {
                    Instant now = Instant.now();
                    String name = pod.getMetadata().getName();
                    if (allContainersRunning(pod)) {
                      future(running, name).complete(now);
                    }
                    if (isReady(pod)) {
                      future(ready, name).complete(now);
                    }
                    if (pod.getStatus() != null && pod.getStatus().getContainerStatuses() != null) {
                      restarts.put(
                          name,
                          pod.getStatus().getContainerStatuses().stream()
                              .mapToInt(s -> s.getRestartCount() == null ? 0 : s.getRestartCount())
                              .sum());
                    }
                  }

                  @Override
                  public void onClose(WatcherException cause) {
                    // A closed watch fails the waits with their timeout; nothing else to do.
                  }
                });
  }

  private static CompletableFuture<Instant> future(
      Map<String, CompletableFuture<Instant>> map, String name) {
    return map.computeIfAbsent(name, n -> new CompletableFuture<>());
  }

  static boolean allContainersRunning(Pod pod) {
    if (pod.getStatus() == null || pod.getStatus().getContainerStatuses() == null) {
      return false;
    }
    var statuses = pod.getStatus().getContainerStatuses();
    return !statuses.isEmpty()
        && statuses.size() == pod.getSpec().getContainers().size()
        && statuses.stream().map(ContainerStatus::getState).allMatch(s -> s.getRunning() != null);
  }

  static boolean isReady(Pod pod) {
    return pod.getStatus() != null
        && pod.getStatus().getConditions() != null
        && pod.getStatus().getConditions().stream()
            .anyMatch(c -> "Ready".equals(c.getType()) && "True".equals(c.getStatus()));
  }

  /** When {@code pod} was first seen running, or null if not within {@code timeout}. */
  Instant awaitRunning(String pod, Duration timeout) {
    return await(future(running, pod), timeout);
  }

  Instant awaitReady(String pod, Duration timeout) {
    return await(future(ready, pod), timeout);
  }

  Instant readyAt(String pod) {
    return future(ready, pod).getNow(null);
  }

  int readyCount() {
    return (int) ready.values().stream().filter(CompletableFuture::isDone).count();
  }

  int restartsTotal() {
    return restarts.values().stream().mapToInt(Integer::intValue).sum();
  }

  private static Instant await(CompletableFuture<Instant> future, Duration timeout) {
    try {
      return future.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (TimeoutException e) {
      return null;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    } catch (java.util.concurrent.ExecutionException e) {
      throw new IllegalStateException(e.getCause());
    }
  }

  @Override
  public void close() {
    watch.close();
  }
}
