package io.secretsstore.driver.csi;

import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import io.secretsstore.driver.publish.PublishException;
import io.secretsstore.driver.publish.VolumeService;
import io.secretsstore.model.csi.v1.NodeGetCapabilitiesRequest;
import io.secretsstore.model.csi.v1.NodeGetCapabilitiesResponse;
import io.secretsstore.model.csi.v1.NodeGetInfoRequest;
import io.secretsstore.model.csi.v1.NodeGetInfoResponse;
import io.secretsstore.model.csi.v1.NodeGrpc;
import io.secretsstore.model.csi.v1.NodePublishVolumeRequest;
import io.secretsstore.model.csi.v1.NodePublishVolumeResponse;
import io.secretsstore.model.csi.v1.NodeUnpublishVolumeRequest;
import io.secretsstore.model.csi.v1.NodeUnpublishVolumeResponse;

/**
 * CSI Node: publish and unpublish of ephemeral inline volumes. Stage, stats and expansion are not
 * offered (the base class answers {@code UNIMPLEMENTED}).
 */
public final class NodeGrpcService extends NodeGrpc.NodeImplBase {

  private final String nodeId;
  private final VolumeService volumes;
  private final VolumeCallPool calls;

  public NodeGrpcService(String nodeId, VolumeService volumes, VolumeCallPool calls) {
    this.nodeId = nodeId;
    this.volumes = volumes;
    this.calls = calls;
  }

  /** On the bounded pool: it waits on the provider, the API server and mount(2). */
  @Override
  public void nodePublishVolume(
      NodePublishVolumeRequest request, StreamObserver<NodePublishVolumeResponse> response) {
    calls.run("publish", response, () -> publish(request, response));
  }

  /** On the bounded pool: it waits on umount(2) and the disk. */
  @Override
  public void nodeUnpublishVolume(
      NodeUnpublishVolumeRequest request, StreamObserver<NodeUnpublishVolumeResponse> response) {
    calls.run("unpublish", response, () -> unpublish(request, response));
  }

  private void publish(
      NodePublishVolumeRequest request, StreamObserver<NodePublishVolumeResponse> response) {
    try {
      if (!request.hasVolumeCapability()) {
        throw PublishException.invalid("volume capability is missing");
      }
      if (!request.getReadonly()) {
        // Upstream's wording (kubernetes-sigs driver), plus the fix. A writable volume would let a
        // root container rearrange what the driver writes into next.
        throw PublishException.invalid(
            "Readonly is not true in request: secrets volumes are read-only, set readOnly: true"
                + " on the pod's csi volume");
      }
      if (request.getVolumeCapability().hasBlock()) {
        throw PublishException.invalid("block volumes are not supported; use a filesystem volume");
      }
      volumes.publish(
          request.getVolumeId(),
          request.getTargetPath(),
          request.getVolumeContextMap(),
          request.getSecretsMap());
      response.onNext(NodePublishVolumeResponse.getDefaultInstance());
      response.onCompleted();
    } catch (PublishException e) {
      response.onError(
          Status.fromCode(e.status()).withDescription(e.getMessage()).asRuntimeException());
    }
  }

  private void unpublish(
      NodeUnpublishVolumeRequest request, StreamObserver<NodeUnpublishVolumeResponse> response) {
    try {
      volumes.unpublish(request.getVolumeId(), request.getTargetPath());
      response.onNext(NodeUnpublishVolumeResponse.getDefaultInstance());
      response.onCompleted();
    } catch (PublishException e) {
      response.onError(
          Status.fromCode(e.status()).withDescription(e.getMessage()).asRuntimeException());
    }
  }

  /** No node capabilities: no staging, no stats, no expansion. Answered on the transport thread. */
  @Override
  public void nodeGetCapabilities(
      NodeGetCapabilitiesRequest request, StreamObserver<NodeGetCapabilitiesResponse> response) {
    response.onNext(NodeGetCapabilitiesResponse.getDefaultInstance());
    response.onCompleted();
  }

  /** Answered on the transport thread. */
  @Override
  public void nodeGetInfo(
      NodeGetInfoRequest request, StreamObserver<NodeGetInfoResponse> response) {
    response.onNext(NodeGetInfoResponse.newBuilder().setNodeId(nodeId).build());
    response.onCompleted();
  }
}
