package io.secretsstore.model.crd;

/** How the secrets of an import are delivered. */
public enum ImportType {
  /** As files on a tmpfs mounted by the CSI driver. */
  CSI
}
