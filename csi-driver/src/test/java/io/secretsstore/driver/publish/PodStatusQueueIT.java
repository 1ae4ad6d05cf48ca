package io.secretsstore.driver.publish;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.secretsstore.driver.status.PodStatusWriter;
import io.secretsstore.model.crd.SecretsStoreImportPodStatus;
import io.secretsstore.testkit.SharedStore;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.AbstractExecutorService;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The status writer keeps the latest desired state per object (issue 14 item 9): the shared writer
 * queue drops its oldest task when full, which lost an object's only write. Here the queue is held
 * and its oldest tasks dropped by hand, against the fabric8 mock API server.
 */
class PodStatusQueueIT {

  /** Holds tasks until the test runs them. */
  static final class HeldExecutor extends AbstractExecutorService {
    final List<Runnable> tasks = new ArrayList<>();

    @Override
    public void execute(Runnable task) {
      tasks.add(task);
    }

    @Override
    public void shutdown() {}

    @Override
    public List<Runnable> shutdownNow() {
      return List.of();
    }

    @Override
    public boolean isShutdown() {
      return false;
    }

    @Override
    public boolean isTerminated() {
      return false;
    }

    @Override
    public boolean awaitTermination(long timeout, TimeUnit unit) {
      return true;
    }
  }

  static MountedVolume volume(String podName, String uid) {
    return new MountedVolume(
        "csi-" + uid,
        Path.of("/pods/" + uid + "/volumes/kubernetes.io~csi/secrets/mount"),
        new PodInfo(podName, "status-queue", uid, "app", "secrets"),
        Map.of(),
        Instant.parse("2026-11-25T10:00:00Z"),
        null,
        Map.of("k", "v-1"),
        new ProviderMount("vault", "SecretsStoreImport", "db", Map.of()),
        null);
  }

  static SecretsStoreImportPodStatus get(KubernetesClient api, MountedVolume volume) {
    return api.resources(SecretsStoreImportPodStatus.class)
        .inNamespace("status-queue")
        .withName(PodStatusWriter.objectName(volume.pod().name(), "secrets"))
        .get();
  }

  @Test
  void droppedTasksLoseNoStateAndEachObjectIsWrittenOnce() {
    KubernetesClient api = SharedStore.kubernetes().client();
    HeldExecutor queue = new HeldExecutor();
    PodStatusWriter writer = new PodStatusWriter(api, queue, "node-1", true);
    MountedVolume a = volume("queue-a", "uid-a");
    MountedVolume b = volume("queue-b", "uid-b");
    for (int i = 1; i <= 3; i++) {
      a.lastError("error " + i);
      writer.mounted(a);
    }
    writer.mounted(b);
    assertThat(queue.tasks).hasSize(4);
    // The full queue dropped the three oldest tasks (all of a's): the last one writes both.
    queue.tasks.getLast().run();
    assertThat(get(api, a).getStatus().getError()).isEqualTo("error 3");
    assertThat(get(api, b).getStatus().getError()).isNull();
    String written = get(api, a).getMetadata().getResourceVersion();
    // The dropped tasks, had they run, find nothing left to do.
    queue.tasks.subList(0, 3).forEach(Runnable::run);
    assertThat(get(api, a).getMetadata().getResourceVersion()).isEqualTo(written);

    // Mounted, then unmounted before anything ran: the latest desired state is "gone".
    queue.tasks.clear();
    writer.mounted(b);
    writer.unmounted(b);
    queue.tasks.getFirst().run();
    assertThat(get(api, b)).isNull();
  }

  /**
   * A new pod volume's status costs a create and a status update, without a read (issue 17: the
   * writes share the node's cores with the next publish); a later write reads first (ownership,
   * resourceVersion), and an object of that name this run did not write is found by the create's
   * 409 and then checked as before.
   */
  @Test
  void aNewVolumesStatusIsCreatedWithoutAReadAndLaterWritesReadFirst() {
    var mock = SharedStore.kubernetes();
    KubernetesClient api = mock.client();
    HeldExecutor queue = new HeldExecutor();
    PodStatusWriter writer = new PodStatusWriter(api, queue, "node-1", true);
    MountedVolume fresh = volume("count-a", "uid-count-a");
    String path =
        "/apis/deckhouse.io/v1alpha1/namespaces/status-queue/secretsstoreimportpodstatuses";
    int[] before = requests(mock, path);

    writer.mounted(fresh);
    queue.tasks.removeFirst().run();
    assertThat(difference(requests(mock, path), before))
        .as("GET, POST, PUT for a new volume")
        .containsExactly(0, 1, 1);
    assertThat(get(api, fresh).getStatus().getPodUID()).isEqualTo("uid-count-a");

    before = requests(mock, path);
    fresh.lastError("rotation failed");
    writer.mounted(fresh);
    queue.tasks.removeFirst().run();
    assertThat(difference(requests(mock, path), before))
        .as("GET, POST, PUT for a volume this run wrote")
        .containsExactly(1, 0, 1);
    assertThat(get(api, fresh).getStatus().getError()).isEqualTo("rotation failed");

    // Written by an earlier run of the driver (same pod): the create's 409, then read and kept.
    PodStatusWriter restarted = new PodStatusWriter(api, queue, "node-1", true);
    before = requests(mock, path);
    fresh.lastError(null);
    restarted.mounted(fresh);
    queue.tasks.removeFirst().run();
    assertThat(difference(requests(mock, path), before))
        .as("GET, POST, PUT for an object of an earlier run")
        .containsExactly(1, 1, 1);
    assertThat(get(api, fresh).getStatus().getError()).isNull();
    assertThat(get(api, fresh).getMetadata().getOwnerReferences().getFirst().getUid())
        .isEqualTo("uid-count-a");
  }

  private static int[] requests(io.secretsstore.testkit.KubernetesApiMock mock, String path) {
    return new int[] {
      mock.requestCount("GET", path),
      mock.requestCount("POST", path),
      mock.requestCount("PUT", path)
    };
  }

  private static List<Integer> difference(int[] after, int[] before) {
    return List.of(after[0] - before[0], after[1] - before[1], after[2] - before[2]);
  }
}
