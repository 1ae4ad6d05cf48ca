package io.secretsstore.driver.config;

import io.secretsstore.model.names.CsiNames;
import java.nio.file.Path;
import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.util.unit.DataSize;

/**
 * The driver's settings ({@code secrets-store.driver.*}), checked once at start.
 *
 * @param endpoint kubelet's socket, {@code unix:///csi/csi.sock}
 * @param driverName the CSI driver name pods put into {@code volumes[].csi.driver}
 * @param nodeId this node's name (the DaemonSet passes {@code NODE_NAME})
 * @param providersDir where providers put their sockets ({@code <provider>.sock})
 * @param kubeletPodsDir kubelet's pods directory; targets outside it are refused
 * @param tmpfsSize size limit of each volume's tmpfs
 * @param fileMode default mode of the files, e.g. {@code 0644} (written in octal)
 * @param providerTimeout how long one provider call may take
 * @param rotation autorotation settings
 * @param podStatus whether to keep a {@code SecretsStoreImportPodStatus} per pod volume
 */
@ConfigurationProperties("secrets-store.driver")
public record DriverProperties(
    @DefaultValue("unix:///csi/csi.sock") String endpoint,
    @DefaultValue(CsiNames.DRIVER_NAME) String driverName,
    @DefaultValue("${NODE_NAME:}") String nodeId,
    @DefaultValue(CsiNames.PROVIDERS_DIR_DEFAULT) Path providersDir,
    @DefaultValue("/var/lib/kubelet/pods") Path kubeletPodsDir,
    @DefaultValue("16MB") DataSize tmpfsSize,
    @DefaultValue("0644") String fileMode,
    @DefaultValue("30s") Duration providerTimeout,
    @DefaultValue Rotation rotation,
    @DefaultValue("true") boolean podStatus) {

  /**
   * @param enabled whether volumes are rotated at all
   * @param interval time between cycles (±10% jitter)
   * @param parallelism volumes rotated at once
   */
  public record Rotation(
      @DefaultValue("true") boolean enabled,
      @DefaultValue("2m") Duration interval,
      @DefaultValue("8") int parallelism) {}

  public DriverProperties {
    if (nodeId == null || nodeId.isBlank()) {
      throw new IllegalArgumentException(
          "secrets-store.driver.node-id is not set: the DaemonSet must pass the node name (NODE_NAME"
              + " from spec.nodeName)");
    }
    if (!kubeletPodsDir.isAbsolute()) {
      throw new IllegalArgumentException(
          "secrets-store.driver.kubelet-pods-dir must be absolute: " + kubeletPodsDir);
    }
    if (rotation.interval().compareTo(Duration.ofSeconds(1)) < 0) {
      throw new IllegalArgumentException(
          "secrets-store.driver.rotation.interval must be at least 1s: " + rotation.interval());
    }
    if (rotation.parallelism() < 1) {
      throw new IllegalArgumentException(
          "secrets-store.driver.rotation.parallelism must be at least 1");
    }
    fileModeBits(fileMode);
    socketPath(endpoint);
  }

  public int fileModeBits() {
    return fileModeBits(fileMode);
  }

  public Path socketPath() {
    return socketPath(endpoint);
  }

  private static int fileModeBits(String mode) {
    try {
      int bits = Integer.parseInt(mode, 8);
      if (bits < 0 || bits > 0777) {
        throw new NumberFormatException();
      }
      return bits;
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(
          "secrets-store.driver.file-mode must be an octal mode such as 0644: " + mode);
    }
  }

  /** The socket path of an endpoint {@code unix:///path} (or {@code unix:/path}). */
  public static Path socketPath(String endpoint) {
    // unix:///abs/path (URL form, empty host) or unix:/abs/path; unix://relative is refused.
    String path =
        endpoint.startsWith("unix://")
            ? endpoint.substring("unix://".length())
            : endpoint.startsWith("unix:") ? endpoint.substring("unix:".length()) : "";
    if (!path.startsWith("/")) {
      throw new IllegalArgumentException(
          "secrets-store.driver.endpoint must be a unix socket path such as unix:///csi/csi.sock: "
              + endpoint);
    }
    return Path.of(path);
  }
}
