package io.secretsstore.driver.csi;

import com.google.protobuf.BoolValue;
import io.grpc.stub.StreamObserver;
import io.secretsstore.driver.provider.ProviderClients;
import io.secretsstore.driver.provider.ProviderException;
import io.secretsstore.driver.publish.ImportResolver;
import io.secretsstore.model.csi.v1.GetPluginCapabilitiesRequest;
import io.secretsstore.model.csi.v1.GetPluginCapabilitiesResponse;
import io.secretsstore.model.csi.v1.GetPluginInfoRequest;
import io.secretsstore.model.csi.v1.GetPluginInfoResponse;
import io.secretsstore.model.csi.v1.IdentityGrpc;
import io.secretsstore.model.csi.v1.ProbeRequest;
import io.secretsstore.model.csi.v1.ProbeResponse;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** CSI Identity: who we are, and ready only while our provider answers. */
public final class IdentityGrpcService extends IdentityGrpc.IdentityImplBase {

  private static final Logger log = LoggerFactory.getLogger(IdentityGrpcService.class);

  private final String driverName;
  private final String version;
  private final ProviderClients providers;
  private volatile boolean lastReady = true;

  public IdentityGrpcService(String driverName, String version, ProviderClients providers) {
    this.driverName = driverName;
    this.version = version;
    this.providers = providers;
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

  @Override
  public void probe(ProbeRequest request, StreamObserver<ProbeResponse> response) {
    boolean ready;
    try {
      providers.version(ImportResolver.VAULT_PROVIDER, Duration.ofSeconds(2));
      ready = true;
    } catch (ProviderException e) {
      ready = false;
      if (lastReady) {
        log.warn("not ready: {}", e.getMessage());
      }
    }
    lastReady = ready;
    response.onNext(ProbeResponse.newBuilder().setReady(BoolValue.of(ready)).build());
    response.onCompleted();
  }
}
