package io.secretsstore.driver.health;

import io.secretsstore.driver.provider.ProviderClients;
import io.secretsstore.driver.provider.ProviderException;
import io.secretsstore.driver.publish.ImportResolver;
import java.time.Duration;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;

/**
 * Whether our {@code vault} provider answers {@code Version}. Part of readiness only: a provider
 * that is away (restarting, not installed yet) must not get the driver restarted, and CSI {@code
 * Probe} stays about the driver itself.
 */
public final class ProviderHealthIndicator implements HealthIndicator {

  private final ProviderClients providers;

  public ProviderHealthIndicator(ProviderClients providers) {
    this.providers = providers;
  }

  @Override
  public Health health() {
    try {
      providers.version(ImportResolver.VAULT_PROVIDER, Duration.ofSeconds(2));
      return Health.up().withDetail("provider", ImportResolver.VAULT_PROVIDER).build();
    } catch (ProviderException e) {
      return Health.down()
          .withDetail("provider", ImportResolver.VAULT_PROVIDER)
          .withDetail("error", e.getMessage())
          .build();
    }
  }
}
