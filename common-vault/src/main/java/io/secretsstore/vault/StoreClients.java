package io.secretsstore.vault;

import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * One {@link StoreClient} per distinct {@link StoreConnection}, so callers that mount many imports
 * pointing at the same store share a client (and its TLS socket factory, whose kept-alive
 * connections only it reuses). Tenants choose addresses, namespaces and CAs, so the number of
 * connections is theirs to choose: at most {@code maxClients} are kept, the least recently used one
 * is closed when another is needed — at once, or when the last {@link Lease} of it ends.
 */
public final class StoreClients {

  /** Distinct connections kept open by default. */
  public static final int DEFAULT_MAX_CLIENTS = 64;

  private final StoreMetrics metrics;
  private final StorePacing pacing;
  private final int maxClients;
  private final StoreReachability reachability;
  private final Map<StoreConnection, StoreClient> clients;
  // Guarded by clients: leases held per client, and evicted clients waiting for their last lease.
  private final Map<StoreClient, Integer> leases = new IdentityHashMap<>();
  private final Set<StoreClient> retired = Collections.newSetFromMap(new IdentityHashMap<>());

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

  /**
   * The client of {@code connection}, for a caller that uses it only briefly and never after the
   * connection could have been evicted (an evicted client is closed at once unless {@link #lease
   * leased}).
   */
  public StoreClient forConnection(StoreConnection connection) {
    try (Lease lease = lease(connection)) {
      return lease.client();
    }
  }

  /**
   * The client of {@code connection}, kept open until the lease is closed even if other connections
   * evict it from the cache meanwhile: a tenant who names many connections (namespaces, CAs,
   * addresses) cannot close the client under another tenant's mount.
   */
  public Lease lease(StoreConnection connection) {
    Objects.requireNonNull(connection, "connection");
    List<StoreClient> toClose = new ArrayList<>();
    StoreClient client;
    synchronized (clients) {
      client = clients.get(connection);
      if (client == null) {
        client = StoreClient.create(connection, metrics, pacing, reachability);
        clients.put(connection, client);
        if (clients.size() > maxClients) {
          var eldest = clients.entrySet().iterator();
          StoreClient evicted = eldest.next().getValue();
          eldest.remove();
          if (leases.containsKey(evicted)) {
            retired.add(evicted); // closed when its last lease ends
          } else {
            toClose.add(evicted);
          }
        }
      }
      leases.merge(client, 1, Integer::sum);
    }
    // Its requests in flight finish; the next request for that connection gets a new client.
    toClose.forEach(StoreClient::close);
    return new Lease(client);
  }

  private void release(StoreClient client) {
    boolean close;
    synchronized (clients) {
      Integer left = leases.merge(client, -1, (held, one) -> held + one == 0 ? null : held + one);
      close = left == null && retired.remove(client);
    }
    if (close) {
      client.close();
    }
  }

  /** A client held open for the duration of one piece of work; close it when done. */
  public final class Lease implements AutoCloseable {
    private final StoreClient client;
    private boolean released;

    private Lease(StoreClient client) {
      this.client = client;
    }

    public StoreClient client() {
      return client;
    }

    @Override
    public void close() {
      if (!released) {
        released = true;
        release(client);
      }
    }
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
