package io.secretsstore.vault;

import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;

/**
 * One {@link StoreClient} per distinct {@link StoreConnection}, so callers that mount many imports
 * pointing at the same store share an HTTP client (and its connection pool).
 */
public final class StoreClients {

  private final ConcurrentHashMap<StoreConnection, StoreClient> clients = new ConcurrentHashMap<>();
  private final StoreMetrics metrics;

  public StoreClients(StoreMetrics metrics) {
    this.metrics = Objects.requireNonNull(metrics, "metrics");
  }

  public StoreClient forConnection(StoreConnection connection) {
    return clients.computeIfAbsent(connection, c -> StoreClient.create(c, metrics));
  }

  public StoreMetrics metrics() {
    return metrics;
  }
}
