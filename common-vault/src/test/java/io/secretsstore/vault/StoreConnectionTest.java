package io.secretsstore.vault;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class StoreConnectionTest {

  @Test
  void normalisesAddressAndNamespace() {
    StoreConnection connection =
        StoreConnection.builder("HTTPS://vault.example.com:8200/").namespace("/team-a/").build();

    assertThat(connection.address()).hasToString("https://vault.example.com:8200");
    assertThat(connection.displayAddress()).isEqualTo("https://vault.example.com:8200");
    assertThat(connection.namespace()).contains("team-a");
    assertThat(connection.isTls()).isTrue();
  }

  @Test
  void blankNamespaceMeansNone() {
    assertThat(StoreConnection.builder("http://127.0.0.1:8200").namespace("  ").build().namespace())
        .isEmpty();
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "''|store address is empty",
        "vault.example.com|must start with http:// or https://",
        "ftp://vault|must start with http:// or https://",
        "https:///|has no host",
        "https://user:pw@vault|must not contain user info, a query or a fragment",
        "https://vault?x=1|must not contain user info, a query or a fragment",
        "https://vault/v1|must not contain a path",
        "http://va ult|is not a valid URL",
      })
  void rejectsBadAddressesWithTheReason(String address, String reason) {
    assertThatThrownBy(() -> StoreConnection.builder(address))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(reason);
  }

  @Test
  void rejectsNonPositiveTimeouts() {
    assertThatThrownBy(
            () -> StoreConnection.builder("http://x").requestTimeout(Duration.ZERO).build())
        .hasMessageContaining("requestTimeout must be positive");
  }

  @Test
  void tlsOptionsRefuseTwoTrustSources() {
    assertThatThrownBy(
            () ->
                new TlsOptions(
                    java.util.Optional.of("pem"),
                    java.util.Optional.of(java.nio.file.Path.of("/ca.pem")),
                    java.util.Optional.empty(),
                    false))
        .hasMessageContaining("either as PEM text or as a file");
    assertThat(TlsOptions.trustPem("-----BEGIN CERTIFICATE-----x").toString())
        .isEqualTo("TlsOptions[pem]")
        .doesNotContain("BEGIN");
  }
}
