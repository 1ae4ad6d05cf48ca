package io.secretsstore.controller.operator;

import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * How the java-operator-sdk operator runs ({@code secrets-store.operator.*}).
 *
 * @param reconcileThreads reconciliations running at once, across all resources
 * @param leaderElection only the leader reconciles; the others wait on the lease
 */
@ConfigurationProperties("secrets-store.operator")
public record OperatorProperties(
    @DefaultValue("8") int reconcileThreads, @DefaultValue LeaderElection leaderElection) {

  /**
   * @param enabled off only for a single replica or local runs
   * @param leaseName the {@code coordination.k8s.io} Lease the replicas compete for
   * @param leaseNamespace the Lease's namespace; application.yaml defaults it to {@code
   *     POD_NAMESPACE}; empty means the client's namespace
   * @param identity this replica's name in the Lease; application.yaml defaults it to {@code
   *     POD_NAME}; empty means the host name
   * @param leaseDuration how long a leader's claim holds without renewal
   * @param renewDeadline how long the leader keeps trying to renew before giving up
   * @param retryPeriod how often candidates try to acquire
   */
  public record LeaderElection(
      @DefaultValue("true") boolean enabled,
      @DefaultValue("secrets-store-controller") String leaseName,
      @DefaultValue("") String leaseNamespace,
      @DefaultValue("") String identity,
      @DefaultValue("15s") Duration leaseDuration,
      @DefaultValue("10s") Duration renewDeadline,
      @DefaultValue("2s") Duration retryPeriod) {

    public LeaderElection {
      if (enabled && (leaseName == null || leaseName.isBlank())) {
        throw new IllegalArgumentException(
            "secrets-store.operator.leader-election.lease-name must be set");
      }
      if (enabled && renewDeadline.compareTo(leaseDuration) >= 0) {
        throw new IllegalArgumentException(
            "secrets-store.operator.leader-election.renew-deadline ("
                + renewDeadline
                + ") must be shorter than lease-duration ("
                + leaseDuration
                + ")");
      }
    }
  }

  public OperatorProperties {
    if (reconcileThreads < 1) {
      throw new IllegalArgumentException(
          "secrets-store.operator.reconcile-threads must be at least 1");
    }
  }
}
