package io.secretsstore.helm;

import static io.secretsstore.helm.DaemonBenchSupport.*;
import static io.secretsstore.helm.DaemonMemory.*;
import static io.secretsstore.helm.DaemonsBenchmark.*;

import io.grpc.ManagedChannel;
import io.secretsstore.model.csi.v1.IdentityGrpc;
import io.secretsstore.model.csi.v1.NodeGrpc;
import io.secretsstore.model.csi.v1.NodePublishVolumeRequest;
import io.secretsstore.model.csi.v1.NodeUnpublishVolumeRequest;
import io.secretsstore.model.csi.v1.ProbeRequest;
import io.secretsstore.model.csi.v1.VolumeCapability;
import io.secretsstore.model.names.CsiNames;
import io.secretsstore.model.provider.v1alpha1.CSIDriverProviderGrpc;
import io.secretsstore.model.provider.v1alpha1.VersionRequest;
import java.io.IOException;
import java.net.http.HttpClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** The benchmark as kubelet: CSI calls to the driver and a provider version probe. */
final class KubeletCsi {

  private KubeletCsi() {}

  record Pod(String name, String uid) {
    String volumeId() {
      return "csi-" + uid.replace("-", "") + "-secrets";
    }
  }

  /** Calls the driver as kubelet does for an inline volume (podInfoOnMount, tokenRequests). */
  static final class Csi implements AutoCloseable {
    private final UnixChannel unix;
    private final ManagedChannel channel;
    final Path podsDir;

    Csi(Path socket, Path podsDir) {
      this.podsDir = podsDir;
      unix = new UnixChannel(socket);
      channel = unix.channel;
    }

    Path target(Pod pod) {
      return podsDir.resolve(pod.uid()).resolve("volumes/kubernetes.io~csi/secrets/mount");
    }

    boolean probes() {
      try {
        return IdentityGrpc.newBlockingStub(channel)
            .withDeadlineAfter(2, TimeUnit.SECONDS)
            .probe(ProbeRequest.getDefaultInstance())
            .hasReady();
      } catch (RuntimeException e) {
        return false;
      }
    }

    void publish(Pod pod, String token) {
      publish(pod, ACCOUNT, token);
    }

    /** As kubelet publishes a volume of a pod running as service account {@code account}. */
    void publish(Pod pod, String account, String token) {
      try {
        Files.createDirectories(target(pod).getParent());
      } catch (IOException e) {
        throw new IllegalStateException(e);
      }
      Map<String, String> context = new LinkedHashMap<>();
      context.put("secretsStoreImport", "bench");
      context.put(CsiNames.POD_NAME, pod.name());
      context.put(CsiNames.POD_NAMESPACE, NAMESPACE);
      context.put(CsiNames.POD_UID, pod.uid());
      context.put(CsiNames.SERVICE_ACCOUNT_NAME, account);
      context.put(CsiNames.EPHEMERAL, "true");
      context.put(
          CsiNames.SERVICE_ACCOUNT_TOKENS,
          "{\"%s\":{\"token\":\"%s\",\"expirationTimestamp\":\"%s\"}}"
              .formatted(AUDIENCE, token, Instant.now().plusSeconds(3600)));
      NodeGrpc.newBlockingStub(channel)
          .withDeadlineAfter(180, TimeUnit.SECONDS)
          .nodePublishVolume(
              NodePublishVolumeRequest.newBuilder()
                  .setVolumeId(pod.volumeId())
                  .setTargetPath(target(pod).toString())
                  .setVolumeCapability(
                      VolumeCapability.newBuilder()
                          .setMount(VolumeCapability.MountVolume.getDefaultInstance())
                          .setAccessMode(
                              VolumeCapability.AccessMode.newBuilder()
                                  .setMode(
                                      VolumeCapability.AccessMode.Mode.SINGLE_NODE_READER_ONLY)))
                  .setReadonly(true)
                  .putAllVolumeContext(context)
                  .build());
    }

    void unpublish(Pod pod) {
      NodeGrpc.newBlockingStub(channel)
          .withDeadlineAfter(180, TimeUnit.SECONDS)
          .nodeUnpublishVolume(
              NodeUnpublishVolumeRequest.newBuilder()
                  .setVolumeId(pod.volumeId())
                  .setTargetPath(target(pod).toString())
                  .build());
    }

    @Override
    public void close() {
      unix.close();
    }
  }

  static boolean versionAnswers(Path socket) {
    if (!Files.exists(socket)) {
      return false;
    }
    try (UnixChannel unix = new UnixChannel(socket)) {
      CSIDriverProviderGrpc.newBlockingStub(unix.channel)
          .withDeadlineAfter(2, TimeUnit.SECONDS)
          .version(VersionRequest.newBuilder().setVersion("v1alpha1").build());
      return true;
    } catch (RuntimeException e) {
      return false;
    }
  }

  static final HttpClient HTTP =
      HttpClient.newBuilder()
          .version(HttpClient.Version.HTTP_1_1)
          .connectTimeout(Duration.ofSeconds(2))
          .build();
}
