package io.secretsstore.driver.config;

import io.secretsstore.model.names.CsiNames;
import java.util.Map;
import org.springframework.boot.EnvironmentPostProcessor;
import org.springframework.boot.SpringApplication;
import org.springframework.core.Ordered;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.core.env.MapPropertySource;

/**
 * Turns the CSI endpoint ({@code secrets-store.driver.endpoint=unix:///csi/csi.sock}, the form
 * kubelet and the upstream driver's {@code --endpoint} use; by default kubelet's convention {@code
 * unix://<kubelet-root>/plugins/<driver-name>/csi.sock}) into Spring gRPC's unix socket setting, so
 * the gRPC server listens where kubelet looks. A malformed endpoint stops the start with a message
 * naming the setting.
 */
public final class EndpointEnvironment implements EnvironmentPostProcessor, Ordered {

  static final String ENDPOINT = "secrets-store.driver.endpoint";
  static final String SOCKET_PATH = "spring.grpc.server.netty.domain-socket-path";

  @Override
  public void postProcessEnvironment(
      ConfigurableEnvironment environment, SpringApplication application) {
    String endpoint = environment.getProperty(ENDPOINT);
    if (endpoint == null || endpoint.isBlank()) {
      endpoint =
          DriverProperties.defaultEndpoint(
              environment.getProperty(
                  "secrets-store.driver.kubelet-root", DriverProperties.DEFAULT_KUBELET_ROOT),
              environment.getProperty("secrets-store.driver.driver-name", CsiNames.DRIVER_NAME));
    }
    String path = DriverProperties.socketPath(endpoint).toString();
    environment
        .getPropertySources()
        .addFirst(new MapPropertySource("csi-endpoint", Map.of(SOCKET_PATH, path)));
  }

  /** After the configuration files are read, so the endpoint may come from any of them. */
  @Override
  public int getOrder() {
    return Ordered.LOWEST_PRECEDENCE;
  }
}
