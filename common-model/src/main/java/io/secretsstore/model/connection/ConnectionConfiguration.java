package io.secretsstore.model.connection;

/** The module setting {@code connectionConfiguration}: where the module's store is. */
public enum ConnectionConfiguration {
  /**
   * The Deckhouse Stronghold of this cluster: its in-cluster address, its CA and its local
   * Kubernetes auth mount {@code kubernetes_local} (the module's default).
   */
  DiscoverLocalStronghold,
  /** A store named by {@code connection.url} (external Stronghold, Vault, OpenBao). */
  Manual
}
