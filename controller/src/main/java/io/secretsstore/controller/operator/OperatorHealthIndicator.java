package io.secretsstore.controller.operator;

import io.javaoperatorsdk.operator.Operator;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;

/** Down while the operator is not started or one of its informers is unhealthy. */
public final class OperatorHealthIndicator implements HealthIndicator {

  private final Operator operator;

  OperatorHealthIndicator(Operator operator) {
    this.operator = operator;
  }

  @Override
  public Health health() {
    var runtime = operator.getRuntimeInfo();
    if (!runtime.isStarted()) {
      return Health.down().withDetail("operator", "not started").build();
    }
    if (!runtime.allEventSourcesAreHealthy()) {
      return Health.down()
          .withDetail("unhealthyEventSources", runtime.unhealthyEventSources().keySet())
          .build();
    }
    return Health.up().build();
  }
}
