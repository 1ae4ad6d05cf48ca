package io.secretsstore.driver.health;

import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.EpollIoHandler;
import io.secretsstore.driver.provider.UnixSocketChannels;
import io.secretsstore.model.csi.v1.IdentityGrpc;
import io.secretsstore.model.csi.v1.ProbeRequest;
import io.secretsstore.model.csi.v1.ProbeResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;

/**
 * What the upstream livenessprobe sidecar checks: kubelet's CSI socket answers {@code
 * Identity/Probe} with ready. Part of the liveness group, so a driver whose socket stopped serving
 * (deleted, wedged) is restarted.
 */
public final class CsiSocketHealthIndicator implements HealthIndicator, AutoCloseable {

  private final Path socket;
  private final Duration deadline;
  private final MultiThreadIoEventLoopGroup group =
      new MultiThreadIoEventLoopGroup(1, EpollIoHandler.newFactory());
  private final ManagedChannel channel;

  public CsiSocketHealthIndicator(Path socket, Duration deadline) {
    this.socket = socket;
    this.deadline = deadline;
    this.channel = UnixSocketChannels.builder(socket, group).build();
  }

  @Override
  public Health health() {
    try {
      ProbeResponse probe =
          IdentityGrpc.newBlockingStub(channel)
              .withDeadlineAfter(deadline.toMillis(), TimeUnit.MILLISECONDS)
              .probe(ProbeRequest.getDefaultInstance());
      boolean ready = !probe.hasReady() || probe.getReady().getValue();
      return (ready ? Health.up() : Health.down()).withDetail("socket", socket.toString()).build();
    } catch (StatusRuntimeException e) {
      return Health.down()
          .withDetail("socket", socket.toString())
          .withDetail("error", "Probe failed: " + e.getStatus().getCode())
          .build();
    }
  }

  @Override
  public void close() {
    channel.shutdownNow();
    group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
  }
}
