package io.secretsstore.driver.provider;

import io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.NettyServerBuilder;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.epoll.EpollDomainSocketChannel;
import io.netty.channel.unix.DomainSocketAddress;
import java.nio.file.Path;

/**
 * gRPC channels over a unix domain socket (the providers' sockets, our own CSI socket). grpc-netty
 * sets TCP keep-alive on every channel it opens; a unix socket has no such option, and Netty logs
 * "Unknown channel option 'SO_KEEPALIVE'" as a WARN for every connection — hundreds per pod burst,
 * burying the warnings that matter (for a server, on every accepted connection). The option is
 * removed here, once for every such channel and server.
 */
public final class UnixSocketChannels {

  private UnixSocketChannels() {}

  /** A plaintext channel builder to {@code socket} on {@code group} (an epoll group). */
  public static NettyChannelBuilder builder(Path socket, EventLoopGroup group) {
    return NettyChannelBuilder.forAddress(new DomainSocketAddress(socket.toFile()))
        .eventLoopGroup(group)
        .channelType(EpollDomainSocketChannel.class)
        // A null value removes the option grpc-netty sets by default.
        .withOption(ChannelOption.SO_KEEPALIVE, null)
        .usePlaintext();
  }

  /** The server side of the same: no TCP option on the connections {@code builder} accepts. */
  public static NettyServerBuilder withoutTcpOptions(NettyServerBuilder builder) {
    return builder.withChildOption(ChannelOption.SO_KEEPALIVE, null);
  }
}
