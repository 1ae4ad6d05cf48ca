package io.secretsstore.driver.csi;

import com.google.protobuf.BoolValue;
import io.grpc.stub.StreamObserver;
import io.secretsstore.model.csi.v1.GetPluginCapabilitiesRequest;
import io.secretsstore.model.csi.v1.GetPluginCapabilitiesResponse;
import io.secretsstore.model.csi.v1.GetPluginInfoRequest;
import io.secretsstore.model.csi.v1.GetPluginInfoResponse;
import io.secretsstore.model.csi.v1.IdentityGrpc;
import io.secretsstore.model.csi.v1.ProbeRequest;
import io.secretsstore.model.csi.v1.ProbeResponse;

/**
 * CSI Identity: who we are, and whether the driver itself serves. {@code Probe} is about the driver
 * only: liveness probes restart a driver whose Probe fails, and a provider that is away
 * (restarting, not installed yet) is no reason to restart the driver; it shows in readiness
 * instead.
 */
public final class IdentityGrpcService extends IdentityGrpc.IdentityImplBase {

  private final String driverName;
  private final String version;

  public IdentityGrpcService(String driverName, String version) {
    this.driverName = driverName;
    this.version = version;
  }

  @Override
  public void getPluginInfo(
      GetPluginInfoRequest request, StreamObserver<GetPluginInfoResponse> response) {
    response.onNext(
        GetPluginInfoResponse.newBuilder().setName(driverName).setVendorVersion(version).build());
    response.onCompleted();
  }

  /** A node plugin only: no controller service, no topology. */
  @Override
  public void getPluginCapabilities(
      GetPluginCapabilitiesRequest request,
      StreamObserver<GetPluginCapabilitiesResponse> response) {
    response.onNext(GetPluginCapabilitiesResponse.getDefaultInstance());
    response.onCompleted();
  }

  /** Answering at all means the socket and the gRPC server work; nothing else is asked. */
  @Override
  public void probe(ProbeRequest request, StreamObserver<ProbeResponse> response) {
    response.onNext(ProbeResponse.newBuilder().setReady(BoolValue.of(true)).build());
    response.onCompleted();
  }
}
