package io.secretsstore.provider.mount;

import static org.assertj.core.api.Assertions.assertThat;

import io.secretsstore.vault.StoreResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;

class IssuedWritesTest {

  static final Instant NOW = Instant.parse("2026-12-02T12:00:00Z");

  static SecretData answer(Map<String, Object> body, Map<String, Object> data) {
    return new SecretData(data, "", new StoreResponse(body));
  }

  @Test
  void aLeaseIsReusedForTwoThirdsOfItsDuration() {
    SecretData credentials =
        answer(Map.of("lease_duration", 3600, "data", Map.of()), Map.of("username", "u"));
    assertThat(IssuedWrites.reuseFor(credentials, NOW)).isEqualTo(Duration.ofSeconds(2376));
  }

  @Test
  void aCertificateWithoutLeaseIsReusedByItsExpiration() {
    long expiration = NOW.plus(Duration.ofMinutes(30)).getEpochSecond();
    SecretData certificate =
        answer(
            Map.of("lease_duration", 0, "data", Map.of()),
            Map.of("certificate", "-----BEGIN CERTIFICATE-----", "expiration", expiration));
    assertThat(IssuedWrites.reuseFor(certificate, NOW)).isEqualTo(Duration.ofSeconds(1188));
    // Already expired: not reused at all.
    SecretData expired =
        answer(Map.of(), Map.of("expiration", NOW.minusSeconds(5).getEpochSecond()));
    assertThat(IssuedWrites.reuseFor(expired, NOW)).isZero();
  }

  @Test
  void anAnswerWithoutLifetimeIsReusedForADayAtMost() {
    SecretData plain = answer(Map.of("data", Map.of("ciphertext", "vault:v1:x")), Map.of());
    assertThat(IssuedWrites.reuseFor(plain, NOW))
        .isEqualTo(IssuedWrites.WITHOUT_LEASE.multipliedBy(66).dividedBy(100));
  }
}
