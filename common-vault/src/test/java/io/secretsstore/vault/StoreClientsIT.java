package io.secretsstore.vault;

import static org.assertj.core.api.Assertions.assertThat;

import io.secretsstore.testkit.OpenBaoServer;
import io.secretsstore.testkit.SharedStore;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;
import org.springframework.vault.support.VaultToken;

/**
 * Tenants choose store addresses, namespaces and CAs, so they choose how many distinct connections
 * the provider has: the clients are bounded, and an evicted one is closed (issue 14 item 9).
 */
class StoreClientsIT {

  @Test
  void aTenantCannotMakeTheProviderKeepAnUnboundedNumberOfHttpClients() {
    OpenBaoServer store = SharedStore.store();
    String path = SharedStore.unique("clients");
    store.admin().putKv2("secret", path, Map.of("k", "v"));
    StoreClients clients = new StoreClients(StoreMetrics.unexported(), new StorePacing(4), 8);
    StoreConnection plain = StoreConnection.builder(store.address()).build();
    StoreClient first = clients.forConnection(plain);
    List<StoreClient> created = new ArrayList<>();
    // 100 namespaces an attacker might name: each is a distinct connection.
    for (int i = 0; i < 100; i++) {
      created.add(
          clients.forConnection(
              StoreConnection.builder(store.address()).namespace("tenant-" + i).build()));
      assertThat(clients.size()).isLessThanOrEqualTo(8);
    }
    assertThat(clients.size()).isEqualTo(8);
    assertThat(first.isClosed()).isTrue();
    assertThat(created.subList(0, 92)).allMatch(StoreClient::isClosed);
    assertThat(created.subList(92, 100)).noneMatch(StoreClient::isClosed);
    // The evicted connection gets a new, working client.
    StoreClient again = clients.forConnection(plain);
    assertThat(again).isNotSameAs(first);
    assertThat(
            again
                .readKv(
                    VaultToken.of(store.rootToken()), "secret/data/" + path, OptionalInt.empty())
                .data())
        .containsEntry("k", "v");
    // Using a client keeps it: the least recently used one goes.
    assertThat(clients.forConnection(plain)).isSameAs(again);
    assertThat(clients.size()).isEqualTo(8);
    assertThat(created.get(92).isClosed()).isTrue();
  }

  /**
   * A tenant naming many connections evicts others' clients from the cache; a client leased by a
   * mount in progress stays open and working until that mount ends, and is closed then.
   */
  @Test
  void anEvictedClientStaysOpenUntilItsLastLeaseEnds() {
    OpenBaoServer store = SharedStore.store();
    String path = SharedStore.unique("leased");
    store.admin().putKv2("secret", path, Map.of("k", "v"));
    StoreClients clients = new StoreClients(StoreMetrics.unexported(), new StorePacing(4), 2);
    StoreConnection victim = StoreConnection.builder(store.address()).build();

    StoreClients.Lease mount = clients.lease(victim);
    StoreClients.Lease second = clients.lease(victim);
    for (int i = 0; i < 10; i++) {
      clients.forConnection(
          StoreConnection.builder(store.address()).namespace("attacker-" + i).build());
    }
    assertThat(clients.size()).isEqualTo(2);
    assertThat(mount.client()).isSameAs(second.client());
    assertThat(mount.client().isClosed()).isFalse();
    assertThat(
            mount
                .client()
                .readKv(
                    VaultToken.of(store.rootToken()), "secret/data/" + path, OptionalInt.empty())
                .data())
        .containsEntry("k", "v");

    second.close();
    assertThat(mount.client().isClosed()).isFalse();
    mount.close();
    mount.close(); // idempotent
    assertThat(mount.client().isClosed()).isTrue();
    // The connection gets a new client; a lease of a cached client closes nothing.
    try (StoreClients.Lease again = clients.lease(victim)) {
      assertThat(again.client()).isNotSameAs(mount.client());
    }
    assertThat(clients.forConnection(victim).isClosed()).isFalse();
  }
}
