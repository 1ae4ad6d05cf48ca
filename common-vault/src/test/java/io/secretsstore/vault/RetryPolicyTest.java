package io.secretsstore.vault;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class RetryPolicyTest {

  @Test
  void backoffIsJitteredBelowAGrowingCap() {
    RetryPolicy policy = new RetryPolicy(5, Duration.ofMillis(100), Duration.ofMillis(300));
    for (int i = 0; i < 1000; i++) {
      assertThat(policy.backoffAfter(1)).isBetween(Duration.ZERO, Duration.ofMillis(100));
      assertThat(policy.backoffAfter(2)).isBetween(Duration.ZERO, Duration.ofMillis(200));
      assertThat(policy.backoffAfter(10)).isBetween(Duration.ZERO, Duration.ofMillis(300));
    }
  }

  @Test
  void jitterActuallyVaries() {
    RetryPolicy policy = new RetryPolicy(5, Duration.ofMillis(1000), Duration.ofMillis(1000));
    long distinct =
        java.util.stream.IntStream.range(0, 50)
            .mapToObj(i -> policy.backoffAfter(1))
            .distinct()
            .count();
    assertThat(distinct).isGreaterThan(10);
  }

  @Test
  void rejectsNonsense() {
    assertThatThrownBy(() -> new RetryPolicy(0, Duration.ZERO, Duration.ZERO))
        .hasMessageContaining("maxAttempts must be at least 1");
    assertThatThrownBy(() -> new RetryPolicy(1, Duration.ofMillis(-1), Duration.ZERO))
        .hasMessageContaining("must not be negative");
  }
}
