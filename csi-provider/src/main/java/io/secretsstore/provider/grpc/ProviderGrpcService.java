package io.secretsstore.provider.grpc;

import io.grpc.Context;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import io.secretsstore.model.provider.ProviderProtocol;
import io.secretsstore.model.provider.v1alpha1.CSIDriverProviderGrpc;
import io.secretsstore.model.provider.v1alpha1.MountRequest;
import io.secretsstore.model.provider.v1alpha1.MountResponse;
import io.secretsstore.model.provider.v1alpha1.VersionRequest;
import io.secretsstore.model.provider.v1alpha1.VersionResponse;
import io.secretsstore.provider.mount.MountCancellation;
import io.secretsstore.provider.mount.MountException;
import io.secretsstore.provider.mount.MountService;
import java.util.concurrent.TimeoutException;

/**
 * The provider API. A failed mount answers a gRPC error whose status matches the cause and whose
 * description is the actionable message (the upstream driver puts it into the pod's events); the
 * stable error code travels in the trailer {@value #ERROR_CODE_TRAILER} for our driver's metrics.
 */
public final class ProviderGrpcService extends CSIDriverProviderGrpc.CSIDriverProviderImplBase {

  public static final String ERROR_CODE_TRAILER = ProviderProtocol.ERROR_CODE_TRAILER;
  public static final Metadata.Key<String> ERROR_CODE =
      Metadata.Key.of(ERROR_CODE_TRAILER, Metadata.ASCII_STRING_MARSHALLER);

  public static final String RUNTIME_NAME = "secrets-store-integration-vault-provider";

  private final MountService mounts;
  private final String runtimeVersion;

  public ProviderGrpcService(MountService mounts, String runtimeVersion) {
    this.mounts = mounts;
    this.runtimeVersion = runtimeVersion;
  }

  @Override
  public void version(VersionRequest request, StreamObserver<VersionResponse> response) {
    response.onNext(
        VersionResponse.newBuilder()
            .setVersion("v1alpha1")
            .setRuntimeName(RUNTIME_NAME)
            .setRuntimeVersion(runtimeVersion)
            .build());
    response.onCompleted();
  }

  @Override
  public void mount(MountRequest request, StreamObserver<MountResponse> response) {
    // A caller that gives up (cancels, or its deadline passes) stops the mount's store work: the
    // upstream driver's context ends when kubelet's does, ours after its provider-timeout.
    Context context = Context.current();
    MountCancellation cancellation = new MountCancellation();
    Context.CancellationListener listener =
        cancelled -> cancellation.cancel(describe(cancelled.cancellationCause()));
    context.addListener(listener, Runnable::run);
    MountResponse result;
    try {
      result = mounts.mount(request, cancellation);
    } catch (MountException e) {
      Metadata trailers = new Metadata();
      trailers.put(ERROR_CODE, e.code().code());
      response.onError(
          Status.fromCode(e.status()).withDescription(e.getMessage()).asRuntimeException(trailers));
      return;
    } finally {
      context.removeListener(listener);
    }
    response.onNext(result);
    response.onCompleted();
  }

  private static String describe(Throwable cause) {
    if (cause instanceof TimeoutException) {
      return "the caller's deadline passed";
    }
    return "the caller cancelled the call";
  }
}
