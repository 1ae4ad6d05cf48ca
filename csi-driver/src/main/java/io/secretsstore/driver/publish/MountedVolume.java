package io.secretsstore.driver.publish;

import java.nio.file.Path;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A volume this driver has mounted. Identity fields are fixed; the kubelet token, the object
 * versions and the rotation bookkeeping change over the volume's life. The kubelet token lives only
 * in memory (never in the state file).
 */
public final class MountedVolume {

  private final String volumeId;
  private final Path target;
  private final PodInfo pod;
  private final Map<String, String> volumeContext;
  private final Instant mountTime;

  /** Serialises publish-refresh, rotation and unpublish of this volume. */
  final ReentrantLock lock = new ReentrantLock();

  private volatile KubeletTokens tokens;
  private volatile Map<String, String> objectVersions;
  private volatile ProviderMount lastMount;
  private volatile Instant lastRotation;
  private volatile String lastError;

  MountedVolume(
      String volumeId,
      Path target,
      PodInfo pod,
      Map<String, String> volumeContext,
      Instant mountTime,
      KubeletTokens tokens,
      Map<String, String> objectVersions,
      ProviderMount lastMount,
      Instant lastRotation) {
    this.volumeId = volumeId;
    this.target = target;
    this.pod = pod;
    this.volumeContext = Map.copyOf(volumeContext);
    this.mountTime = mountTime;
    this.tokens = tokens;
    this.objectVersions = Map.copyOf(objectVersions);
    this.lastMount = lastMount;
    this.lastRotation = lastRotation;
  }

  public String volumeId() {
    return volumeId;
  }

  public Path target() {
    return target;
  }

  public PodInfo pod() {
    return pod;
  }

  public Map<String, String> volumeContext() {
    return volumeContext;
  }

  public Instant mountTime() {
    return mountTime;
  }

  public KubeletTokens tokens() {
    return tokens;
  }

  void tokens(KubeletTokens fresh) {
    this.tokens = fresh;
  }

  public Map<String, String> objectVersions() {
    return objectVersions;
  }

  void objectVersions(Map<String, String> versions) {
    this.objectVersions = Map.copyOf(versions);
  }

  public ProviderMount lastMount() {
    return lastMount;
  }

  void lastMount(ProviderMount mount) {
    this.lastMount = mount;
  }

  public Instant lastRotation() {
    return lastRotation;
  }

  void lastRotation(Instant time) {
    this.lastRotation = time;
  }

  public String lastError() {
    return lastError;
  }

  void lastError(String error) {
    this.lastError = error;
  }

  @Override
  public String toString() {
    return "volume " + volumeId + " of pod " + pod.namespace() + "/" + pod.name();
  }
}
