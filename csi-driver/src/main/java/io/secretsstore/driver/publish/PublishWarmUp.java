package io.secretsstore.driver.publish;

import com.google.protobuf.ByteString;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.secretsstore.daemon.startup.WarmUp;
import io.secretsstore.driver.fs.AtomicWriter;
import io.secretsstore.driver.fs.MountTable;
import io.secretsstore.driver.fs.VolumeFile;
import io.secretsstore.driver.provider.ProviderClients;
import io.secretsstore.driver.provider.ProviderException;
import io.secretsstore.driver.registration.CsiDriverCheck;
import io.secretsstore.linux.Mounts;
import io.secretsstore.model.crd.SecretsStoreImport;
import io.secretsstore.model.csi.v1.NodePublishVolumeRequest;
import io.secretsstore.model.csi.v1.NodePublishVolumeResponse;
import io.secretsstore.model.csi.v1.NodeUnpublishVolumeRequest;
import io.secretsstore.model.csi.v1.VolumeCapability;
import io.secretsstore.model.names.CsiNames;
import io.secretsstore.model.provider.v1alpha1.File;
import io.secretsstore.model.provider.v1alpha1.MountRequest;
import io.secretsstore.model.provider.v1alpha1.MountResponse;
import io.secretsstore.model.provider.v1alpha1.ObjectVersion;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import tools.jackson.databind.json.JsonMapper;

/**
 * The driver's warm-up before readiness (common-daemon's {@link WarmUp}): what the first
 * NodePublishVolume would otherwise load, link and build, run once on synthetic input. No
 * Kubernetes write, no store request, no mount:
 *
 * <ul>
 *   <li>fabric8: a synthetic {@code SecretsStoreImport} through the client's own (Jackson 2)
 *       serialization and the typed operation a publish reads it with (built, not sent); the
 *       start-up check of this driver's {@code CSIDriver} object, the one read the driver did after
 *       ready anyway, now before (it opens the API connection the first publish reuses), bounded;
 *   <li>kubelet's publish and unpublish requests through protobuf (the CSI file descriptors);
 *   <li>the provider call: a synthetic volume context through the pod, token and attribute code,
 *       the {@code MountRequest}/{@code MountResponse} protobufs, the provider's {@code Version}
 *       (opens the gRPC channel over the unix socket; a provider not running yet is no failure);
 *   <li>the mount system calls: the FFM downcalls linked and called once on a path that does not
 *       exist (the kernel refuses them: nothing is mounted), and the mount table read.
 * </ul>
 */
public final class PublishWarmUp implements WarmUp {

  /** A publish that finds the API server this slow is no start-up's business. */
  static final Duration API_READ_WAIT = Duration.ofSeconds(3);

  static final Duration PROVIDER_WAIT = Duration.ofSeconds(2);

  private static final JsonMapper JSON = JsonMapper.builder().build();

  private final KubernetesClient kubernetes;
  private final CsiDriverCheck csiDriverCheck;
  private final ProviderClients providers;
  private final MountTable mountTable;

  public PublishWarmUp(
      KubernetesClient kubernetes,
      CsiDriverCheck csiDriverCheck,
      ProviderClients providers,
      MountTable mountTable) {
    this.kubernetes = kubernetes;
    this.csiDriverCheck = csiDriverCheck;
    this.providers = providers;
    this.mountTable = mountTable;
  }

  @Override
  public List<Step> steps() {
    return List.of(
        new Step("kubernetes model", this::kubernetesModel),
        new Step("kubernetes read", this::kubernetesRead),
        new Step("csi request", PublishWarmUp::csiRequest),
        new Step("provider call", this::providerCall),
        new Step("mount syscalls", this::mountSyscalls));
  }

  void kubernetesModel() {
    String json =
        "{\"apiVersion\":\"deckhouse.io/v1alpha1\",\"kind\":\"SecretsStoreImport\",\"metadata\":"
            + "{\"name\":\"warm-up\",\"namespace\":\"warm-up\",\"resourceVersion\":\"1\","
            + "\"uid\":\"00000000-0000-0000-0000-000000000000\"},\"spec\":{\"type\":\"CSI\","
            + "\"role\":\"warm-up\",\"files\":[{\"name\":\"user\",\"source\":{\"path\":"
            + "\"secret/data/warm-up\",\"key\":\"user\"}}]}}";
    SecretsStoreImport parsed =
        kubernetes.getKubernetesSerialization().unmarshal(json, SecretsStoreImport.class);
    kubernetes.getKubernetesSerialization().asJson(parsed);
    // The operation a publish reads the import with; built here, never sent.
    kubernetes.resources(SecretsStoreImport.class).inNamespace("warm-up").withName("warm-up");
  }

  /**
   * The start-up check's one read (it ran after ready before): its outcome is logged by the check
   * itself; an API server that does not answer in time leaves it running in the background.
   */
  void kubernetesRead() throws Exception {
    csiDriverCheck.startInBackground();
    try {
      csiDriverCheck.done().get(API_READ_WAIT.toMillis(), TimeUnit.MILLISECONDS);
    } catch (TimeoutException stillRunning) {
      // The check goes on and logs its own line.
    }
  }

  /**
   * kubelet's NodePublishVolume and NodeUnpublishVolume through protobuf: the first message with a
   * map field (volume context, secrets) builds the CSI file descriptors (~150 protobuf classes, 0.1
   * s of the first publish before this step).
   */
  static void csiRequest() throws Exception {
    NodePublishVolumeRequest publish =
        NodePublishVolumeRequest.newBuilder()
            .setVolumeId("csi-warm-up")
            .setTargetPath("/nonexistent/warm-up/mount")
            .setVolumeCapability(
                VolumeCapability.newBuilder()
                    .setMount(VolumeCapability.MountVolume.getDefaultInstance())
                    .setAccessMode(
                        VolumeCapability.AccessMode.newBuilder()
                            .setMode(VolumeCapability.AccessMode.Mode.SINGLE_NODE_WRITER)))
            .putVolumeContext(CsiNames.POD_NAME, "warm-up")
            .putSecrets("warm-up", "warm-up")
            .build();
    NodePublishVolumeRequest parsed = NodePublishVolumeRequest.parseFrom(publish.toByteArray());
    parsed.getVolumeContextMap().forEach((key, value) -> {});
    parsed.getSecretsMap().size();
    NodeUnpublishVolumeRequest.parseFrom(
        NodeUnpublishVolumeRequest.newBuilder()
            .setVolumeId("csi-warm-up")
            .setTargetPath("/nonexistent/warm-up/mount")
            .build()
            .toByteArray());
    NodePublishVolumeResponse.parseFrom(
        NodePublishVolumeResponse.getDefaultInstance().toByteArray());
  }

  void providerCall() throws Exception {
    Map<String, String> context = new LinkedHashMap<>();
    context.put(CsiNames.POD_NAME, "warm-up");
    context.put(CsiNames.POD_NAMESPACE, "warm-up");
    context.put(CsiNames.POD_UID, "00000000-0000-0000-0000-000000000000");
    context.put(CsiNames.SERVICE_ACCOUNT_NAME, "warm-up");
    context.put(CsiNames.EPHEMERAL, "true");
    context.put(CsiNames.ATTRIBUTE_SECRETS_STORE_IMPORT, "warm-up");
    context.put(
        CsiNames.SERVICE_ACCOUNT_TOKENS,
        "{\"vault\":{\"token\":\"warm-up\",\"expirationTimestamp\":\"2099-01-01T00:00:00Z\"}}");
    PodInfo.from(context, "warm-up");
    KubeletTokens.from(context);
    ProviderMount mount =
        new ProviderMount(
            ImportResolver.VAULT_PROVIDER,
            SecretsStoreImport.KIND,
            "warm-up",
            Map.of(
                "role",
                "warm-up",
                "files",
                "[{\"name\":\"user\",\"source\":{\"path\":\"secret/data/warm-up\",\"key\":\"user\"}}]"));
    MountRequest request =
        MountRequest.newBuilder()
            .setAttributes(JSON.writeValueAsString(ProviderCall.attributes(mount, context, null)))
            .setSecrets(JSON.writeValueAsString(Map.of()))
            .setTargetPath("/nonexistent/warm-up")
            .setPermission("420")
            .build();
    MountRequest.parseFrom(request.toByteArray());
    MountResponse answer =
        MountResponse.parseFrom(
            MountResponse.newBuilder()
                .addFiles(
                    File.newBuilder()
                        .setPath("user")
                        .setMode(0644)
                        .setContents(ByteString.copyFrom("u", StandardCharsets.UTF_8)))
                .addObjectVersion(ObjectVersion.newBuilder().setId("user").setVersion("v1"))
                .build()
                .toByteArray());
    List<VolumeFile> files = new ArrayList<>();
    for (File file : answer.getFilesList()) {
      files.add(new VolumeFile(file.getPath(), file.getMode(), file.getContents().toByteArray()));
    }
    AtomicWriter.validate(files);
    try {
      providers.version(ImportResolver.VAULT_PROVIDER, PROVIDER_WAIT);
    } catch (ProviderException notRunningYet) {
      // Its channel is opened by the next call (readiness asks the provider too).
    }
  }

  /**
   * mount(2) and umount2(2) on a path whose parent does not exist: the kernel answers ENOENT (or
   * EPERM without the capability) before anything is mounted.
   */
  void mountSyscalls() throws IOException {
    Path nowhere = Path.of("/nonexistent-secrets-store-warm-up", UUID.randomUUID().toString());
    try {
      Mounts.mountTmpfs(nowhere, 4096, 0755);
    } catch (IOException expected) {
      // ENOENT: nothing mounted.
    }
    boolean wasMounted = Mounts.unmount(nowhere);
    mountTable.isTmpfsMountPoint(nowhere);
    if (wasMounted) {
      throw new IllegalStateException("a tmpfs got mounted at " + nowhere + "; removed again");
    }
  }
}
