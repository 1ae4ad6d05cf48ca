package io.secretsstore.driver.provider;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.ConnectivityState;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.NettyServerBuilder;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.EpollDomainSocketChannel;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerDomainSocketChannel;
import io.netty.channel.unix.DomainSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;

/**
 * Real gRPC servers on real unix sockets: grpc-netty's defaults log the keep-alive warning on both
 * sides, ours on neither.
 */
@ExtendWith(OutputCaptureExtension.class)
class UnixSocketChannelsTest {

  private final MultiThreadIoEventLoopGroup group =
      new MultiThreadIoEventLoopGroup(1, EpollIoHandler.newFactory());

  @AfterEach
  void close() {
    group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
  }

  @Test
  void aUnixSocketChannelConnectsWithoutTheKeepAliveWarning(CapturedOutput output)
      throws Exception {
    Path socket = Files.createTempDirectory("uds").resolve("s.sock");
    Path ourSocket = socket.resolveSibling("ours.sock");
    Server server = server(NettyServerBuilder.forAddress(new DomainSocketAddress(socket.toFile())));
    Server ourServer =
        server(
            UnixSocketChannels.withoutTcpOptions(
                NettyServerBuilder.forAddress(new DomainSocketAddress(ourSocket.toFile()))));
    try {
      // The control: grpc-netty's default channel logs the warning on this very socket.
      ManagedChannel plain =
          NettyChannelBuilder.forAddress(new DomainSocketAddress(socket.toFile()))
              .eventLoopGroup(group)
              .channelType(EpollDomainSocketChannel.class)
              .usePlaintext()
              .build();
      awaitReady(plain);
      plain.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
      assertThat(output.getAll()).contains("Unknown channel option 'SO_KEEPALIVE'");
      int before = output.getAll().length();

      ManagedChannel ours = UnixSocketChannels.builder(ourSocket, group).build();
      awaitReady(ours);
      ours.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
      assertThat(output.getAll().substring(before)).doesNotContain("Unknown channel option");
    } finally {
      server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
      ourServer.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
  }

  private Server server(NettyServerBuilder builder) throws java.io.IOException {
    return builder
        .channelType(EpollServerDomainSocketChannel.class)
        .bossEventLoopGroup(group)
        .workerEventLoopGroup(group)
        .build()
        .start();
  }

  /** Until the HTTP/2 connection is up (a state, not a time window), at most 30 s. */
  private static void awaitReady(ManagedChannel channel) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    while (channel.getState(true) != ConnectivityState.READY) {
      assertThat(System.nanoTime()).as("channel not ready within 30 s").isLessThan(deadline);
      Thread.sleep(10);
    }
  }
}
