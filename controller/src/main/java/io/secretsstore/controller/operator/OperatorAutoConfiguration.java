package io.secretsstore.controller.operator;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.extended.leaderelection.LeaderCallbacks;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import io.javaoperatorsdk.operator.Operator;
import io.javaoperatorsdk.operator.api.config.LeaderElectionConfigurationBuilder;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.List;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;

/**
 * Runs java-operator-sdk inside the Spring context (the JOSDK Spring Boot starter is not available
 * here): one {@link Operator} over the context's {@link KubernetesClient}, every {@link Reconciler}
 * bean registered with it, started when the context is ready and stopped when it closes.
 */
@AutoConfiguration
@EnableConfigurationProperties(OperatorProperties.class)
public class OperatorAutoConfiguration {

  static final int CONNECT_TIMEOUT_MILLIS = 10_000;
  static final int REQUEST_TIMEOUT_MILLIS = 15_000;
  static final int RETRIES = 3;
  static final int RETRY_INTERVAL_MILLIS = 500;

  @Bean(destroyMethod = "close")
  @ConditionalOnMissingBean
  KubernetesClient kubernetesClient(ObjectProvider<KubernetesSerialization> serialization) {
    // In-cluster service account, or KUBECONFIG / kubernetes.master for local runs; explicit
    // limits instead of fabric8's defaults (10 retries with backoff): a degraded API server
    // makes a request fail within about a minute instead of hanging reconciliations.
    io.fabric8.kubernetes.client.Config config =
        io.fabric8.kubernetes.client.Config.autoConfigure(null);
    config.setConnectionTimeout(CONNECT_TIMEOUT_MILLIS);
    config.setRequestTimeout(REQUEST_TIMEOUT_MILLIS);
    config.setRequestRetryBackoffLimit(RETRIES);
    config.setRequestRetryBackoffInterval(RETRY_INTERVAL_MILLIS);
    KubernetesClientBuilder builder = new KubernetesClientBuilder().withConfig(config);
    serialization.ifAvailable(builder::withKubernetesSerialization);
    return builder.build();
  }

  @Bean
  ShutdownFlag operatorShutdownFlag() {
    return new ShutdownFlag();
  }

  @Bean
  @ConditionalOnMissingBean
  Operator operator(
      KubernetesClient kubernetes, OperatorProperties properties, ShutdownFlag shutdown) {
    return new Operator(
        overrider -> {
          overrider
              .withKubernetesClient(kubernetes)
              .withConcurrentReconciliationThreads(properties.reconcileThreads())
              // The client belongs to the Spring context, which closes it.
              .withCloseClientOnStop(false)
              // Status is written with a merge patch of the status subresource only (never a
              // whole-object update). The import's status has a single writer, this controller
              // (the CSI driver reports per pod in its own objects), so server-side apply's field
              // ownership is not needed.
              .withUseSSAToPatchPrimaryResource(false);
          OperatorProperties.LeaderElection election = properties.leaderElection();
          if (election.enabled()) {
            var builder =
                LeaderElectionConfigurationBuilder.aLeaderElectionConfiguration(
                        election.leaseName())
                    .withIdentity(identity(election.identity()))
                    .withLeaseDuration(election.leaseDuration())
                    .withRenewDeadline(election.renewDeadline())
                    .withRetryPeriod(election.retryPeriod())
                    // JOSDK would System.exit on every loss of leadership, including the one
                    // during a normal shutdown (inside the JVM's shutdown hook, which hangs).
                    // Ours exits only when leadership is lost while running.
                    .withExitOnStopLeading(false)
                    .withLeaderCallbacks(
                        new LeaderCallbacks(() -> {}, shutdown::leadershipLost, leader -> {}));
            if (!election.leaseNamespace().isBlank()) {
              builder.withLeaseNamespace(election.leaseNamespace());
            }
            overrider.withLeaderElectionConfiguration(builder.build());
          }
        });
  }

  @Bean
  OperatorLifecycle operatorLifecycle(
      Operator operator, ObjectProvider<Reconciler<?>> reconcilers, ShutdownFlag shutdown) {
    return new OperatorLifecycle(
        operator, () -> List.copyOf(reconcilers.orderedStream().toList()), shutdown);
  }

  @Bean
  OperatorHealthIndicator operatorHealthIndicator(Operator operator) {
    return new OperatorHealthIndicator(operator);
  }

  private static String identity(String configured) {
    if (!configured.isBlank()) {
      return configured;
    }
    try {
      return InetAddress.getLocalHost().getHostName();
    } catch (UnknownHostException e) {
      return "secrets-store-controller-" + ProcessHandle.current().pid();
    }
  }
}
