package io.secretsstore.e2e.bench;

/**
 * The upstream design's store cost as a model (its Go implementations cannot be built here: the
 * module proxy refuses hashicorp/vault-csi-provider and a logging module of the upstream driver):
 * one login per pod and delivery, one read per file per pod at mount and again per rotation cycle.
 * Computed from the counts of this run, never measured.
 */
record UpstreamModel(long logins, long reads) {

  /** A mount wave (or pod starts) of {@code pods} pods, each with {@code files} values. */
  static UpstreamModel mounts(long pods, int files) {
    return new UpstreamModel(pods, pods * files);
  }

  /** One rotation cycle of {@code volumes} volumes of {@code files} files each. */
  static UpstreamModel rotationCycle(long volumes, int files) {
    return new UpstreamModel(volumes, volumes * files);
  }
}
