package io.secretsstore.driver.publish;

import java.nio.file.Path;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A volume this driver has mounted. The identity (pod, volume context) comes only from kubelet's
 * requests: set at publish, or, for a volume taken over after a restart, at kubelet's first
 * republish (until then {@link #pod()} is null and the volume is not rotated). The kubelet token,
 * the object versions and the rotation bookkeeping change over the volume's life; the token lives
 * only in memory.
 */
public final class MountedVolume {

  private final String volumeId;
  private final Path target;
  private volatile PodInfo pod;
  private volatile Map<String, String> volumeContext;
  private final Instant mountTime;

  /** Serialises publish-refresh, rotation and unpublish of this volume. */
  final ReentrantLock lock = new ReentrantLock();

  private volatile KubeletTokens tokens;
  private volatile Map<String, String> objectVersions;
  private volatile ProviderMount lastMount;
  private volatile Instant lastRotation;
  private volatile String lastError;

  /** Since when rotation has skipped this volume for want of a usable token; null while not. */
  private volatile Instant rotationSkippedSince;

  /** The generation directory this driver wrote last; from its memory, never from the volume. */
  private volatile String generation;

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
    this.volumeContext = volumeContext == null ? null : Map.copyOf(volumeContext);
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

  /** Whether kubelet has told this run of the driver whose volume this is. */
  public boolean hasIdentity() {
    return pod != null;
  }

  /** A recovered volume learns its identity from kubelet's republish, once. */
  void adopt(PodInfo pod, Map<String, String> volumeContext) {
    if (this.pod == null) {
      this.volumeContext = Map.copyOf(volumeContext);
      this.pod = pod;
    }
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

  public String generation() {
    return generation;
  }

  void generation(String name) {
    this.generation = name;
  }

  public String lastError() {
    return lastError;
  }

  void lastError(String error) {
    this.lastError = error;
  }

  public Instant rotationSkippedSince() {
    return rotationSkippedSince;
  }

  void rotationSkippedSince(Instant since) {
    this.rotationSkippedSince = since;
  }

  @Override
  public String toString() {
    PodInfo known = pod;
    return known == null
        ? "volume " + volumeId + " (recovered, pod not yet republished)"
        : "volume " + volumeId + " of pod " + known.namespace() + "/" + known.name();
  }
}
