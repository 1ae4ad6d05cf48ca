package io.secretsstore.driver;

import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
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
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

/**
 * Calls the driver the way kubelet does for an inline CSI volume (podInfoOnMount, tokenRequests).
 */
final class Kubelet implements AutoCloseable {

  /** A pod with one inline secrets volume. */
  record Pod(String namespace, String name, String uid, String serviceAccount, String volume) {
    static Pod of(String namespace, String name, String serviceAccount) {
      return new Pod(namespace, name, UUID.randomUUID().toString(), serviceAccount, "secrets");
    }

    String volumeId() {
      // kubelet's id for inline volumes: "csi-" + sha256 of pod uid, driver and volume name.
      return "csi-" + uid.replace("-", "") + "-" + volume;
    }
  }

  private final MultiThreadIoEventLoopGroup group =
      new MultiThreadIoEventLoopGroup(1, EpollIoHandler.newFactory());
  private final ManagedChannel channel;
  final NodeGrpc.NodeBlockingStub node;
  final IdentityGrpc.IdentityBlockingStub identity;
  private final Path podsDir;

  Kubelet(Path socket, Path podsDir) {
    this.podsDir = podsDir;
    channel =
        NettyChannelBuilder.forAddress(new DomainSocketAddress(socket.toFile()))
            .eventLoopGroup(group)
            .channelType(EpollDomainSocketChannel.class)
            .usePlaintext()
            .build();
    node = NodeGrpc.newBlockingStub(channel);
    identity = IdentityGrpc.newBlockingStub(channel);
  }

  Path target(Pod pod) {
    return podsDir
        .resolve(pod.uid())
        .resolve("volumes/kubernetes.io~csi")
        .resolve(pod.volume())
        .resolve("mount");
  }

  /** The audience of the chart's CSIDriver tokenRequests (tokenAudience). */
  static final String AUDIENCE = "secrets-store";

  /** Volume context as kubelet builds it, plus the pod's volumeAttributes. */
  static Map<String, String> volumeContext(
      Pod pod, String token, Map<String, String> volumeAttributes) {
    return volumeContext(pod, token, volumeAttributes, Instant.now().plusSeconds(3600));
  }

  /** With the {@code expirationTimestamp} kubelet reports for the token. */
  static Map<String, String> volumeContext(
      Pod pod, String token, Map<String, String> volumeAttributes, Instant tokenExpires) {
    Map<String, String> context = new LinkedHashMap<>(volumeAttributes);
    context.put(CsiNames.POD_NAME, pod.name());
    context.put(CsiNames.POD_NAMESPACE, pod.namespace());
    context.put(CsiNames.POD_UID, pod.uid());
    context.put(CsiNames.SERVICE_ACCOUNT_NAME, pod.serviceAccount());
    context.put(CsiNames.EPHEMERAL, "true");
    if (token != null) {
      context.put(
          CsiNames.SERVICE_ACCOUNT_TOKENS,
          "{\""
              + AUDIENCE
              + "\":{\"token\":\""
              + token
              + "\",\"expirationTimestamp\":\""
              + tokenExpires
              + "\"}}");
    }
    return context;
  }

  void publish(Pod pod, String token, Map<String, String> volumeAttributes) {
    publish(pod, volumeContext(pod, token, volumeAttributes));
  }

  void publish(Pod pod, Map<String, String> context) throws StatusRuntimeException {
    try {
      // kubelet creates the volume's directory; the driver creates and mounts "mount" in it.
      Files.createDirectories(target(pod).getParent());
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
    node.withDeadlineAfter(180, TimeUnit.SECONDS)
        .nodePublishVolume(
            NodePublishVolumeRequest.newBuilder()
                .setVolumeId(pod.volumeId())
                .setTargetPath(target(pod).toString())
                .setVolumeCapability(
                    VolumeCapability.newBuilder()
                        .setMount(VolumeCapability.MountVolume.getDefaultInstance())
                        .setAccessMode(
                            VolumeCapability.AccessMode.newBuilder()
                                .setMode(VolumeCapability.AccessMode.Mode.SINGLE_NODE_READER_ONLY)))
                .setReadonly(true)
                .putAllVolumeContext(context)
                .build());
  }

  void unpublish(Pod pod) {
    node.withDeadlineAfter(180, TimeUnit.SECONDS)
        .nodeUnpublishVolume(
            NodeUnpublishVolumeRequest.newBuilder()
                .setVolumeId(pod.volumeId())
                .setTargetPath(target(pod).toString())
                .build());
  }

  boolean probe() {
    return identity
        .withDeadlineAfter(10, TimeUnit.SECONDS)
        .probe(ProbeRequest.getDefaultInstance())
        .getReady()
        .getValue();
  }

  @Override
  public void close() {
    channel.shutdownNow();
    group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
  }
}
