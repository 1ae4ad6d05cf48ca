package io.secretsstore.provider;

import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.NettyChannelBuilder;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.EpollDomainSocketChannel;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.unix.DomainSocketAddress;
import io.secretsstore.model.names.CsiNames;
import io.secretsstore.model.provider.v1alpha1.CSIDriverProviderGrpc;
import io.secretsstore.model.provider.v1alpha1.MountRequest;
import io.secretsstore.model.provider.v1alpha1.MountResponse;
import io.secretsstore.provider.grpc.ProviderGrpcService;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import tools.jackson.databind.json.JsonMapper;

/** A driver-like gRPC client on the provider's unix socket. */
final class ProviderClient implements AutoCloseable {

  static final JsonMapper JSON = JsonMapper.builder().build();

  private final MultiThreadIoEventLoopGroup group =
      new MultiThreadIoEventLoopGroup(2, EpollIoHandler.newFactory());
  private final ManagedChannel channel;
  final CSIDriverProviderGrpc.CSIDriverProviderBlockingStub stub;
  final CSIDriverProviderGrpc.CSIDriverProviderFutureStub futures;

  ProviderClient(Path socket) {
    channel =
        NettyChannelBuilder.forAddress(new DomainSocketAddress(socket.toFile()))
            .eventLoopGroup(group)
            .channelType(EpollDomainSocketChannel.class)
            .usePlaintext()
            .maxInboundMessageSize(4 * 1024 * 1024)
            .build();
    stub = CSIDriverProviderGrpc.newBlockingStub(channel);
    futures = CSIDriverProviderGrpc.newFutureStub(channel);
  }

  MountResponse mount(Map<String, String> attributes) {
    return stub.withDeadlineAfter(60, TimeUnit.SECONDS).mount(request(attributes));
  }

  static MountRequest request(Map<String, String> attributes) {
    return MountRequest.newBuilder()
        .setAttributes(JSON.writeValueAsString(attributes))
        .setSecrets("{}")
        .setTargetPath("/var/lib/kubelet/pods/uid/volumes/kubernetes.io~csi/secrets/mount")
        .setPermission("420")
        .build();
  }

  /** kubelet's volume context for a pod, plus the given parameters. */
  static Map<String, String> attributes(
      String namespace,
      String account,
      Map<String, String> tokensByAudience,
      Map<String, String> parameters) {
    Map<String, String> attributes = new LinkedHashMap<>(parameters);
    attributes.put(CsiNames.POD_NAME, "app-7d9f");
    attributes.put(CsiNames.POD_NAMESPACE, namespace);
    attributes.put(CsiNames.POD_UID, "0b5c6f0e-1111-2222-3333-444455556666");
    attributes.put(CsiNames.SERVICE_ACCOUNT_NAME, account);
    attributes.put(CsiNames.EPHEMERAL, "true");
    Map<String, Object> tokens = new LinkedHashMap<>();
    tokensByAudience.forEach(
        (audience, token) ->
            tokens.put(
                audience, Map.of("token", token, "expirationTimestamp", "2030-01-01T00:00:00Z")));
    attributes.put(CsiNames.SERVICE_ACCOUNT_TOKENS, JSON.writeValueAsString(tokens));
    return attributes;
  }

  /** The status and error-code trailer of a failed call. */
  record Failure(Status.Code status, String code, String message) {}

  static Failure failure(StatusRuntimeException e) {
    Metadata trailers = e.getTrailers();
    return new Failure(
        e.getStatus().getCode(),
        trailers == null ? null : trailers.get(ProviderGrpcService.ERROR_CODE),
        e.getStatus().getDescription());
  }

  @Override
  public void close() throws InterruptedException {
    channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
  }
}
