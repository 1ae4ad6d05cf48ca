package io.secretsstore.daemon.management;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.actuate.info.InfoEndpoint;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.health.actuate.endpoint.HealthEndpointGroups;
import org.springframework.boot.health.registry.HealthContributorRegistry;
import org.springframework.boot.health.registry.ReactiveHealthContributorRegistry;
import org.springframework.boot.micrometer.metrics.autoconfigure.export.prometheus.PrometheusScrapeEndpoint;
import org.springframework.context.annotation.Bean;
import org.springframework.core.env.ConfigurableEnvironment;

/**
 * The health and metrics port of a node daemon: {@code server.port}, which each daemon's
 * application.yaml sets (the driver from {@code DRIVER_HTTP_PORT}, the provider from {@code
 * PROVIDER_HTTP_PORT}, the chart renders both). Auto-configured: a daemon gets it by depending on
 * this module.
 */
@AutoConfiguration
public class ManagementServerConfiguration {

  @Bean
  ManagementHttpServer managementHttpServer(
      ConfigurableEnvironment environment,
      HealthContributorRegistry registry,
      ObjectProvider<ReactiveHealthContributorRegistry> reactive,
      HealthEndpointGroups groups,
      ObjectProvider<PrometheusScrapeEndpoint> prometheus,
      ObjectProvider<InfoEndpoint> info) {
    int port = environment.getRequiredProperty("server.port", Integer.class);
    return new ManagementHttpServer(
        port, registry, reactive, groups, prometheus, info, environment);
  }
}
