package io.secretsstore.model.proto;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Descriptors.FileDescriptor;
import com.google.protobuf.DynamicMessage;
import io.secretsstore.model.csi.v1.CsiProto;
import io.secretsstore.model.csi.v1.IdentityGrpc;
import io.secretsstore.model.csi.v1.NodeGrpc;
import io.secretsstore.model.csi.v1.NodePublishVolumeRequest;
import io.secretsstore.model.csi.v1.VolumeCapability;
import io.secretsstore.model.provider.v1alpha1.CSIDriverProviderGrpc;
import io.secretsstore.model.provider.v1alpha1.File;
import io.secretsstore.model.provider.v1alpha1.MountRequest;
import io.secretsstore.model.provider.v1alpha1.MountResponse;
import io.secretsstore.model.provider.v1alpha1.ObjectVersion;
import io.secretsstore.model.provider.v1alpha1.ProviderServiceProto;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * Pins the wire contracts: package, service and method names, and every field's name, number and
 * type, against tables taken from the published specifications (CSI spec master of October 2025,
 * secrets-store-csi-driver provider/v1alpha1 of April 2026). A renumbered or renamed field fails
 * here, before it fails against a real kubelet or driver.
 */
class ProtoContractTest {

  /** "Message" -> "name=number:type" for each field, from the upstream .proto files. */
  static final Map<String, String> CSI_FIELDS =
      Map.ofEntries(
          Map.entry("GetPluginInfoRequest", ""),
          Map.entry(
              "GetPluginInfoResponse", "name=1:STRING vendor_version=2:STRING manifest=3:MESSAGE"),
          Map.entry("GetPluginCapabilitiesRequest", ""),
          Map.entry("GetPluginCapabilitiesResponse", "capabilities=1:MESSAGE"),
          Map.entry("PluginCapability", "service=1:MESSAGE volume_expansion=2:MESSAGE"),
          Map.entry("PluginCapability.Service", "type=1:ENUM"),
          Map.entry("PluginCapability.VolumeExpansion", "type=1:ENUM"),
          Map.entry("ProbeRequest", ""),
          Map.entry("ProbeResponse", "ready=1:MESSAGE"),
          Map.entry("VolumeCapability", "block=1:MESSAGE mount=2:MESSAGE access_mode=3:MESSAGE"),
          Map.entry("VolumeCapability.BlockVolume", ""),
          Map.entry(
              "VolumeCapability.MountVolume",
              "fs_type=1:STRING mount_flags=2:STRING volume_mount_group=3:STRING"),
          Map.entry("VolumeCapability.AccessMode", "mode=1:ENUM"),
          Map.entry("CapacityRange", "required_bytes=1:INT64 limit_bytes=2:INT64"),
          Map.entry("Topology", "segments=1:MESSAGE"),
          Map.entry(
              "NodeStageVolumeRequest",
              "volume_id=1:STRING publish_context=2:MESSAGE staging_target_path=3:STRING"
                  + " volume_capability=4:MESSAGE secrets=5:MESSAGE volume_context=6:MESSAGE"),
          Map.entry("NodeStageVolumeResponse", ""),
          Map.entry("NodeUnstageVolumeRequest", "volume_id=1:STRING staging_target_path=2:STRING"),
          Map.entry("NodeUnstageVolumeResponse", ""),
          Map.entry(
              "NodePublishVolumeRequest",
              "volume_id=1:STRING publish_context=2:MESSAGE staging_target_path=3:STRING"
                  + " target_path=4:STRING volume_capability=5:MESSAGE readonly=6:BOOL"
                  + " secrets=7:MESSAGE volume_context=8:MESSAGE"),
          Map.entry("NodePublishVolumeResponse", ""),
          Map.entry("NodeUnpublishVolumeRequest", "volume_id=1:STRING target_path=2:STRING"),
          Map.entry("NodeUnpublishVolumeResponse", ""),
          Map.entry(
              "NodeGetVolumeStatsRequest",
              "volume_id=1:STRING volume_path=2:STRING staging_target_path=3:STRING"),
          Map.entry("NodeGetVolumeStatsResponse", "usage=1:MESSAGE volume_condition=2:MESSAGE"),
          Map.entry("VolumeUsage", "available=1:INT64 total=2:INT64 used=3:INT64 unit=4:ENUM"),
          Map.entry("VolumeCondition", "abnormal=1:BOOL message=2:STRING"),
          Map.entry("NodeGetCapabilitiesRequest", ""),
          Map.entry("NodeGetCapabilitiesResponse", "capabilities=1:MESSAGE"),
          Map.entry("NodeServiceCapability", "rpc=1:MESSAGE"),
          Map.entry("NodeServiceCapability.RPC", "type=1:ENUM"),
          Map.entry("NodeGetInfoRequest", ""),
          Map.entry(
              "NodeGetInfoResponse",
              "node_id=1:STRING max_volumes_per_node=2:INT64 accessible_topology=3:MESSAGE"),
          Map.entry(
              "NodeExpandVolumeRequest",
              "volume_id=1:STRING volume_path=2:STRING capacity_range=3:MESSAGE"
                  + " staging_target_path=4:STRING volume_capability=5:MESSAGE secrets=6:MESSAGE"),
          Map.entry("NodeExpandVolumeResponse", "capacity_bytes=1:INT64"));

  static final Map<String, String> PROVIDER_FIELDS =
      Map.of(
          "VersionRequest", "version=1:STRING",
          "VersionResponse", "version=1:STRING runtime_name=2:STRING runtime_version=3:STRING",
          "MountRequest",
              "attributes=1:STRING secrets=2:STRING target_path=3:STRING permission=4:STRING"
                  + " current_object_version=5:MESSAGE",
          "MountResponse", "object_version=1:MESSAGE error=2:MESSAGE files=3:MESSAGE",
          "File", "path=1:STRING mode=2:INT32 contents=3:BYTES",
          "ObjectVersion", "id=1:STRING version=2:STRING",
          "Error", "code=1:STRING");

  static final Map<String, String> CSI_ENUMS =
      Map.of(
          "PluginCapability.Service.Type",
              "UNKNOWN=0 CONTROLLER_SERVICE=1 VOLUME_ACCESSIBILITY_CONSTRAINTS=2"
                  + " GROUP_CONTROLLER_SERVICE=3 SNAPSHOT_METADATA_SERVICE=4",
          "PluginCapability.VolumeExpansion.Type", "UNKNOWN=0 ONLINE=1 OFFLINE=2",
          "VolumeCapability.AccessMode.Mode",
              "UNKNOWN=0 SINGLE_NODE_WRITER=1 SINGLE_NODE_READER_ONLY=2 MULTI_NODE_READER_ONLY=3"
                  + " MULTI_NODE_SINGLE_WRITER=4 MULTI_NODE_MULTI_WRITER=5"
                  + " SINGLE_NODE_SINGLE_WRITER=6 SINGLE_NODE_MULTI_WRITER=7",
          "VolumeUsage.Unit", "UNKNOWN=0 BYTES=1 INODES=2",
          "NodeServiceCapability.RPC.Type",
              "UNKNOWN=0 STAGE_UNSTAGE_VOLUME=1 GET_VOLUME_STATS=2 EXPAND_VOLUME=3"
                  + " VOLUME_CONDITION=4 SINGLE_NODE_MULTI_WRITER=5 VOLUME_MOUNT_GROUP=6");

  @Test
  void packagesServicesAndMethods() {
    assertThat(CsiProto.getDescriptor().getPackage()).isEqualTo("csi.v1");
    assertThat(ProviderServiceProto.getDescriptor().getPackage()).isEqualTo("v1alpha1");
    assertThat(IdentityGrpc.getGetPluginInfoMethod().getFullMethodName())
        .isEqualTo("csi.v1.Identity/GetPluginInfo");
    assertThat(IdentityGrpc.getProbeMethod().getFullMethodName())
        .isEqualTo("csi.v1.Identity/Probe");
    assertThat(NodeGrpc.getNodePublishVolumeMethod().getFullMethodName())
        .isEqualTo("csi.v1.Node/NodePublishVolume");
    assertThat(NodeGrpc.getNodeUnpublishVolumeMethod().getFullMethodName())
        .isEqualTo("csi.v1.Node/NodeUnpublishVolume");
    assertThat(NodeGrpc.getNodeGetInfoMethod().getFullMethodName())
        .isEqualTo("csi.v1.Node/NodeGetInfo");
    assertThat(CSIDriverProviderGrpc.getMountMethod().getFullMethodName())
        .isEqualTo("v1alpha1.CSIDriverProvider/Mount");
    assertThat(CSIDriverProviderGrpc.getVersionMethod().getFullMethodName())
        .isEqualTo("v1alpha1.CSIDriverProvider/Version");
    assertThat(methods(CsiProto.getDescriptor(), "Identity"))
        .containsExactly("GetPluginInfo", "GetPluginCapabilities", "Probe");
    assertThat(methods(CsiProto.getDescriptor(), "Node"))
        .containsExactly(
            "NodeStageVolume",
            "NodeUnstageVolume",
            "NodePublishVolume",
            "NodeUnpublishVolume",
            "NodeGetVolumeStats",
            "NodeExpandVolume",
            "NodeGetCapabilities",
            "NodeGetInfo");
  }

  @Test
  void csiFieldsMatchTheSpecification() {
    assertThat(fieldTable(CsiProto.getDescriptor())).isEqualTo(new TreeMap<>(CSI_FIELDS));
  }

  @Test
  void csiEnumsMatchTheSpecification() {
    for (var entry : CSI_ENUMS.entrySet()) {
      String[] path = entry.getKey().split("\\.");
      Descriptor message = CsiProto.getDescriptor().findMessageTypeByName(path[0]);
      for (int i = 1; i < path.length - 1; i++) {
        message = message.findNestedTypeByName(path[i]);
      }
      String values =
          message.findEnumTypeByName(path[path.length - 1]).getValues().stream()
              .map(value -> value.getName() + "=" + value.getNumber())
              .collect(Collectors.joining(" "));
      assertThat(values).as(entry.getKey()).isEqualTo(entry.getValue());
    }
  }

  @Test
  void providerFieldsMatchTheUpstreamProtocol() {
    assertThat(fieldTable(ProviderServiceProto.getDescriptor()))
        .isEqualTo(new TreeMap<>(PROVIDER_FIELDS));
  }

  @Test
  void messagesRoundTripThroughTheWireFormat() throws Exception {
    MountResponse response =
        MountResponse.newBuilder()
            .addObjectVersion(ObjectVersion.newBuilder().setId("db-password").setVersion("v1"))
            .addFiles(
                File.newBuilder()
                    .setPath("db-password")
                    .setMode(0644)
                    .setContents(ByteString.copyFromUtf8("s3cret")))
            .build();
    DynamicMessage dynamic =
        DynamicMessage.parseFrom(MountResponse.getDescriptor(), response.toByteArray());
    assertThat(MountResponse.parseFrom(dynamic.toByteArray())).isEqualTo(response);

    MountRequest request =
        MountRequest.newBuilder()
            .setAttributes("{}")
            .setSecrets("{}")
            .setTargetPath("/t")
            .setPermission("420")
            .build();
    assertThat(MountRequest.parseFrom(request.toByteArray())).isEqualTo(request);

    NodePublishVolumeRequest publish =
        NodePublishVolumeRequest.newBuilder()
            .setVolumeId("csi-123")
            .setTargetPath("/var/lib/kubelet/pods/uid/volumes/kubernetes.io~csi/secrets/mount")
            .setReadonly(true)
            .setVolumeCapability(
                VolumeCapability.newBuilder()
                    .setMount(VolumeCapability.MountVolume.getDefaultInstance())
                    .setAccessMode(
                        VolumeCapability.AccessMode.newBuilder()
                            .setMode(VolumeCapability.AccessMode.Mode.SINGLE_NODE_READER_ONLY)))
            .putVolumeContext("secretsStoreImport", "myapp")
            .putVolumeContext("csi.storage.k8s.io/ephemeral", "true")
            .build();
    assertThat(NodePublishVolumeRequest.parseFrom(publish.toByteArray())).isEqualTo(publish);
  }

  private static List<String> methods(FileDescriptor file, String service) {
    return file.findServiceByName(service).getMethods().stream().map(m -> m.getName()).toList();
  }

  private static TreeMap<String, String> fieldTable(FileDescriptor file) {
    TreeMap<String, String> table = new TreeMap<>();
    for (Descriptor message : file.getMessageTypes()) {
      collect(message, message.getName(), table);
    }
    return table;
  }

  private static void collect(Descriptor message, String name, Map<String, String> table) {
    if (message.getOptions().getMapEntry()) {
      return; // synthetic map entry types
    }
    table.put(
        name,
        message.getFields().stream()
            .map(ProtoContractTest::describe)
            .collect(Collectors.joining(" ")));
    for (Descriptor nested : message.getNestedTypes()) {
      collect(nested, name + "." + nested.getName(), table);
    }
  }

  private static String describe(FieldDescriptor field) {
    return field.getName() + "=" + field.getNumber() + ":" + field.getType().name();
  }
}
