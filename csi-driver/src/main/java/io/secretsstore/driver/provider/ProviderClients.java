package io.secretsstore.driver.provider;

import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.EpollIoHandler;
import io.secretsstore.model.provider.ProviderProtocol;
import io.secretsstore.model.provider.v1alpha1.CSIDriverProviderGrpc;
import io.secretsstore.model.provider.v1alpha1.MountRequest;
import io.secretsstore.model.provider.v1alpha1.MountResponse;
import io.secretsstore.model.provider.v1alpha1.VersionRequest;
import io.secretsstore.model.provider.v1alpha1.VersionResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

/**
 * gRPC clients of the secrets-store providers, one channel per provider socket {@code
 * <providers-dir>/<provider>.sock}, reused across calls.
 */
public final class ProviderClients implements AutoCloseable {

  /** Trailer in which our provider sends its stable error code. */
  public static final String ERROR_CODE_TRAILER = ProviderProtocol.ERROR_CODE_TRAILER;

  private static final Metadata.Key<String> ERROR_CODE =
      Metadata.Key.of(ERROR_CODE_TRAILER, Metadata.ASCII_STRING_MARSHALLER);

  /** Provider names become file names: keep them to what a socket name can safely be. */
  private static final Pattern PROVIDER_NAME = Pattern.compile("^[a-z0-9][a-z0-9._-]{0,62}$");

  /** The driver's receive limit, as the upstream driver's default. */
  static final int MAX_MESSAGE_BYTES = 4 * 1024 * 1024;

  private final Path providersDir;
  private final Duration timeout;
  private final MultiThreadIoEventLoopGroup group =
      new MultiThreadIoEventLoopGroup(2, EpollIoHandler.newFactory());
  private final Map<Path, ManagedChannel> channels = new ConcurrentHashMap<>();

  public ProviderClients(Path providersDir, Duration timeout) {
    this.providersDir = providersDir;
    this.timeout = timeout;
  }

  public static boolean isValidProviderName(String name) {
    return name != null && PROVIDER_NAME.matcher(name).matches();
  }

  public Path socketOf(String provider) {
    return providersDir.resolve(provider + ".sock");
  }

  public MountResponse mount(String provider, MountRequest request) throws ProviderException {
    CSIDriverProviderGrpc.CSIDriverProviderBlockingStub stub = stub(provider);
    try {
      return stub.withDeadlineAfter(timeout.toMillis(), TimeUnit.MILLISECONDS).mount(request);
    } catch (StatusRuntimeException e) {
      throw failure(provider, e);
    }
  }

  public VersionResponse version(String provider, Duration deadline) throws ProviderException {
    try {
      return stub(provider)
          .withDeadlineAfter(deadline.toMillis(), TimeUnit.MILLISECONDS)
          .version(VersionRequest.newBuilder().setVersion("v1alpha1").build());
    } catch (StatusRuntimeException e) {
      throw failure(provider, e);
    }
  }

  private CSIDriverProviderGrpc.CSIDriverProviderBlockingStub stub(String provider)
      throws ProviderException {
    if (!isValidProviderName(provider)) {
      throw new ProviderException(
          "provider_not_found", "'" + provider + "' is not a valid provider name", null);
    }
    Path socket = socketOf(provider);
    if (!Files.exists(socket)) {
      throw new ProviderException(
          "provider_not_found",
          "provider '"
              + provider
              + "' is not running on this node: no socket at "
              + socket
              + " (is the provider DaemonSet installed and ready?)",
          null);
    }
    return CSIDriverProviderGrpc.newBlockingStub(channels.computeIfAbsent(socket, this::channel));
  }

  private ManagedChannel channel(Path socket) {
    return UnixSocketChannels.builder(socket, group)
        .maxInboundMessageSize(MAX_MESSAGE_BYTES)
        .build();
  }

  private ProviderException failure(String provider, StatusRuntimeException e) {
    Status status = e.getStatus();
    String code = e.getTrailers() == null ? null : e.getTrailers().get(ERROR_CODE);
    String description = status.getDescription() == null ? "" : status.getDescription();
    if (code == null) {
      code =
          switch (status.getCode()) {
            case UNAVAILABLE -> "provider_unavailable";
            case DEADLINE_EXCEEDED -> "provider_timeout";
            default -> "provider_error";
          };
      if (status.getCode() == Status.Code.UNAVAILABLE) {
        description = "provider '" + provider + "' does not answer on " + socketOf(provider);
      } else if (status.getCode() == Status.Code.DEADLINE_EXCEEDED) {
        description = "provider '" + provider + "' did not answer within " + timeout;
      }
    }
    return new ProviderException(code, description, e);
  }

  @Override
  public void close() {
    channels.values().forEach(ManagedChannel::shutdownNow);
    group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
  }
}
