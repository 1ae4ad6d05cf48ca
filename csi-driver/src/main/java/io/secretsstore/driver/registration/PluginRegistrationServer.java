package io.secretsstore.driver.registration;

import io.grpc.Server;
import io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.StreamObserver;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerDomainSocketChannel;
import io.netty.channel.unix.DomainSocketAddress;
import io.secretsstore.driver.provider.UnixSocketChannels;
import io.secretsstore.model.pluginregistration.v1.InfoRequest;
import io.secretsstore.model.pluginregistration.v1.PluginInfo;
import io.secretsstore.model.pluginregistration.v1.RegistrationGrpc;
import io.secretsstore.model.pluginregistration.v1.RegistrationStatus;
import io.secretsstore.model.pluginregistration.v1.RegistrationStatusResponse;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Registers the driver with kubelet's plugin watcher, the job of the upstream node-driver-registrar
 * sidecar: serves {@code pluginregistration.Registration} on {@code
 * <kubelet-root>/plugins_registry/<driver>-reg.sock}. kubelet finds the socket, asks {@code
 * GetInfo} (type {@code CSIPlugin}, the driver name, the CSI socket's path, CSI {@code 1.0.0}),
 * registers the driver and reports the outcome with {@code NotifyRegistrationStatus}.
 */
public final class PluginRegistrationServer implements AutoCloseable {

  /** kubelet's plugin type of CSI drivers. */
  public static final String CSI_PLUGIN = "CSIPlugin";

  /** The CSI versions kubelet may choose from (kubelet accepts 1.x). */
  public static final List<String> SUPPORTED_VERSIONS = List.of("1.0.0");

  private static final Logger log = LoggerFactory.getLogger(PluginRegistrationServer.class);

  /** What kubelet last said; {@code null} until it called. */
  public record KubeletAnswer(boolean registered, String error) {}

  private final Path socket;
  private final PluginInfo info;
  private final MultiThreadIoEventLoopGroup group =
      new MultiThreadIoEventLoopGroup(1, EpollIoHandler.newFactory());
  private volatile Server server;
  private volatile KubeletAnswer lastAnswer;

  public PluginRegistrationServer(Path socket, String driverName, String csiEndpointOnHost) {
    this.socket = socket;
    this.info =
        PluginInfo.newBuilder()
            .setType(CSI_PLUGIN)
            .setName(driverName)
            .setEndpoint(csiEndpointOnHost)
            .addAllSupportedVersions(SUPPORTED_VERSIONS)
            .build();
  }

  /** Binds the socket, replacing one a previous run left behind. */
  public synchronized void start() {
    try {
      Files.createDirectories(socket.getParent());
      Files.deleteIfExists(socket);
      server =
          UnixSocketChannels.withoutTcpOptions(
                  NettyServerBuilder.forAddress(new DomainSocketAddress(socket.toFile())))
              .channelType(EpollServerDomainSocketChannel.class)
              .bossEventLoopGroup(group)
              .workerEventLoopGroup(group)
              // Two answers from memory: on the transport thread, no executor threads at all.
              .directExecutor()
              .addService(new Registration())
              .build()
              .start();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot serve kubelet's registration socket " + socket, e);
    }
    log.info("serving kubelet plugin registration on {} for {}", socket, info.getEndpoint());
  }

  public Path socket() {
    return socket;
  }

  /** The last status kubelet reported, or null if it has not called yet. */
  public KubeletAnswer lastAnswer() {
    return lastAnswer;
  }

  /**
   * Whether kubelet can still find us: the server runs and its socket file exists (kubelet's plugin
   * watcher forgets a plugin whose socket is deleted, e.g. when its directory is cleaned).
   */
  public boolean serving() {
    Server current = server;
    return current != null && !current.isShutdown() && Files.exists(socket);
  }

  @Override
  public synchronized void close() {
    Server current = server;
    if (current != null) {
      current.shutdownNow();
      try {
        current.awaitTermination(2, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
    try {
      Files.deleteIfExists(socket);
    } catch (IOException e) {
      log.warn("could not remove {}: {}", socket, e.getMessage());
    }
  }

  private final class Registration extends RegistrationGrpc.RegistrationImplBase {
    @Override
    public void getInfo(InfoRequest request, StreamObserver<PluginInfo> response) {
      response.onNext(info);
      response.onCompleted();
    }

    @Override
    public void notifyRegistrationStatus(
        RegistrationStatus status, StreamObserver<RegistrationStatusResponse> response) {
      lastAnswer = new KubeletAnswer(status.getPluginRegistered(), status.getError());
      if (status.getPluginRegistered()) {
        log.info("kubelet registered CSI driver {} at {}", info.getName(), info.getEndpoint());
      } else {
        log.error("kubelet did not register CSI driver {}: {}", info.getName(), status.getError());
      }
      response.onNext(RegistrationStatusResponse.getDefaultInstance());
      response.onCompleted();
    }
  }
}
