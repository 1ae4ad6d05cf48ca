package io.secretsstore.model.connection;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** Where a tenant's token may go: addresses as tenants write them in annotations and imports. */
class StoreAddressPolicyTest {

  static final StoreAddress MODULE =
      StoreAddress.parse("https://stronghold.d8-stronghold.svc:8300");

  static StoreAddressPolicy policy(boolean allowHttp, String... allowed) {
    return new StoreAddressPolicy(
        MODULE, List.of(allowed).stream().map(StoreAddress::parse).toList(), allowHttp);
  }

  @ParameterizedTest
  @CsvSource({
    "https://Vault.Example.com:443, https://vault.example.com",
    "https://vault.example.com/, https://vault.example.com",
    "HTTPS://vault:8200, https://vault:8200",
    "http://10.0.0.1:80, http://10.0.0.1",
    "https://[::1]:8200, https://[::1]:8200"
  })
  void spellingsOfOneAddressAreOneAddress(String written, String canonical) {
    assertThat(StoreAddress.parse(written).toString()).isEqualTo(canonical);
    assertThat(StoreAddress.parse(written)).isEqualTo(StoreAddress.parse(canonical));
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "vault:8200",
        "ftp://vault",
        "https://",
        "https://user:pw@vault",
        "https://vault/v1",
        "https://vault?x=1",
        "https://vault#x",
        "https://va lt",
        ""
      })
  void whatIsNotAnAddressIsRefusedWithTheReason(String written) {
    assertThatThrownBy(() -> StoreAddress.parse(written))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContainingAll(written.isEmpty() ? "empty" : written);
    assertThat(policy(true).check(written)).isInstanceOf(StoreAddressPolicy.Decision.Refused.class);
  }

  @Test
  void anEmptyAllowlistAllowsAnyHttpsAddress() {
    assertThat(policy(false).check("https://attacker.example:8200"))
        .isEqualTo(
            new StoreAddressPolicy.Decision.Allowed(
                StoreAddress.parse("https://attacker.example:8200"), java.util.Optional.empty()));
  }

  @Test
  void theAllowlistRefusesOtherAddressesButNeverTheModulesOwn() {
    StoreAddressPolicy policy = policy(false, "https://vault.team-a.example");
    assertThat(policy.check("https://VAULT.team-a.example:443/"))
        .isInstanceOf(StoreAddressPolicy.Decision.Allowed.class);
    assertThat(policy.check("https://stronghold.d8-stronghold.svc:8300"))
        .isInstanceOf(StoreAddressPolicy.Decision.Allowed.class);
    var refused = policy.check("https://attacker.example:8200");
    assertThat(refused).isInstanceOf(StoreAddressPolicy.Decision.Refused.class);
    assertThat(((StoreAddressPolicy.Decision.Refused) refused).reason())
        .isEqualTo(
            "store address 'https://attacker.example:8200' is not one the cluster allows (module"
                + " setting connection.allowedAddresses): use the module's store, or ask the"
                + " cluster administrator to add it");
    // A different port is a different server.
    assertThat(policy.check("https://vault.team-a.example:8443"))
        .isInstanceOf(StoreAddressPolicy.Decision.Refused.class);
  }

  @Test
  void plainHttpIsRefusedUnlessTheModuleAllowsItAndThenWarns() {
    var refused = policy(false).check("http://vault.example:8200");
    assertThat(((StoreAddressPolicy.Decision.Refused) refused).reason())
        .contains("'http://vault.example:8200' uses plain http")
        .contains("connection.allowInsecureHttp");
    var allowed =
        (StoreAddressPolicy.Decision.Allowed) policy(true).check("http://vault.example:8200");
    assertThat(allowed.warning()).hasValueSatisfying(w -> assertThat(w).contains("unencrypted"));
    // Allowing http does not widen the allowlist.
    assertThat(policy(true, "https://vault.example:8200").check("http://vault.example:8200"))
        .isInstanceOf(StoreAddressPolicy.Decision.Refused.class);
  }
}
