package io.secretsstore.vault.error;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.OptionalInt;
import org.junit.jupiter.api.Test;

class RedactionTest {

  private static final String JWT =
      "eyJhbGciOiJSUzI1NiIsImtpZCI6IjEifQ.eyJzdWIiOiJzeXN0ZW06c2VydmljZWFjY291bnQ6YTpiIn0.c2lnbmF0dXJl";

  @Test
  void redactsTokensAndJwts() {
    String text = "invalid token hvs.CAESIJ8x9yZabcdefgh and jwt " + JWT + " end";
    String clean = Redaction.sanitize(text);
    assertThat(clean)
        .doesNotContain("hvs.CAES")
        .doesNotContain("eyJhbGci")
        .contains("<redacted>")
        .endsWith("end");
  }

  @Test
  void foldsControlCharactersAndCapsLength() {
    assertThat(Redaction.sanitize("a\nb\tc")).isEqualTo("a b c");
    assertThat(Redaction.sanitize("x".repeat(1000))).hasSize(303).endsWith("...");
    assertThat(Redaction.sanitize(null)).isEmpty();
  }

  @Test
  void exceptionMessagesNameAddressPathAndStatus() {
    StoreException e =
        new StoreException(
            StoreErrorKind.PERMISSION_DENIED,
            "https://vault:8200",
            "secret/data/app",
            OptionalInt.of(403),
            "permission denied",
            null);
    assertThat(e.getMessage())
        .isEqualTo(
            "permission denied by the store (store https://vault:8200, path secret/data/app,"
                + " HTTP 403): permission denied");
    assertThat(e.errorCode()).isEqualTo("permission_denied");
    assertThat(e.retryable()).isFalse();
  }
}
