package io.secretsstore.injector.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.secretsstore.injector.log.InjectorLog;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

class InjectorConfigTest {

  @Test
  void defaultsForEverythingTheWebhookMayLeaveOut() throws Exception {
    InjectorConfig config =
        InjectorConfig.fromEnvironment(
            Map.of("VAULT_ADDR", "https://vault:8200", "VAULT_ROLE", "app"));
    assertThat(config.authPath()).isEqualTo("kubernetes");
    assertThat(config.clientTimeout()).isEqualTo(Duration.ofSeconds(10));
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
        .hasMessageContaining("VAULT_CLIENT_TIMEOUT='soon' is not a positive duration")
        .hasMessageContaining("VAULT_POLL_INTERVAL='0s' is not a positive duration")
        .hasMessageContaining("VAULT_CACERT='/no/such/ca.pem' is not a readable file");
  }
}
