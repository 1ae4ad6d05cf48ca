package io.secretsstore.driver.health;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.actuate.info.InfoEndpoint;
import org.springframework.boot.health.actuate.endpoint.HealthEndpointGroups;
import org.springframework.boot.health.registry.HealthContributorRegistry;
import org.springframework.boot.health.registry.ReactiveHealthContributorRegistry;
import org.springframework.boot.micrometer.metrics.autoconfigure.export.prometheus.PrometheusScrapeEndpoint;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.env.ConfigurableEnvironment;

/** The health and metrics port ({@code server.port}, {@code DRIVER_HTTP_PORT}). */
@Configuration(proxyBeanMethods = false)
public class ManagementServerConfiguration {

  @Bean
  ManagementHttpServer managementHttpServer(
      ConfigurableEnvironment environment,
      HealthContributorRegistry registry,
      ObjectProvider<ReactiveHealthContributorRegistry> reactive,
      HealthEndpointGroups groups,
      ObjectProvider<PrometheusScrapeEndpoint> prometheus,
      ObjectProvider<InfoEndpoint> info) {
    int port = environment.getProperty("server.port", Integer.class, 8099);
    return new ManagementHttpServer(
        port, registry, reactive, groups, prometheus, info, environment);
  }
}
