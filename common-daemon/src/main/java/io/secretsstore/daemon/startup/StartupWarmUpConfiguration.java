package io.secretsstore.daemon.startup;

import java.time.Duration;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.context.annotation.Bean;
import org.springframework.core.env.Environment;

/**
 * The warm-up before readiness of a node daemon: every {@link WarmUp} bean's steps, switched by
 * {@code secrets-store.warm-up.enabled} (default true) and bounded by {@code
 * secrets-store.warm-up.timeout} (default 10s). Auto-configured, as the management port is.
 */
@AutoConfiguration
public class StartupWarmUpConfiguration {

  static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(10);

  /** Runs after the daemon's own steps (beans of the daemon come first in the ordered stream). */
  @Bean
  WarmUp runtimeWarmUp() {
    return new RuntimeWarmUp();
  }

  @Bean
  StartupWarmUp startupWarmUp(ObjectProvider<WarmUp> warmUps, Environment environment) {
    return new StartupWarmUp(
        warmUps.orderedStream().toList(),
        environment.getProperty("secrets-store.warm-up.timeout", Duration.class, DEFAULT_TIMEOUT),
        environment.getProperty("secrets-store.warm-up.enabled", Boolean.class, true));
  }
}
