package io.secretsstore.vault.login;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import org.junit.jupiter.api.Test;

class ServiceAccountJwtTest {

  static String unsignedJwt(String payloadJson) {
    Base64.Encoder encoder = Base64.getUrlEncoder().withoutPadding();
    return encoder.encodeToString("{\"alg\":\"RS256\"}".getBytes(StandardCharsets.UTF_8))
        + "."
        + encoder.encodeToString(payloadJson.getBytes(StandardCharsets.UTF_8))
        + ".c2ln";
  }

  @Test
  void readsTheSubject() {
    assertThat(
            ServiceAccountJwt.subject(
                unsignedJwt("{\"iss\":\"k8s\",\"sub\":\"system:serviceaccount:ns:app\"}")))
        .contains("system:serviceaccount:ns:app");
  }

  @Test
  void nonJwtsHaveNoSubject() {
    assertThat(ServiceAccountJwt.subject("garbage")).isEmpty();
    assertThat(ServiceAccountJwt.subject("a.b")).isEmpty();
    assertThat(ServiceAccountJwt.subject("a.!!!.c")).isEmpty();
    assertThat(ServiceAccountJwt.subject(unsignedJwt("{\"iss\":\"k8s\"}"))).isEmpty();
    assertThat(ServiceAccountJwt.subject(null)).isEmpty();
  }

  @Test
  void refreshMarginIsAFifthOfTheTtlButAtLeastFiveSeconds() {
    assertThat(TokenCache.refreshMargin(java.time.Duration.ofMinutes(10)))
        .isEqualTo(java.time.Duration.ofMinutes(2));
    assertThat(TokenCache.refreshMargin(java.time.Duration.ofSeconds(10)))
        .isEqualTo(java.time.Duration.ofSeconds(5));
  }
}
