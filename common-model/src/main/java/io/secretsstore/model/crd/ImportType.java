package io.secretsstore.model.crd;

/** How the secrets of an import are delivered. */
public enum ImportType {
  /** As files on a tmpfs mounted by the CSI driver. */
  CSI,
  /**
   * Opt-in: as a Kubernetes Secret kept in sync by the controller. The values are then stored in
   * etcd; an addition to the module's schema.
   */
  Secret
}
