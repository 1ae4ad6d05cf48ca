package io.secretsstore.driver.registration;

import java.util.Optional;

/** Self-registration with kubelet, or nothing when the upstream registrar sidecar does it. */
public final class KubeletRegistration implements AutoCloseable {

  private final PluginRegistrationServer server;

  /** {@code server} is null when self-registration is turned off. */
  public KubeletRegistration(PluginRegistrationServer server) {
    this.server = server;
  }

  public Optional<PluginRegistrationServer> server() {
    return Optional.ofNullable(server);
  }

  public void start() {
    if (server != null) {
      server.start();
    }
  }

  @Override
  public void close() {
    if (server != null) {
      server.close();
    }
  }
}
