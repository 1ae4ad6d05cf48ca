package io.secretsstore.model.connection;

import static org.assertj.core.api.Assertions.assertThat;

import io.secretsstore.model.connection.TlsTrust.Source;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** The one order of trust sources, case by case. */
class TlsTrustTest {

  static final String MODULE_URL = "https://vault.example.com:8200";
  static final String MODULE_CA = pem();
  static final TlsTrust.Module MODULE = TlsTrust.Module.of(MODULE_URL, MODULE_CA);
  static final TlsTrust.Module MODULE_WITHOUT_CA = TlsTrust.Module.of(MODULE_URL, "");

  static String pem() {
    try (InputStream in = TlsTrustTest.class.getResourceAsStream("/test-ca.pem")) {
      return new String(in.readAllBytes(), StandardCharsets.US_ASCII);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  static TlsTrust.Decision decide(String address, boolean skip, String pem, String file) {
    return TlsTrust.decide(new TlsTrust.Request(address, skip, pem, file), MODULE);
  }

  @Test
  void skipVerifyWinsOverEverythingAndWarns() {
    TlsTrust.Decision decision = decide(MODULE_URL, true, "PEM", "/ca.crt");
    assertThat(decision.source()).isEqualTo(Source.SKIP_VERIFY);
    assertThat(decision.pem()).isEmpty();
    assertThat(decision.file()).isEmpty();
    assertThat(decision.warning())
        .hasValueSatisfying(
            w ->
                assertThat(w)
                    .contains("TLS verification of the store " + MODULE_URL + " is turned off")
                    .contains("the CA certificate given is ignored"));
    assertThat(decide(MODULE_URL, true, null, null).warning().orElseThrow())
        .doesNotContain("ignored");
  }

  @Test
  void aPemOfTheRequestComesNextThenItsFile() {
    TlsTrust.Decision pem = decide("https://other:8200", false, "PEM", "/ca.crt");
    assertThat(pem.source()).isEqualTo(Source.REQUEST_PEM);
    assertThat(pem.pem()).contains("PEM");
    TlsTrust.Decision file = decide("https://other:8200", false, " ", "/ca.crt");
    assertThat(file.source()).isEqualTo(Source.REQUEST_FILE);
    assertThat(file.file()).contains("/ca.crt");
    assertThat(file.warning()).isEmpty();
  }

  @Test
  void theModuleCaOnlyForTheModulesOwnAddressHoweverSpelled() {
    TlsTrust.Decision own = decide("https://VAULT.example.com:8200/", false, null, null);
    assertThat(own.source()).isEqualTo(Source.MODULE_CA);
    assertThat(own.pem()).contains(MODULE_CA.strip());
    // A tenant's address never gets the module's CA: it would vouch for a server it does not know.
    assertThat(decide("https://attacker.example:8200", false, null, null).source())
        .isEqualTo(Source.SYSTEM_CAS);
    assertThat(decide("https://vault.example.com:8201", false, null, null).source())
        .isEqualTo(Source.SYSTEM_CAS);
  }

  @Test
  void systemCasWhenNothingElseApplies() {
    TlsTrust.Decision decision =
        TlsTrust.decide(new TlsTrust.Request(MODULE_URL, false, null, null), MODULE_WITHOUT_CA);
    assertThat(decision.source()).isEqualTo(Source.SYSTEM_CAS);
    assertThat(decision.pem()).isEmpty();
    assertThat(decision.file()).isEmpty();
    assertThat(decision.warning()).isEmpty();
    // Without a module store (nothing configured), a request's own address never matches.
    assertThat(
            TlsTrust.decide(
                    new TlsTrust.Request(MODULE_URL, false, null, null), TlsTrust.Module.NONE)
                .source())
        .isEqualTo(Source.SYSTEM_CAS);
  }
}
