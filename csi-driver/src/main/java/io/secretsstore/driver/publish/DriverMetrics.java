package io.secretsstore.driver.publish;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.function.Supplier;

/**
 * The driver's meters. {@code error_type} is a stable code (e.g. {@code import_not_found}, {@code
 * permission_denied}) from the closed set of {@link ErrorTypes}, never a message or a string a
 * provider made up.
 */
public final class DriverMetrics {

  private final MeterRegistry registry;

  public DriverMetrics(MeterRegistry registry, Supplier<Number> mountedVolumes) {
    this.registry = registry;
    registry.gauge(
        "secrets_store.driver.mounted_volumes", mountedVolumes, s -> s.get().doubleValue());
  }

  void publish(Duration took, String errorType) {
    timer("secrets_store.driver.publish", errorType).record(took);
  }

  void unpublish(Duration took, String errorType) {
    timer("secrets_store.driver.unpublish", errorType).record(took);
  }

  /**
   * One volume's rotation: {@code result} is {@code updated}, {@code unchanged}, {@code skipped} or
   * {@code error}.
   */
  void rotation(Duration took, String result, String errorType) {
    Timer.builder("secrets_store.driver.rotation")
        .tag("result", result)
        .tag("error_type", errorType == null ? "" : ErrorTypes.label(errorType))
        .register(registry)
        .record(took);
  }

  public void rotationCycle(Duration took) {
    registry.timer("secrets_store.driver.rotation.cycle").record(took);
  }

  private Timer timer(String name, String errorType) {
    return Timer.builder(name)
        .tag("outcome", errorType == null ? "success" : "error")
        .tag("error_type", errorType == null ? "" : ErrorTypes.label(errorType))
        .register(registry);
  }
}
