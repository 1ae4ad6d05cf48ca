package io.secretsstore.helm;

import static io.secretsstore.helm.DaemonBenchSupport.*;
import static io.secretsstore.helm.DaemonMemory.*;
import static io.secretsstore.helm.DaemonsBenchmark.*;

import io.grpc.ManagedChannel;
import io.grpc.netty.NettyChannelBuilder;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.EpollDomainSocketChannel;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.unix.DomainSocketAddress;
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
    final MultiThreadIoEventLoopGroup group =
        new MultiThreadIoEventLoopGroup(1, EpollIoHandler.newFactory());
    final ManagedChannel channel;
    final Path podsDir;

    Csi(Path socket, Path podsDir) {
      this.podsDir = podsDir;
      channel =
          NettyChannelBuilder.forAddress(new DomainSocketAddress(socket.toFile()))
              .eventLoopGroup(group)
              .channelType(EpollDomainSocketChannel.class)
              .usePlaintext()
              .build();
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
      channel.shutdownNow();
      group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
    }
  }

  static boolean versionAnswers(Path socket) {
    if (!Files.exists(socket)) {
      return false;
    }
    MultiThreadIoEventLoopGroup group =
        new MultiThreadIoEventLoopGroup(1, EpollIoHandler.newFactory());
    ManagedChannel channel =
        NettyChannelBuilder.forAddress(new DomainSocketAddress(socket.toFile()))
            .eventLoopGroup(group)
            .channelType(EpollDomainSocketChannel.class)
            .usePlaintext()
            .build();
    try {
      CSIDriverProviderGrpc.newBlockingStub(channel)
          .withDeadlineAfter(2, TimeUnit.SECONDS)
          .version(VersionRequest.newBuilder().setVersion("v1alpha1").build());
      return true;
    } catch (RuntimeException e) {
      return false;
    } finally {
      channel.shutdownNow();
      group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
    }
  }

  static final HttpClient HTTP =
      HttpClient.newBuilder()
          .version(HttpClient.Version.HTTP_1_1)
          .connectTimeout(Duration.ofSeconds(2))
          .build();
}
