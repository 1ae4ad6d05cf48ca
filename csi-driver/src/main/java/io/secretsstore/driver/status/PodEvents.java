package io.secretsstore.driver.status;

import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.EventBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.secretsstore.driver.publish.PodInfo;
import java.time.Clock;
import java.time.Instant;
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

  private void emit(PodInfo pod, String type, String reason, String message) {
    Instant now = clock.instant();
    String timestamp = now.toString();
    Event event =
        new EventBuilder()
            .withNewMetadata()
            .withNamespace(pod.namespace())
            .withName(
                pod.name()
                    + "."
                    + Long.toHexString(now.toEpochMilli())
                    + Integer.toHexString(
                        java.util.concurrent.ThreadLocalRandom.current().nextInt(1 << 16)))
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
            .withMessage(message.length() > 1024 ? message.substring(0, 1021) + "..." : message)
            .withFirstTimestamp(timestamp)
            .withLastTimestamp(timestamp)
            .withCount(1)
            .withNewSource()
            .withComponent(COMPONENT)
            .withHost(node)
            .endSource()
            .withReportingComponent(COMPONENT)
            .withReportingInstance(node)
            .build();
    background.execute(
        () -> {
          try {
            kubernetes.v1().events().inNamespace(pod.namespace()).resource(event).create();
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
}
