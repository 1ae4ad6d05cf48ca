package io.secretsstore.vault;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class StoreClientPathTest {

  @Test
  void stripsSurroundingSlashes() {
    assertThat(StoreClient.requirePath("/secret/data/myapp/", "secret path"))
        .isEqualTo("secret/data/myapp");
  }

  @ParameterizedTest
  @ValueSource(strings = {"secret/data/../sys", "./x", "a//b", "a b", "a?b", "a#b", "{x}", "a%2f"})
  void rejectsPathsThatWouldChangeTheRequest(String path) {
    assertThatThrownBy(() -> StoreClient.requirePath(path, "secret path"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("secret path");
  }

  @Test
  void rejectsEmptyPaths() {
    assertThatThrownBy(() -> StoreClient.requirePath(" / ", "auth path"))
        .hasMessage("the auth path is empty");
    assertThatThrownBy(() -> StoreClient.requirePath(null, "auth path"))
        .hasMessage("the auth path is empty");
  }

  @Test
  void recognisesTheKvV2AnswerShape() {
    Map<String, Object> v2 = new HashMap<>();
    v2.put("data", Map.of("password", "x"));
    v2.put("metadata", Map.of("version", 3, "created_time", "2026-01-01T00:00:00Z"));
    assertThat(KvResponses.kvV2Metadata(v2)).isPresent();

    // A KV v1 secret that happens to have "data" and "metadata" keys, without version info.
    Map<String, Object> v1 = Map.of("data", Map.of("a", "b"), "metadata", Map.of("owner", "me"));
    assertThat(KvResponses.kvV2Metadata(v1)).isEmpty();
    assertThat(KvResponses.kvV2Metadata(Map.of("password", "x"))).isEmpty();
  }

  @Test
  void wildcardCertificateNamesMatchOneLabel() {
    assertThat(StoreTls.hostMatches("vault.example.com", "vault.example.com")).isTrue();
    assertThat(StoreTls.hostMatches("*.example.com", "vault.example.com")).isTrue();
    assertThat(StoreTls.hostMatches("*.example.com", "a.vault.example.com")).isFalse();
    assertThat(StoreTls.hostMatches("*.example.com", "example.com")).isFalse();
  }

  @Test
  void invalidPemIsReportedClearly() {
    assertThatThrownBy(() -> StoreTls.parsePem("not a certificate", "the CA certificate"))
        .hasMessage("the CA certificate does not contain a PEM certificate");
    assertThatThrownBy(
            () ->
                StoreTls.parsePem(
                    "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n",
                    "the CA certificate"))
        .hasMessageStartingWith("the CA certificate is not a valid PEM X.509 certificate");
  }
}
