package io.secretsstore.driver.publish;

import io.grpc.Status;
import io.secretsstore.driver.fs.AtomicWriter;
import io.secretsstore.driver.fs.VolumeFile;
import io.secretsstore.driver.provider.ProviderClients;
import io.secretsstore.driver.provider.ProviderException;
import io.secretsstore.model.names.CsiNames;
import io.secretsstore.model.provider.ErrorCode;
import io.secretsstore.model.provider.ProviderProtocol;
import io.secretsstore.model.provider.v1alpha1.File;
import io.secretsstore.model.provider.v1alpha1.MountRequest;
import io.secretsstore.model.provider.v1alpha1.MountResponse;
import io.secretsstore.model.provider.v1alpha1.ObjectVersion;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import tools.jackson.databind.json.JsonMapper;

/**
 * One provider {@code Mount} and what becomes of its answer: the request built from the import and
 * kubelet's context, the provider's failure mapped to a gRPC status and a closed {@code
 * error_type}, the answer's files checked, and written atomically when their versions changed.
 */
final class ProviderCall {

  private static final JsonMapper JSON = JsonMapper.builder().build();

  /** What a provider call left in the volume: its object versions and the generation written. */
  record Written(Map<String, String> versions, String generation) {}

  private final ProviderClients providers;
  private final AtomicWriter writer;
  private final int fileMode;

  ProviderCall(ProviderClients providers, AtomicWriter writer, int fileMode) {
    this.providers = providers;
    this.writer = writer;
    this.fileMode = fileMode;
  }

  /**
   * Asks the provider and writes what it returns. Returns the new object versions and generation,
   * or {@code current} and {@code generation} unchanged (without writing) when the provider reports
   * the same versions.
   *
   * @param generation the generation this driver wrote last into {@code target} (its memory, never
   *     read back from the volume), or null
   */
  Written fetchAndWrite(
      Path target,
      Map<String, String> volumeContext,
      Map<String, String> secrets,
      ProviderMount mount,
      Map<String, String> current,
      RotationCycle cycle,
      String generation)
      throws PublishException, IOException {
    MountRequest.Builder request =
        MountRequest.newBuilder()
            .setAttributes(JSON.writeValueAsString(attributes(mount, volumeContext, cycle)))
            .setSecrets(JSON.writeValueAsString(secrets))
            .setTargetPath(target.toString())
            .setPermission(Integer.toString(fileMode));
    current.forEach(
        (id, version) ->
            request.addCurrentObjectVersion(
                ObjectVersion.newBuilder().setId(id).setVersion(version).build()));
    MountResponse response;
    try {
      response = providers.mount(mount.provider(), request.build());
    } catch (ProviderException e) {
      throw new PublishException(statusOf(e.code()), ErrorTypes.label(e.code()), e.getMessage(), e);
    }
    if (response.hasError() && !response.getError().getCode().isEmpty()) {
      throw new PublishException(
          Status.Code.INTERNAL,
          ErrorTypes.label(response.getError().getCode()),
          "provider '"
              + mount.provider()
              + "' failed with error code "
              + ErrorTypes.printable(response.getError().getCode()),
          null);
    }
    Map<String, String> versions = new LinkedHashMap<>();
    for (ObjectVersion version : response.getObjectVersionList()) {
      versions.put(version.getId(), version.getVersion());
    }
    List<VolumeFile> files = new ArrayList<>(response.getFilesCount());
    for (File file : response.getFilesList()) {
      files.add(
          new VolumeFile(
              file.getPath(),
              file.getMode() == 0 ? fileMode : file.getMode(),
              file.getContents().toByteArray()));
    }
    try {
      AtomicWriter.validate(files);
    } catch (IllegalArgumentException e) {
      throw new PublishException(
          Status.Code.INTERNAL,
          "invalid_provider_response",
          "provider '" + mount.provider() + "': " + e.getMessage(),
          null);
    }
    if (!current.isEmpty() && versions.equals(current)) {
      return new Written(current, generation);
    }
    return new Written(versions, writer.write(target, files, generation));
  }

  /**
   * The provider's attributes: the import's parameters plus kubelet's pod information and, on
   * rotation, the cycle id. An import cannot set kubelet's keys or ours: those come only from
   * kubelet's request and from this driver.
   */
  static Map<String, String> attributes(
      ProviderMount mount, Map<String, String> volumeContext, RotationCycle cycle) {
    Map<String, String> attributes = new LinkedHashMap<>();
    mount
        .parameters()
        .forEach(
            (key, value) -> {
              if (!key.startsWith(ProviderProtocol.KUBELET_PREFIX)
                  && !key.startsWith(ProviderProtocol.RESERVED_PREFIX)) {
                attributes.put(key, value);
              }
            });
    volumeContext.forEach(
        (key, value) -> {
          if (key.startsWith(ProviderProtocol.KUBELET_PREFIX)) {
            attributes.put(key, value);
          }
        });
    if (cycle != null) {
      attributes.put(ProviderProtocol.ROTATION_CYCLE_ATTRIBUTE, cycle.id());
    }
    return attributes;
  }

  /** kubelet's volume context without its tokens: what is kept of a volume besides memory. */
  static Map<String, String> withoutTokens(Map<String, String> context) {
    Map<String, String> copy = new HashMap<>(context);
    copy.remove(CsiNames.SERVICE_ACCOUNT_TOKENS);
    return copy;
  }

  /** The gRPC status kubelet gets for a provider's error code; unknown codes are INTERNAL. */
  static Status.Code statusOf(String code) {
    return ErrorCode.of(code).map(ProviderCall::statusOf).orElse(Status.Code.INTERNAL);
  }

  static Status.Code statusOf(ErrorCode code) {
    return switch (code) {
      case PROVIDER_NOT_FOUND,
          PROVIDER_UNAVAILABLE,
          UNREACHABLE,
          TIMEOUT,
          PROVIDER_TIMEOUT,
          RATE_LIMITED,
          SERVER_ERROR ->
          Status.Code.UNAVAILABLE;
      case PERMISSION_DENIED, LOGIN_DENIED, INVALID_TOKEN -> Status.Code.PERMISSION_DENIED;
      case NOT_FOUND, KEY_NOT_FOUND, VERSION_DELETED, VERSION_DESTROYED -> Status.Code.NOT_FOUND;
      case INVALID_ATTRIBUTES,
          INVALID_PARAMETERS,
          INVALID_FILE_NAME,
          DUPLICATE_FILE_NAME,
          DECODE_FAILED,
          MISSING_TOKEN,
          MISSING_CONNECTION ->
          Status.Code.FAILED_PRECONDITION;
      default -> Status.Code.INTERNAL;
    };
  }
}
