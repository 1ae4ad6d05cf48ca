package io.secretsstore.vault;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * One {@link StoreClient} per distinct {@link StoreConnection}, so callers that mount many imports
 * pointing at the same store share an HTTP client (and its connection pool). Tenants choose
 * addresses, namespaces and CAs, so the number of connections is theirs to choose: at most {@code
 * maxClients} are kept, the least recently used one is closed when another is needed.
 */
public final class StoreClients {

  /** Distinct connections kept open by default. */
  public static final int DEFAULT_MAX_CLIENTS = 64;

  private final StoreMetrics metrics;
  private final StorePacing pacing;
  private final int maxClients;
  private final StoreReachability reachability;
  private final Map<StoreConnection, StoreClient> clients;

  public StoreClients(StoreMetrics metrics) {
    this(metrics, StorePacing.UNLIMITED);
  }

  /** Clients whose attempts share {@code pacing}'s permits. */
  public StoreClients(StoreMetrics metrics, StorePacing pacing) {
    this(metrics, pacing, DEFAULT_MAX_CLIENTS);
  }

  /** At most {@code maxClients} clients (at least 1). */
  public StoreClients(StoreMetrics metrics, StorePacing pacing, int maxClients) {
    this(metrics, pacing, maxClients, StoreReachability.ALWAYS_TRY);
  }

  /**
   * At most {@code maxClients} clients, whose requests fail fast while {@code reachability} holds
   * their address as unreachable (one state per address, shared by all clients).
   */
  public StoreClients(
      StoreMetrics metrics, StorePacing pacing, int maxClients, StoreReachability reachability) {
    this.reachability = Objects.requireNonNull(reachability, "reachability");
    this.metrics = Objects.requireNonNull(metrics, "metrics");
    this.pacing = Objects.requireNonNull(pacing, "pacing");
    this.maxClients = Math.max(1, maxClients);
    this.clients = new LinkedHashMap<>(16, 0.75f, true);
  }

  public StoreClient forConnection(StoreConnection connection) {
    Objects.requireNonNull(connection, "connection");
    StoreClient evicted = null;
    StoreClient client;
    synchronized (clients) {
      client = clients.get(connection);
      if (client == null) {
        client = StoreClient.create(connection, metrics, pacing, reachability);
        clients.put(connection, client);
        if (clients.size() > maxClients) {
          var eldest = clients.entrySet().iterator();
          evicted = eldest.next().getValue();
          eldest.remove();
        }
      }
    }
    if (evicted != null) {
      // Its requests in flight finish; the next request for that connection gets a new client.
      evicted.close();
    }
    return client;
  }

  /** Clients open now. */
  public int size() {
    synchronized (clients) {
      return clients.size();
    }
  }

  public StoreMetrics metrics() {
    return metrics;
  }
}
