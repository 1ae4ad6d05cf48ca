package io.secretsstore.driver.config;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import org.junit.jupiter.api.Test;

/**
 * The driver's API client has explicit limits (issue 15 item 7): fabric8's defaults retry 10 times
 * with exponential backoff, so a publish could outlive kubelet's 2-minute deadline while the API
 * server is degraded.
 */
class KubernetesClientLimitsTest {

  @Test
  void theApiClientHasExplicitTimeoutsAndFewRetries() {
    System.setProperty("kubernetes.master", "https://127.0.0.1:1");
    System.setProperty("kubernetes.auth.tryKubeConfig", "false");
    System.setProperty("kubernetes.auth.tryServiceAccount", "false");
    try (KubernetesClient client = new DriverConfiguration().kubernetesClient()) {
      Config config = client.getConfiguration();
      assertThat(config.getConnectionTimeout()).isEqualTo(5_000);
      assertThat(config.getRequestTimeout()).isEqualTo(10_000);
      assertThat(config.getRequestRetryBackoffLimit()).isEqualTo(3);
      // Worst case of one request with its retries, well inside kubelet's 2 minutes.
      long worstMillis =
          (long) (config.getRequestRetryBackoffLimit() + 1)
                  * (config.getConnectionTimeout() + config.getRequestTimeout())
              + 500L * ((1L << config.getRequestRetryBackoffLimit()) - 1);
      assertThat(worstMillis).isLessThan(120_000);
    } finally {
      System.clearProperty("kubernetes.master");
      System.clearProperty("kubernetes.auth.tryKubeConfig");
      System.clearProperty("kubernetes.auth.tryServiceAccount");
    }
  }
}
