package io.secretsstore.driver.publish;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.secretsstore.model.names.CsiNames;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;

class KubeletTokensTest {

  @Test
  void theEarliestExpiryOfAllAudiencesCounts() throws Exception {
    KubeletTokens tokens =
        KubeletTokens.from(
            Map.of(
                CsiNames.SERVICE_ACCOUNT_TOKENS,
                """
                {"": {"token": "tok-a", "expirationTimestamp": "2026-11-25T11:00:00Z"},
                 "vault": {"token": "tok-b", "expirationTimestamp": "2026-11-25T10:30:00Z"}}
                """));
    assertThat(tokens.expiresAt()).isEqualTo(Instant.parse("2026-11-25T10:30:00Z"));
    assertThat(tokens.usableAt(Instant.parse("2026-11-25T10:00:00Z"), Duration.ofMinutes(5)))
        .isTrue();
    assertThat(tokens.usableAt(Instant.parse("2026-11-25T10:26:00Z"), Duration.ofMinutes(5)))
        .isFalse();
    assertThat(tokens.toString()).doesNotContain("tok-a").doesNotContain("tok-b");
  }

  @Test
  void noTokensIsNotAnError() throws Exception {
    assertThat(KubeletTokens.from(Map.of())).isNull();
  }

  @Test
  void malformedTokensAreRefusedWithoutQuotingThem() {
    for (String json :
        new String[] {
          "not json tok-secret",
          "[\"tok-secret\"]",
          "{\"\": {\"token\": \"tok-secret\", \"expirationTimestamp\": \"yesterday\"}}"
        }) {
      PublishException refused =
          catchThrowableOfType(
              PublishException.class,
              () -> KubeletTokens.from(Map.of(CsiNames.SERVICE_ACCOUNT_TOKENS, json)));
      assertThat(refused.getMessage())
          .contains("is not the JSON kubelet sends")
          .doesNotContain("tok-secret");
    }
  }
}
