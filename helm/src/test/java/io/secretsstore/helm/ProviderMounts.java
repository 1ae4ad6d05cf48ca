package io.secretsstore.helm;

import static io.secretsstore.helm.DaemonsBenchmark.*;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.secretsstore.model.names.CsiNames;
import io.secretsstore.model.provider.v1alpha1.CSIDriverProviderGrpc;
import io.secretsstore.model.provider.v1alpha1.MountRequest;
import io.secretsstore.model.provider.v1alpha1.MountResponse;
import java.nio.file.Path;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The benchmark as the upstream secrets-store CSI driver: {@code Mount} straight to the provider's
 * unix socket with a SecretProviderClass's parameters, the way issue 17 measured both providers
 * (same client, same 5-file import of 3 secrets). The provider writes nothing; the files come back
 * in the answer, which is checked for all five.
 */
final class ProviderMounts implements AutoCloseable {

  private static final ObjectMapper JSON = new ObjectMapper();

  private final UnixChannel unix;
  private final Map<String, String> parameters;

  /**
   * @param parameters the SecretProviderClass's {@code spec.parameters} (roleName, vaultAddress,
   *     vaultKubernetesMountPath, audience, objects)
   */
  ProviderMounts(Path socket, Map<String, String> parameters) {
    this.parameters = Map.copyOf(parameters);
    unix = new UnixChannel(socket);
  }

  /** One Mount of {@code pod}'s volume with kubelet's token for the benchmark's audience. */
  MountResponse mount(KubeletCsi.Pod pod, String token) throws JsonProcessingException {
    Map<String, String> attributes = new LinkedHashMap<>(parameters);
    attributes.put(CsiNames.POD_NAME, pod.name());
    attributes.put(CsiNames.POD_NAMESPACE, NAMESPACE);
    attributes.put(CsiNames.POD_UID, pod.uid());
    attributes.put(CsiNames.SERVICE_ACCOUNT_NAME, ACCOUNT);
    attributes.put(
        CsiNames.SERVICE_ACCOUNT_TOKENS,
        JSON.writeValueAsString(
            Map.of(
                AUDIENCE,
                Map.of(
                    "token",
                    token,
                    "expirationTimestamp",
                    Instant.now().plusSeconds(3600).toString()))));
    MountResponse response =
        CSIDriverProviderGrpc.newBlockingStub(unix.channel)
            .withDeadlineAfter(60, TimeUnit.SECONDS)
            .mount(
                MountRequest.newBuilder()
                    .setAttributes(JSON.writeValueAsString(attributes))
                    .setSecrets("{}")
                    .setTargetPath("/var/lib/kubelet/pods/" + pod.uid() + "/volumes/x/mount")
                    .setPermission("420")
                    .build());
    if (response.hasError() && !response.getError().getCode().isEmpty()) {
      throw new IllegalStateException("Mount failed: " + response.getError().getCode());
    }
    if (response.getFilesCount() != 5) {
      throw new IllegalStateException("Mount answered " + response.getFilesCount() + " files");
    }
    return response;
  }

  @Override
  public void close() {
    unix.close();
  }
}
