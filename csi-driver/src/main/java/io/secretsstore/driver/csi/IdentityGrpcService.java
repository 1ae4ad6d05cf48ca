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
import java.util.function.BooleanSupplier;

/**
 * CSI Identity: who we are, and whether the driver itself serves. {@code Probe} is about the driver
 * only: liveness probes restart a driver whose Probe fails, and a provider that is away
 * (restarting, not installed yet) is no reason to restart the driver; it shows in readiness
 * instead.
 */
public final class IdentityGrpcService extends IdentityGrpc.IdentityImplBase {

  private final String driverName;
  private final String version;
  private final BooleanSupplier ready;

  public IdentityGrpcService(String driverName, String version) {
    this(driverName, version, () -> true);
  }

  /** {@code ready}: false while the driver still initialises (its start-up warm-up). */
  public IdentityGrpcService(String driverName, String version, BooleanSupplier ready) {
    this.driverName = driverName;
    this.version = version;
    this.ready = ready;
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

  /**
   * Answering at all means the socket and the gRPC server work; {@code ready} is false only while
   * the start-up warm-up runs (CSI: "still initializing but otherwise perfectly healthy").
   */
  @Override
  public void probe(ProbeRequest request, StreamObserver<ProbeResponse> response) {
    response.onNext(
        ProbeResponse.newBuilder().setReady(BoolValue.of(ready.getAsBoolean())).build());
    response.onCompleted();
  }
}
