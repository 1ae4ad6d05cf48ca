package io.secretsstore.driver.health;

import io.secretsstore.driver.registration.PluginRegistrationServer;
import io.secretsstore.driver.registration.PluginRegistrationServer.KubeletAnswer;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;

/**
 * Whether kubelet can find the driver: the registration socket is served, and kubelet did not
 * refuse the registration. Down makes the liveness probe restart the driver, which registers again
 * (what the upstream node-driver-registrar does by exiting). Up, with a note, when registration is
 * left to the upstream sidecar.
 */
public final class KubeletRegistrationHealthIndicator implements HealthIndicator {

  private final PluginRegistrationServer server;

  /** {@code server} is null when self-registration is turned off. */
  public KubeletRegistrationHealthIndicator(PluginRegistrationServer server) {
    this.server = server;
  }

  @Override
  public Health health() {
    if (server == null) {
      return Health.up()
          .withDetail("registration", "disabled (node-driver-registrar sidecar expected)")
          .build();
    }
    String socket = server.socket().toString();
    if (!server.serving()) {
      return Health.down()
          .withDetail("socket", socket)
          .withDetail("error", "the registration socket is gone")
          .build();
    }
    KubeletAnswer answer = server.lastAnswer();
    if (answer == null) {
      return Health.up().withDetail("socket", socket).withDetail("kubelet", "not yet").build();
    }
    if (!answer.registered()) {
      return Health.down()
          .withDetail("socket", socket)
          .withDetail("error", "kubelet refused the registration: " + answer.error())
          .build();
    }
    return Health.up().withDetail("socket", socket).withDetail("kubelet", "registered").build();
  }
}
