package io.secretsstore.injector.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.secretsstore.injector.log.InjectorLog;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class InjectorConfigTest {

  @Test
  void defaultsForEverythingTheWebhookMayLeaveOut() throws Exception {
    InjectorConfig config =
        InjectorConfig.fromEnvironment(
            Map.of("VAULT_ADDR", "https://vault:8200", "VAULT_ROLE", "app"));
    assertThat(config.authPath()).isEqualTo("kubernetes");
    assertThat(config.clientTimeout()).isEqualTo(Duration.ofSeconds(10));
    assertThat(config.loginTimeout()).isEqualTo(Duration.ofMinutes(2));
    assertThat(config.pollInterval()).isEqualTo(Duration.ofSeconds(120));
    assertThat(config.restartMode()).isEqualTo(InjectorConfig.RestartMode.NONE);
    assertThat(config.logLevel()).isEqualTo(InjectorLog.Level.INFO);
    assertThat(config.ignoreMissingSecrets()).isFalse();
    assertThat(config.terminationLog()).isEqualTo(Path.of("/dev/termination-log"));
  }

  @Test
  void everyValueFormIsRead() throws Exception {
    InjectorConfig config =
        InjectorConfig.fromEnvironment(
            Map.of(
                "VAULT_ADDR", "http://vault:8200",
                "VAULT_ROLE", "app",
                "VAULT_PATH", "kubernetes_local",
                "VAULT_CLIENT_TIMEOUT", "1m30s",
                "VAULT_POLL_INTERVAL", "45",
                "VAULT_RESTART_MODE", "watch-for-data",
                "VAULT_LOG_LEVEL", "debug",
                "VAULT_JSON_LOG", "true",
                "VAULT_IGNORE_MISSING_SECRETS", "yes",
                "VAULT_TOKEN_PATH", "/tmp/token"));
    assertThat(config.authPath()).isEqualTo("kubernetes_local");
    assertThat(config.clientTimeout()).isEqualTo(Duration.ofSeconds(90));
    assertThat(config.pollInterval()).isEqualTo(Duration.ofSeconds(45));
    assertThat(config.restartMode()).isEqualTo(InjectorConfig.RestartMode.WATCH_FOR_DATA);
    assertThat(config.logLevel()).isEqualTo(InjectorLog.Level.DEBUG);
    assertThat(config.jsonLog()).isTrue();
    assertThat(config.ignoreMissingSecrets()).isTrue();
    assertThat(config.tokenPath()).isEqualTo(Path.of("/tmp/token"));
  }

  @Test
  void theLoginTimeoutIsItsOwnSettingNotTheRequestTimeout() throws Exception {
    InjectorConfig config =
        InjectorConfig.fromEnvironment(
            Map.of(
                "VAULT_ADDR", "https://vault:8200",
                "VAULT_ROLE", "app",
                "VAULT_CLIENT_TIMEOUT", "3s",
                "VAULT_LOGIN_TIMEOUT", "5m"));
    assertThat(config.clientTimeout()).isEqualTo(Duration.ofSeconds(3));
    assertThat(config.loginTimeout()).isEqualTo(Duration.ofMinutes(5));
  }

  @Test
  void allProblemsAreReportedTogetherNamingTheVariable() {
    assertThatThrownBy(
            () ->
                InjectorConfig.fromEnvironment(
                    Map.of(
                        "VAULT_ADDR", "vault:8200",
                        "VAULT_CLIENT_TIMEOUT", "soon",
                        "VAULT_POLL_INTERVAL", "0s",
                        "VAULT_CACERT", "/no/such/ca.pem")))
        .hasMessageContaining("VAULT_ADDR='vault:8200' is not an http(s) URL")
        .hasMessageContaining("VAULT_ROLE is not set")
        .hasMessageContaining("VAULT_CLIENT_TIMEOUT='soon' is not a duration between 1ms and 24h")
        .hasMessageContaining("VAULT_POLL_INTERVAL='0s' is not a duration between 1ms and 24h")
        .hasMessageContaining("VAULT_CACERT='/no/such/ca.pem' is not a readable file");
  }

  /** Item 5 of issue 16: these ended in a stack trace at 44546ff; now one line each. */
  @Test
  void aDamagedCaOrAZeroTimeoutIsOneClearLineWithoutClassNames(@TempDir Path dir) throws Exception {
    Path garbage = Files.writeString(dir.resolve("ca.pem"), "-----BEGIN CERTIFICATE-----\nnope\n");
    Path notPem = Files.writeString(dir.resolve("other.pem"), "hello");
    for (Map<String, String> env :
        List.of(
            Map.of("VAULT_CACERT_BYTES", "not a certificate"),
            Map.of(
                "VAULT_CACERT_BYTES",
                "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"),
            Map.of("VAULT_CACERT", garbage.toString()),
            Map.of("VAULT_CACERT", notPem.toString()),
            Map.of("VAULT_CLIENT_TIMEOUT", "0"),
            Map.of("VAULT_CLIENT_TIMEOUT", "99999999999h"),
            Map.of("VAULT_POLL_INTERVAL", "999999999999999999999"))) {
      Map<String, String> all = new java.util.HashMap<>(env);
      all.put("VAULT_ADDR", "https://vault:8200");
      all.put("VAULT_ROLE", "app");
      assertThatThrownBy(() -> InjectorConfig.fromEnvironment(all))
          .as(env.toString())
          .isInstanceOf(InjectorConfig.InvalidConfigException.class)
          .satisfies(
              e -> {
                assertThat(e.getMessage()).doesNotContain("\n").doesNotContain("Exception");
                assertThat(e.getMessage()).startsWith(env.keySet().iterator().next());
              });
    }
  }

  @Test
  void aPlainHttpStoreNeedsNoTlsAndAnHttpsStoreGetsTheSystemCas() throws Exception {
    assertThat(
            InjectorConfig.fromEnvironment(Map.of("VAULT_ADDR", "http://vault", "VAULT_ROLE", "a"))
                .tls())
        .isEmpty();
    assertThat(
            InjectorConfig.fromEnvironment(Map.of("VAULT_ADDR", "https://vault", "VAULT_ROLE", "a"))
                .tls())
        .isPresent();
  }

  @Test
  void addressesWithPathsQueriesOrUserInfoAreRefused() {
    for (String address :
        List.of("https://vault:8200/v1", "https://u:p@vault", "https://vault?x=1", "https://")) {
      assertThatThrownBy(
              () ->
                  InjectorConfig.fromEnvironment(Map.of("VAULT_ADDR", address, "VAULT_ROLE", "a")))
          .as(address)
          .hasMessageStartingWith("VAULT_ADDR='" + address + "'");
    }
  }
}
