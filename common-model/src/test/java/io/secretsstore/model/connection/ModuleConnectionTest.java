package io.secretsstore.model.connection;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ModuleConnectionTest {

  static final String CA = pem();

  static String pem() {
    try (InputStream in = ModuleConnectionTest.class.getResourceAsStream("/test-ca.pem")) {
      return new String(in.readAllBytes(), StandardCharsets.US_ASCII);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  static ModuleConnectionSettings settings(
      String mode, String url, String caCert, String authPath, String namespace, String localCa) {
    return new ModuleConnectionSettings(
        mode, url, caCert, authPath, namespace, localCa, List.of(), false);
  }

  @Test
  void nothingConfiguredMeansTheClustersStronghold() {
    ModuleConnection connection =
        new ModuleConnectionSettings(null, null, null, null, null, CA, null, null).resolve();
    assertThat(connection.configuration())
        .isEqualTo(ConnectionConfiguration.DiscoverLocalStronghold);
    assertThat(connection.url().toString()).isEqualTo("https://stronghold.d8-stronghold.svc:8300");
    assertThat(connection.authPath()).isEqualTo("kubernetes_local");
    assertThat(connection.caCert()).contains(CA.strip());
    assertThat(connection.namespace()).isEmpty();
    assertThat(connection.warnings()).isEmpty();
  }

  @Test
  void theLocalStrongholdKeepsAnExplicitAuthPathCaAndNamespace() {
    ModuleConnection connection =
        settings("DiscoverLocalStronghold", "", CA, "kube/sub-path", "team-a/sub", "").resolve();
    assertThat(connection.authPath()).isEqualTo("kube/sub-path");
    assertThat(connection.namespace()).contains("team-a/sub");
    assertThat(connection.caCert()).contains(CA.strip());
  }

  @Test
  void theLocalStrongholdWithoutItsCaWarns() {
    ModuleConnection connection = settings("", "", "", "", "", "").resolve();
    assertThat(connection.caCert()).isEmpty();
    assertThat(connection.warnings()).singleElement().asString().contains("stronghold-tls");
  }

  @Test
  void aUrlWithTheDefaultModeIsRefusedAndSaysWhatToSet() {
    assertThatThrownBy(() -> settings("", "https://vault.example.com", "", "", "", "").resolve())
        .hasMessageContaining(
            "connection.url is set but connectionConfiguration is DiscoverLocalStronghold")
        .hasMessageContaining("set connectionConfiguration to Manual");
  }

  @Test
  void manualNeedsAUrlAndDefaultsToTheKubernetesMount() {
    assertThatThrownBy(() -> settings("Manual", "", "", "", "", "").resolve())
        .hasMessageContaining("connection.url is not set");
    ModuleConnection connection =
        ModuleConnectionSettings.manual("https://Vault.Example.com:443").resolve();
    assertThat(connection.url().toString()).isEqualTo("https://vault.example.com");
    assertThat(connection.authPath()).isEqualTo("kubernetes");
    assertThat(connection.caCert()).isEmpty();
    // The local Stronghold's CA never vouches for a Manual store.
    assertThat(settings("Manual", "https://vault", "", "", "", CA).resolve().caCert()).isEmpty();
  }

  @Test
  void unknownModeIsRefused() {
    assertThatThrownBy(() -> settings("discover", "", "", "", "", "").resolve())
        .hasMessage("connectionConfiguration 'discover' is not DiscoverLocalStronghold or Manual");
  }

  @Test
  void plainHttpNeedsTheModulesOptInAndWarns() {
    assertThatThrownBy(() -> ModuleConnectionSettings.manual("http://vault:8200").resolve())
        .hasMessageContaining("uses plain http")
        .hasMessageContaining("connection.allowInsecureHttp");
    ModuleConnection connection =
        new ModuleConnectionSettings("Manual", "http://vault:8200", "", "", "", "", List.of(), true)
            .resolve();
    assertThat(connection.warnings()).singleElement().asString().contains("unencrypted");
    assertThat(connection.addresses().allowsHttp()).isTrue();
  }

  @ParameterizedTest
  @ValueSource(
      strings = {"kubernetes", "main-kube", "kube/sub-path", "a.b_c-d", "kubernetes_local"})
  void authPathsOfV143AreAccepted(String path) {
    assertThat(settings("Manual", "https://v", "", path, path, "").resolve().authPath())
        .isEqualTo(path);
  }

  @ParameterizedTest
  @ValueSource(strings = {"../sys", "a//b", "/kube", "kube/", "a/./b", "kube path", "a:b"})
  void authPathsThatStepOutOrAreNotPathsAreRefused(String path) {
    assertThatThrownBy(() -> settings("Manual", "https://v", "", path, "", "").resolve())
        .hasMessageContaining("connection.authPath '" + path + "'");
    assertThatThrownBy(() -> settings("Manual", "https://v", "", "", path, "").resolve())
        .hasMessageContaining("connection.namespace '" + path + "'");
  }

  @Test
  void aCaThatIsNotPemIsRefused() {
    assertThatThrownBy(
            () -> settings("Manual", "https://v", "not a certificate", "", "", "").resolve())
        .hasMessageContaining("connection.caCert is not a PEM X.509 certificate");
  }

  @Test
  void allowlistEntriesAreAddresses() {
    assertThatThrownBy(
            () ->
                new ModuleConnectionSettings(
                        "Manual", "https://v", "", "", "", "", List.of("vault.example.com"), false)
                    .resolve())
        .hasMessageStartingWith(
            "connection.allowedAddresses: 'vault.example.com' is not an http(s) URL");
    ModuleConnection connection =
        new ModuleConnectionSettings(
                "Manual", "https://v", "", "", "", "", List.of(" https://a:8200 ", ""), false)
            .resolve();
    assertThat(connection.addresses().allowlist())
        .containsExactly(StoreAddress.parse("https://a:8200"));
  }

  @Test
  void theModulesAddressIsRecognisedHoweverItIsSpelled() {
    ModuleConnection connection = settings("", "", CA, "", "", "").resolve();
    assertThat(connection.isModuleAddress("https://Stronghold.d8-stronghold.svc:8300/")).isTrue();
    assertThat(connection.isModuleAddress("https://stronghold.d8-stronghold.svc")).isFalse();
    assertThat(connection.isModuleAddress("not a url")).isFalse();
  }
}
