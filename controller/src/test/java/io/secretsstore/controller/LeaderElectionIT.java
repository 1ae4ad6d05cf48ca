package io.secretsstore.controller;

import static io.secretsstore.controller.Imports.file;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.client.NamespacedKubernetesClient;
import io.secretsstore.model.crd.SecretsStoreImport;
import io.secretsstore.testkit.KubernetesApiMock;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** Two controller replicas against one API server: only the lease holder reconciles. */
class LeaderElectionIT {

  static final String NS = "team-l";

  @Test
  void onlyTheLeaderReconcilesAndTheOtherTakesOverWhenItStops() {
    try (KubernetesApiMock kubernetes = new KubernetesApiMock();
        NamespacedKubernetesClient api = kubernetes.client()) {
      ControllerHarness first = new ControllerHarness(kubernetes, replica("replica-a"));
      ControllerHarness second = null;
      try {
        await().atMost(Duration.ofSeconds(20)).until(() -> "replica-a".equals(holder(api)));
        second = new ControllerHarness(kubernetes, replica("replica-b"));

        api.resource(Imports.csi(NS, "one", file("user", "secret/data/db", "user"))).create();
        awaitReady(api, "one");
        // Give the follower every chance to reconcile too, then check it did not.
        await().during(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(5)).until(() -> true);
        assertThat(first.reconciles()).isPositive();
        assertThat(second.reconciles()).isZero();
        assertThat(holder(api)).isEqualTo("replica-a");

        double secondBefore = second.reconciles();
        first.close();
        first = null;
        // The lease runs out (4 s) and the follower takes it.
        await().atMost(Duration.ofSeconds(30)).until(() -> "replica-b".equals(holder(api)));
        api.resource(Imports.csi(NS, "two", file("user", "secret/data/db", "user"))).create();
        awaitReady(api, "two");
        assertThat(second.reconciles()).isGreaterThan(secondBefore);
      } finally {
        if (first != null) {
          first.close();
        }
        if (second != null) {
          second.close();
        }
      }
    }
  }

  private static String[] replica(String identity) {
    return new String[] {
      "secrets-store.operator.leader-election.enabled=true",
      "secrets-store.operator.leader-election.identity=" + identity,
      "secrets-store.operator.leader-election.lease-duration=4s",
      "secrets-store.operator.leader-election.renew-deadline=3s",
      "secrets-store.operator.leader-election.retry-period=500ms"
    };
  }

  private static String holder(NamespacedKubernetesClient api) {
    Lease lease = api.leases().inNamespace("default").withName("secrets-store-controller").get();
    return lease == null || lease.getSpec() == null ? null : lease.getSpec().getHolderIdentity();
  }

  private static void awaitReady(NamespacedKubernetesClient api, String name) {
    await()
        .atMost(Duration.ofSeconds(20))
        .until(
            () -> {
              SecretsStoreImport ssi =
                  api.resources(SecretsStoreImport.class).inNamespace(NS).withName(name).get();
              return ssi != null
                  && ssi.getStatus() != null
                  && ssi.getStatus().getConditions().stream()
                      .anyMatch(c -> c.getType().equals("Ready") && c.getStatus().equals("True"));
            });
  }
}
