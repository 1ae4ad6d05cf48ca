package io.secretsstore.driver.status;

import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.EventBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.secretsstore.driver.publish.PodInfo;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Kubernetes Events on the pod, where users look first ({@code kubectl describe pod}). Sent in the
 * background: an unreachable API server must not slow down or fail a mount. Messages are built by
 * the callers from names, paths and error codes only, never from values or tokens.
 */
public final class PodEvents {

  public static final String MOUNT_FAILED = "SecretsStoreMountFailed";
  public static final String ROTATION_COMPLETE = "SecretRotationComplete";
  public static final String ROTATION_FAILED = "SecretRotationFailed";
  public static final String ROTATION_SKIPPED = "SecretRotationSkipped";

  private static final Logger log = LoggerFactory.getLogger(PodEvents.class);
  private static final String COMPONENT = "secrets-store-csi-driver";

  private final KubernetesClient kubernetes;
  private final ExecutorService background;
  private final Clock clock;
  private final String node;

  public PodEvents(
      KubernetesClient kubernetes, ExecutorService background, Clock clock, String node) {
    this.kubernetes = kubernetes;
    this.background = background;
    this.clock = clock;
    this.node = node;
  }

  public void warning(PodInfo pod, String reason, String message) {
    emit(pod, "Warning", reason, message);
  }

  public void normal(PodInfo pod, String reason, String message) {
    emit(pod, "Normal", reason, message);
  }

  /** One Event per (pod, type, reason, message), counted up while it repeats. */
  private record EventKey(String podUid, String type, String reason, String message) {}

  private static final class Counted {
    final String name;
    final String firstTimestamp;
    int count;

    Counted(String name, String firstTimestamp) {
      this.name = name;
      this.firstTimestamp = firstTimestamp;
    }
  }

  private static final int MAX_COUNTED = 4096;

  private final Map<EventKey, Counted> counted =
      new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<EventKey, Counted> eldest) {
          return size() > MAX_COUNTED;
        }
      };

  private void emit(PodInfo pod, String type, String reason, String message) {
    String text = message.length() > 1024 ? message.substring(0, 1021) + "..." : message;
    String timestamp = clock.instant().toString();
    EventKey key = new EventKey(pod.uid(), type, reason, text);
    String name;
    String first;
    int count;
    synchronized (counted) {
      Counted entry = counted.computeIfAbsent(key, k -> new Counted(nameOf(pod, k), timestamp));
      entry.count++;
      name = entry.name;
      first = entry.firstTimestamp;
      count = entry.count;
    }
    Event event =
        new EventBuilder()
            .withNewMetadata()
            .withNamespace(pod.namespace())
            .withName(name)
            .endMetadata()
            .withNewInvolvedObject()
            .withApiVersion("v1")
            .withKind("Pod")
            .withName(pod.name())
            .withNamespace(pod.namespace())
            .withUid(pod.uid())
            .endInvolvedObject()
            .withType(type)
            .withReason(reason)
            .withMessage(text)
            .withFirstTimestamp(first)
            .withLastTimestamp(timestamp)
            .withCount(count)
            .withNewSource()
            .withComponent(COMPONENT)
            .withHost(node)
            .endSource()
            .withReportingComponent(COMPONENT)
            .withReportingInstance(node)
            .build();
    // One writer thread, in order: a repeat is counted on the Event its first occurrence created.
    background.execute(
        () -> {
          try {
            if (count == 1 || !countUp(event, count, timestamp)) {
              create(pod, event, timestamp);
            }
          } catch (RuntimeException e) {
            log.warn(
                "could not record event {} on pod {}/{}: {}",
                reason,
                pod.namespace(),
                pod.name(),
                e.getMessage());
          }
        });
  }

  /** Creates the Event; one of that name from an earlier run of the driver is counted up. */
  private void create(PodInfo pod, Event event, String timestamp) {
    try {
      kubernetes.v1().events().inNamespace(pod.namespace()).resource(event).create();
    } catch (KubernetesClientException e) {
      if (e.getCode() != 409) {
        throw e;
      }
      // Its count from before the restart is not known without a read: counting restarts.
      patchCount(event, event.getCount(), timestamp);
    }
  }

  /**
   * A JSON merge patch of count and lastTimestamp: needs only the {@code patch} right. The Event we
   * built is handed to fabric8 as the patched resource: given only a name, its {@code patch} (like
   * {@code edit}) reads the Event first, a {@code get} the driver's ClusterRole does not have (seen
   * on the real API server: "Failure executing: GET ... events ... forbidden").
   */
  private void patchCount(Event event, int count, String timestamp) {
    kubernetes
        .v1()
        .events()
        .inNamespace(event.getMetadata().getNamespace())
        .resource(event)
        .patch(
            PatchContext.of(PatchType.JSON_MERGE),
            "{\"count\":" + count + ",\"lastTimestamp\":\"" + timestamp + "\"}");
  }

  /** Counts an existing Event up; false if it is gone (expired), so a new one is created. */
  private boolean countUp(Event event, int count, String timestamp) {
    try {
      patchCount(event, count, timestamp);
      return true;
    } catch (KubernetesClientException e) {
      if (e.getCode() == 404) {
        return false;
      }
      throw e;
    }
  }

  /** {@code <pod>.<hash>}: stable for one (pod, type, reason, message), within 253 characters. */
  private static String nameOf(PodInfo pod, EventKey key) {
    try {
      byte[] digest =
          MessageDigest.getInstance("SHA-256")
              .digest(
                  String.join("\u0000", key.podUid(), key.type(), key.reason(), key.message())
                      .getBytes(StandardCharsets.UTF_8));
      String podName = pod.name().length() > 200 ? pod.name().substring(0, 200) : pod.name();
      return podName + "." + HexFormat.of().formatHex(digest, 0, 8);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
