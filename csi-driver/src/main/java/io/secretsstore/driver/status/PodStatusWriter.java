package io.secretsstore.driver.status;

import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.secretsstore.driver.publish.MountedVolume;
import io.secretsstore.model.crd.PodMountStatus;
import io.secretsstore.model.crd.SecretsStoreImportPodStatus;
import io.secretsstore.model.names.CsiNames;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps one {@link SecretsStoreImportPodStatus} per mounted pod volume: the import, the object
 * versions, the last rotation and the last error. The object is owned by the pod, so Kubernetes
 * deletes it with the pod; only the driver of the pod's node writes it. Written in the background:
 * status is for people, and must not slow down or fail mounts.
 */
public final class PodStatusWriter {

  private static final Logger log = LoggerFactory.getLogger(PodStatusWriter.class);
  static final String MANAGED_BY = "secrets-store-csi-driver";

  private final KubernetesClient kubernetes;
  private final ExecutorService background;
  private final String node;
  private final boolean enabled;
  private final Map<String, Runnable> pending = new LinkedHashMap<>();

  /**
   * Objects this run created or found to be this pod's: they are read before a write (ownership,
   * resourceVersion). Any other is created first, without a read: a new pod volume's object costs a
   * create and a status update (2 requests, not 3); one that exists answers 409 and takes the read
   * path.
   */
  private final Set<String> written = ConcurrentHashMap.newKeySet();

  public PodStatusWriter(
      KubernetesClient kubernetes, ExecutorService background, String node, boolean enabled) {
    this.kubernetes = kubernetes;
    this.background = background;
    this.node = node;
    this.enabled = enabled;
  }

  /**
   * Name of the status object of a pod volume: {@code <pod>-<volume>-<hash>}, cut to a valid
   * length. The hash is of pod and volume name apart ({@code /} occurs in neither), so {@code a-b}
   * + {@code c} and {@code a} + {@code b-c} get different objects.
   */
  public static String objectName(String pod, String volume) {
    String hash;
    try {
      hash =
          HexFormat.of()
              .formatHex(
                  MessageDigest.getInstance("SHA-256")
                      .digest((pod + "/" + volume).getBytes(StandardCharsets.UTF_8)),
                  0,
                  4);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
    String readable = (pod + "-" + volume).toLowerCase().replaceAll("[^a-z0-9.-]", "-");
    readable = readable.replaceAll("^[^a-z0-9]+|[^a-z0-9]+$", "");
    if (readable.length() > 253 - hash.length() - 1) {
      readable = readable.substring(0, 253 - hash.length() - 1).replaceAll("[^a-z0-9]+$", "");
    }
    return readable + "-" + hash;
  }

  public void mounted(MountedVolume volume) {
    write(volume, true);
  }

  public void unmounted(MountedVolume volume) {
    if (!enabled) {
      return;
    }
    String namespace = volume.pod().namespace();
    String name = objectName(volume.pod().name(), volume.pod().volumeName());
    String key = namespace + "/" + name;
    submit(
        key,
        () -> {
          written.remove(key);
          try {
            kubernetes
                .resources(SecretsStoreImportPodStatus.class)
                .inNamespace(namespace)
                .withName(name)
                .delete();
          } catch (RuntimeException e) {
            log.warn("could not delete the status of {}: {}", volume, e.getMessage());
          }
        });
  }

  /**
   * Queues the latest desired state of one object: a newer write replaces a pending one, and every
   * queued task drains all pending objects. The shared writer queue drops its oldest task when
   * full; no state is lost as long as any later status task runs, and an object is written once
   * however often it changed meanwhile.
   */
  private void submit(String key, Runnable write) {
    synchronized (pending) {
      pending.remove(key);
      pending.put(key, write);
    }
    background.execute(this::drain);
  }

  private void drain() {
    while (true) {
      Runnable next;
      synchronized (pending) {
        var entries = pending.values().iterator();
        if (!entries.hasNext()) {
          return;
        }
        next = entries.next();
        entries.remove();
      }
      next.run();
    }
  }

  private void write(MountedVolume volume, boolean mounted) {
    if (!enabled) {
      return;
    }
    String key =
        volume.pod().namespace() + "/" + objectName(volume.pod().name(), volume.pod().volumeName());
    submit(
        key,
        () -> {
          try {
            // Built on the writer thread, not by the publish that queued it: the volume's state
            // when it is written (every field is volatile; a later change queues a later write).
            SecretsStoreImportPodStatus object = desired(volume, mounted, node);
            if (!written.contains(key) && createdWithStatus(object)) {
              written.add(key);
              return;
            }
            var resource =
                kubernetes
                    .resources(SecretsStoreImportPodStatus.class)
                    .inNamespace(object.getMetadata().getNamespace())
                    .withName(object.getMetadata().getName());
            SecretsStoreImportPodStatus existing = resource.get();
            if (existing != null && !ownedBy(existing, volume.pod().uid())) {
              // Another pod's (an earlier pod of that name, not yet collected) or a forged
              // object: never write this pod's status into it; replace it with ours.
              log.warn(
                  "status object {}/{} is not owned by pod uid {}; replacing it",
                  object.getMetadata().getNamespace(),
                  object.getMetadata().getName(),
                  volume.pod().uid());
              resource.delete();
              existing = null;
            }
            if (existing == null) {
              createWithStatus(object);
            } else {
              existing.setStatus(object.getStatus());
              kubernetes.resource(existing).updateStatus();
            }
            written.add(key);
          } catch (RuntimeException e) {
            log.warn("could not write the status of {}: {}", volume, e.getMessage());
          }
        });
  }

  /** Creates the object, then its status (the status subresource ignores it on create). */
  private void createWithStatus(SecretsStoreImportPodStatus object) {
    SecretsStoreImportPodStatus created = kubernetes.resource(object).create();
    created.setStatus(object.getStatus());
    kubernetes.resource(created).updateStatus();
  }

  /** {@link #createWithStatus}, or false if an object of that name exists already (409). */
  private boolean createdWithStatus(SecretsStoreImportPodStatus object) {
    try {
      createWithStatus(object);
      return true;
    } catch (KubernetesClientException e) {
      if (e.getCode() == 409) {
        return false;
      }
      throw e;
    }
  }

  /** Whether the object's only owner is the pod with {@code uid}. */
  static boolean ownedBy(SecretsStoreImportPodStatus object, String uid) {
    var owners = object.getMetadata().getOwnerReferences();
    return owners != null
        && owners.size() == 1
        && "Pod".equals(owners.getFirst().getKind())
        && uid.equals(owners.getFirst().getUid());
  }

  /** The status object for a volume (pure; tested without a cluster). */
  public static SecretsStoreImportPodStatus desired(
      MountedVolume volume, boolean mounted, String node) {
    SecretsStoreImportPodStatus object = new SecretsStoreImportPodStatus();
    object.setMetadata(
        new ObjectMetaBuilder()
            .withName(objectName(volume.pod().name(), volume.pod().volumeName()))
            .withNamespace(volume.pod().namespace())
            .withLabels(Map.of(CsiNames.MANAGED_BY_LABEL, MANAGED_BY))
            .withOwnerReferences(
                new OwnerReferenceBuilder()
                    .withApiVersion("v1")
                    .withKind("Pod")
                    .withName(volume.pod().name())
                    .withUid(volume.pod().uid())
                    .build())
            .build());
    PodMountStatus status = new PodMountStatus();
    status.setPodName(volume.pod().name());
    status.setPodUID(volume.pod().uid());
    status.setNodeName(node);
    status.setVolumeName(volume.pod().volumeName());
    if (volume.lastMount() != null) {
      status.setImportKind(volume.lastMount().importKind());
      status.setImportName(volume.lastMount().importName());
      status.setProvider(volume.lastMount().provider());
    }
    status.setMounted(mounted);
    List<PodMountStatus.ObjectVersion> objects = new ArrayList<>();
    new TreeMap<>(volume.objectVersions())
        .forEach((id, version) -> objects.add(new PodMountStatus.ObjectVersion(id, version)));
    status.setObjects(objects);
    status.setMountTime(volume.mountTime().toString());
    Instant rotated = volume.lastRotation();
    status.setLastRotationTime(rotated == null ? null : rotated.toString());
    status.setError(volume.lastError());
    Instant skipped = volume.rotationSkippedSince();
    status.setRotationSkippedSince(skipped == null ? null : skipped.toString());
    object.setStatus(status);
    return object;
  }
}
