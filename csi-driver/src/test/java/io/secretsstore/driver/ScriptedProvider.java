package io.secretsstore.driver;

import com.google.protobuf.ByteString;
import io.grpc.Metadata;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.StreamObserver;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerDomainSocketChannel;
import io.netty.channel.unix.DomainSocketAddress;
import io.secretsstore.model.provider.ProviderProtocol;
import io.secretsstore.model.provider.v1alpha1.CSIDriverProviderGrpc;
import io.secretsstore.model.provider.v1alpha1.File;
import io.secretsstore.model.provider.v1alpha1.MountRequest;
import io.secretsstore.model.provider.v1alpha1.MountResponse;
import io.secretsstore.model.provider.v1alpha1.ObjectVersion;
import io.secretsstore.model.provider.v1alpha1.VersionRequest;
import io.secretsstore.model.provider.v1alpha1.VersionResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

/**
 * A provider on a real unix socket that answers Mount with whatever file paths a test gives it: the
 * hostile provider of the driver's tests (paths with {@code ..}, absolute paths, subdirectories).
 */
final class ScriptedProvider implements AutoCloseable {

  private final MultiThreadIoEventLoopGroup group =
      new MultiThreadIoEventLoopGroup(1, EpollIoHandler.newFactory());
  private final Server server;

  /** One file of a Mount answer. */
  record Answer(String path, int mode, String contents) {
    static Answer of(String path, String contents) {
      return new Answer(path, 0644, contents);
    }
  }

  private volatile List<Answer> files = List.of();

  /** A failure the next Mounts answer with: a gRPC status and error-code trailer, or none. */
  private volatile Status failure;

  private volatile String trailerCode;

  /** An upstream-style MountResponse.error.code, or none. */
  private volatile String responseErrorCode;

  private volatile boolean holding;
  private final List<StreamObserver<MountResponse>> held = new CopyOnWriteArrayList<>();

  ScriptedProvider(Path socket) throws IOException {
    server =
        NettyServerBuilder.forAddress(new DomainSocketAddress(socket.toFile()))
            .bossEventLoopGroup(group)
            .workerEventLoopGroup(group)
            .channelType(EpollServerDomainSocketChannel.class)
            .addService(
                new CSIDriverProviderGrpc.CSIDriverProviderImplBase() {
                  @Override
                  public void version(
                      VersionRequest request, StreamObserver<VersionResponse> response) {
                    response.onNext(
                        VersionResponse.newBuilder()
                            .setVersion("v1alpha1")
                            .setRuntimeName("scripted")
                            .setRuntimeVersion("0")
                            .build());
                    response.onCompleted();
                  }

                  @Override
                  public void mount(MountRequest request, StreamObserver<MountResponse> response) {
                    if (holding) {
                      held.add(response);
                      return;
                    }
                    if (failure != null) {
                      Metadata trailers = new Metadata();
                      if (trailerCode != null) {
                        trailers.put(
                            Metadata.Key.of(
                                ProviderProtocol.ERROR_CODE_TRAILER,
                                Metadata.ASCII_STRING_MARSHALLER),
                            trailerCode);
                      }
                      response.onError(failure.asRuntimeException(trailers));
                      return;
                    }
                    answer(response);
                  }
                })
            .build()
            .start();
  }

  private void answer(StreamObserver<MountResponse> response) {
    MountResponse.Builder answer = MountResponse.newBuilder();
    if (responseErrorCode != null) {
      answer.setError(
          io.secretsstore.model.provider.v1alpha1.Error.newBuilder().setCode(responseErrorCode));
    }
    for (Answer file : files) {
      answer.addFiles(
          File.newBuilder()
              .setPath(file.path())
              .setMode(file.mode())
              .setContents(ByteString.copyFrom(file.contents(), StandardCharsets.UTF_8)));
      answer.addObjectVersion(ObjectVersion.newBuilder().setId(file.path()).setVersion("1"));
    }
    response.onNext(answer.build());
    response.onCompleted();
  }

  /** Mounts from now on are held: taken, counted, never answered until {@link #release}. */
  void hold() {
    holding = true;
  }

  /** Mounts held so far (each one is a publish waiting in the driver). */
  int held() {
    return held.size();
  }

  /** Answers every held Mount with the scripted files and stops holding. */
  void release() {
    holding = false;
    for (StreamObserver<MountResponse> response : held) {
      try {
        answer(response);
      } catch (RuntimeException cancelled) {
        // the driver gave up on it
      }
    }
    held.clear();
  }

  /** The files the next Mount answers. */
  void answer(Answer... files) {
    this.files = List.of(files);
    this.failure = null;
    this.responseErrorCode = null;
  }

  /** The next Mounts fail with {@code status} and the error-code trailer {@code code}. */
  void failWith(Status status, String code) {
    this.failure = status;
    this.trailerCode = code;
  }

  /** The next Mounts answer with an upstream-style {@code error.code}. */
  void answerError(String code) {
    this.failure = null;
    this.responseErrorCode = code;
  }

  @Override
  public void close() throws InterruptedException {
    server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
  }
}
