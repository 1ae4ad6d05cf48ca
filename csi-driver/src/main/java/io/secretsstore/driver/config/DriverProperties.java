package io.secretsstore.driver.config;

import io.secretsstore.model.names.CsiNames;
import java.nio.file.Path;
import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.util.unit.DataSize;

/**
 * The driver's settings ({@code secrets-store.driver.*}), checked once at start. Paths that kubelet
 * decides derive from {@code kubeletRoot} unless set on their own.
 *
 * @param endpoint the CSI socket, {@code unix:///abs/path}; default {@code
 *     unix://<kubeletRoot>/plugins/<driverName>/csi.sock}
 * @param driverName the CSI driver name pods put into {@code volumes[].csi.driver}
 * @param nodeId this node's name; {@code application.yaml} takes it from the environment variable
 *     {@code NODE_NAME} (the DaemonSet sets it from {@code spec.nodeName})
 * @param providersDir where providers put their sockets ({@code <provider>.sock})
 * @param providersGroupId group that owns {@code providersDir} (mode 0770): the providers' group,
 *     so a non-root provider can bind its socket there (the chart renders the provider pods' {@code
 *     runAsGroup})
 * @param kubeletRoot kubelet's root directory ({@code --root-dir})
 * @param kubeletPodsDir kubelet's pods directory, default {@code <kubeletRoot>/pods}; targets
 *     outside it are refused
 * @param tmpfsSize size limit of each volume's tmpfs
 * @param fileMode default mode of the files, e.g. {@code 0644} (written in octal)
 * @param providerTimeout how long one provider call may take
 * @param rotation autorotation settings
 * @param podStatus whether to keep a {@code SecretsStoreImportPodStatus} per pod volume
 * @param registration self-registration with kubelet's plugin watcher
 * @param stateDir the driver's restart state (root-only, 0700); default {@code volumes} next to the
 *     CSI socket, a host directory of the driver's own that no pod sees
 * @param volumeCalls the bounded pool that runs publishes and unpublishes
 */
@ConfigurationProperties("secrets-store.driver")
public record DriverProperties(
    String endpoint,
    @DefaultValue(CsiNames.DRIVER_NAME) String driverName,
    String nodeId,
    @DefaultValue(CsiNames.PROVIDERS_DIR_DEFAULT) Path providersDir,
    @DefaultValue(DEFAULT_PROVIDERS_GROUP_ID) int providersGroupId,
    @DefaultValue(DEFAULT_KUBELET_ROOT) Path kubeletRoot,
    Path kubeletPodsDir,
    @DefaultValue("16MB") DataSize tmpfsSize,
    @DefaultValue("0644") String fileMode,
    @DefaultValue("30s") Duration providerTimeout,
    @DefaultValue Rotation rotation,
    @DefaultValue("true") boolean podStatus,
    @DefaultValue Registration registration,
    Path stateDir,
    @DefaultValue VolumeCalls volumeCalls) {

  public static final String DEFAULT_KUBELET_ROOT = "/var/lib/kubelet";

  /** The group our provider runs as in the chart ({@code podSecurityContext.runAsGroup}). */
  public static final String DEFAULT_PROVIDERS_GROUP_ID = "65532";

  /**
   * @param enabled whether volumes are rotated at all
   * @param interval time between cycles (±10% jitter)
   * @param parallelism volumes rotated at once
   */
  public record Rotation(
      @DefaultValue("true") boolean enabled,
      @DefaultValue("2m") Duration interval,
      @DefaultValue("8") int parallelism) {}

  /**
   * Registration with kubelet's plugin watcher ({@code pluginregistration.v1}), what the upstream
   * node-driver-registrar sidecar does; turn it off when that sidecar is used.
   *
   * @param enabled whether the driver serves its registration socket
   * @param registryDir kubelet's plugin registry, default {@code <kubeletRoot>/plugins_registry};
   *     the socket is {@code <registryDir>/<driverName>-reg.sock}
   * @param kubeletEndpoint the CSI socket's path as kubelet sees it (advertised in {@code
   *     GetInfo}), default the endpoint's path
   */
  public record Registration(
      @DefaultValue("true") boolean enabled, Path registryDir, String kubeletEndpoint) {}

  /**
   * The calls that can wait (publish, unpublish: on the provider, the API server, mount(2)) run on
   * {@code threads} threads with {@code queue} more waiting; beyond that a call is refused at once
   * ({@code RESOURCE_EXHAUSTED}, kubelet retries). See the README for the defaults.
   *
   * @param threads calls running at once
   * @param queue calls waiting for a thread (0: none wait)
   */
  public record VolumeCalls(@DefaultValue("16") int threads, @DefaultValue("128") int queue) {}

  public DriverProperties {
    if (nodeId == null || nodeId.isBlank()) {
      throw new IllegalArgumentException(
          "secrets-store.driver.node-id is not set: the DaemonSet must pass the node name"
              + " (environment variable NODE_NAME from spec.nodeName)");
    }
    if (providersGroupId < 0) {
      throw new IllegalArgumentException(
          "secrets-store.driver.providers-group-id must be a group id (0 or more): "
              + providersGroupId);
    }
    if (!kubeletRoot.isAbsolute()) {
      throw new IllegalArgumentException(
          "secrets-store.driver.kubelet-root must be absolute: " + kubeletRoot);
    }
    if (kubeletPodsDir == null) {
      kubeletPodsDir = kubeletRoot.resolve("pods");
    }
    if (!kubeletPodsDir.isAbsolute()) {
      throw new IllegalArgumentException(
          "secrets-store.driver.kubelet-pods-dir must be absolute: " + kubeletPodsDir);
    }
    if (endpoint == null || endpoint.isBlank()) {
      endpoint = defaultEndpoint(kubeletRoot.toString(), driverName);
    }
    if (rotation.interval().compareTo(Duration.ofSeconds(1)) < 0) {
      throw new IllegalArgumentException(
          "secrets-store.driver.rotation.interval must be at least 1s: " + rotation.interval());
    }
    if (rotation.parallelism() < 1) {
      throw new IllegalArgumentException(
          "secrets-store.driver.rotation.parallelism must be at least 1");
    }
    if (volumeCalls.threads() < 1 || volumeCalls.queue() < 0) {
      throw new IllegalArgumentException(
          "secrets-store.driver.volume-calls.threads must be at least 1 and .queue at least 0: "
              + volumeCalls.threads()
              + ", "
              + volumeCalls.queue());
    }
    fileModeBits(fileMode);
    Path socket = socketPath(endpoint);
    if (stateDir == null) {
      stateDir = socket.getParent().resolve("volumes");
    }
    if (!stateDir.isAbsolute()) {
      throw new IllegalArgumentException(
          "secrets-store.driver.state-dir must be absolute: " + stateDir);
    }
    registration =
        new Registration(
            registration.enabled(),
            registration.registryDir() == null
                ? kubeletRoot.resolve("plugins_registry")
                : registration.registryDir(),
            registration.kubeletEndpoint() == null || registration.kubeletEndpoint().isBlank()
                ? socket.toString()
                : registration.kubeletEndpoint());
    if (!registration.registryDir().isAbsolute()
        || !Path.of(registration.kubeletEndpoint()).isAbsolute()) {
      throw new IllegalArgumentException(
          "secrets-store.driver.registration.registry-dir and .kubelet-endpoint must be absolute"
              + " paths");
    }
  }

  /** kubelet's convention for a CSI driver's socket. */
  public static String defaultEndpoint(String kubeletRoot, String driverName) {
    return "unix://" + Path.of(kubeletRoot, "plugins", driverName, "csi.sock");
  }

  public int fileModeBits() {
    return fileModeBits(fileMode);
  }

  public Path socketPath() {
    return socketPath(endpoint);
  }

  /** The registration socket kubelet's plugin watcher finds. */
  public Path registrationSocket() {
    return registration.registryDir().resolve(driverName + "-reg.sock");
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
