package io.secretsstore.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.security.KeyStore;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The testkit's parts work together: a real OpenBao validates minted tokens via the mock. */
class TestkitIT {

  static OpenBaoServer store;
  static KubernetesApiMock kubernetes;
  static StoreAdmin admin;
  static String authMount;
  static final String AUDIENCE = "vault";

  @BeforeAll
  static void setUp() {
    store = SharedStore.store();
    kubernetes = SharedStore.kubernetes();
    admin = store.admin();
    authMount = SharedStore.unique("k8s");
    admin.enableKubernetesAuth(authMount, kubernetes.url());
    admin.writePolicy("testkit-read", List.of("secret/data/testkit/*"), "read");
    admin.createKubernetesRole(
        authMount,
        "app",
        List.of("app-sa"),
        List.of("team-a"),
        List.of("testkit-read"),
        Duration.ofMinutes(10),
        AUDIENCE);
  }

  private JsonNode login(String role, String jwt) {
    return admin.request("POST", "auth/" + authMount + "/login", Map.of("role", role, "jwt", jwt));
  }

  @Test
  void mintedTokenLogsInAndReadsThroughThePolicy() {
    admin.putKv2("secret", "testkit/db", Map.of("password", "s3cret"));
    String jwt =
        kubernetes.tokens().mint("team-a", "app-sa", List.of(AUDIENCE), Duration.ofMinutes(10));

    JsonNode auth = login("app", jwt).path("auth");
    assertThat(auth.path("client_token").asText()).isNotBlank();
    assertThat(auth.path("policies").toString()).contains("testkit-read");
    assertThat(auth.path("metadata").path("service_account_namespace").asText())
        .isEqualTo("team-a");
    assertThat(kubernetes.tokenReviewCount()).isPositive();
  }

  @Test
  void storeRejectsTokensKubernetesWouldReject() {
    var tokens = kubernetes.tokens();
    assertThatThrownBy(
            () ->
                login(
                    "app", ServiceAccountTokens.mintForeign("team-a", "app-sa", List.of(AUDIENCE))))
        .hasMessageContaining("HTTP 403");
    assertThatThrownBy(
            () -> login("app", tokens.mintExpired("team-a", "app-sa", List.of(AUDIENCE))))
        .hasMessageContaining("HTTP 403");
    assertThatThrownBy(
            () ->
                login(
                    "app",
                    tokens.mint("team-a", "app-sa", List.of("other"), Duration.ofMinutes(5))))
        .hasMessageContaining("HTTP 403");
    assertThatThrownBy(
            () ->
                login(
                    "app",
                    tokens.mint("team-b", "app-sa", List.of(AUDIENCE), Duration.ofMinutes(5))))
        .hasMessageContaining("HTTP 403");
    assertThatThrownBy(
            () ->
                login(
                    "nope",
                    tokens.mint("team-a", "app-sa", List.of(AUDIENCE), Duration.ofMinutes(5))))
        .hasMessageContaining("HTTP 400");
  }

  @Test
  void reviewFollowsKubeApiserverRules() {
    var tokens = kubernetes.tokens();
    String jwt =
        tokens.mint(
            "ns", "sa", List.of(ServiceAccountTokens.DEFAULT_AUDIENCE), Duration.ofMinutes(1));
    assertThat(tokens.review(jwt, List.of()).authenticated()).isTrue();
    assertThat(tokens.review(jwt, List.of()).username()).isEqualTo("system:serviceaccount:ns:sa");
    assertThat(tokens.review(jwt, List.of("vault")).authenticated()).isFalse();
    assertThat(tokens.review("garbage", List.of()).error()).contains("not a JWT");
  }

  @Test
  void tlsListenerIsTrustedOnlyWithTheRightCa() throws Exception {
    TestCertificateAuthority ca = new TestCertificateAuthority("testkit-ca");
    var listener = ca.issueLoopbackServer().writeTo(Path.of("target", "tls"), "store");
    try (OpenBaoServer tlsStore = OpenBaoServer.startLocal(listener)) {
      String health = tlsStore.tlsAddress().orElseThrow() + "/v1/sys/health";
      HttpResponse<String> response =
          client(ca)
              .send(
                  HttpRequest.newBuilder(URI.create(health)).build(),
                  HttpResponse.BodyHandlers.ofString());
      assertThat(response.statusCode()).isEqualTo(200);

      TestCertificateAuthority other = new TestCertificateAuthority("other-ca");
      assertThatThrownBy(
              () ->
                  client(other)
                      .send(
                          HttpRequest.newBuilder(URI.create(health)).build(),
                          HttpResponse.BodyHandlers.ofString()))
          .isInstanceOf(SSLHandshakeException.class);
    }
  }

  @Test
  void stoppedServerLeavesNoProcessAndRefusesConnections() {
    OpenBaoServer local = OpenBaoServer.startLocal(null);
    assertThat(local.isRunning()).isTrue();
    local.stop();
    assertThat(local.isRunning()).isFalse();
    assertThatThrownBy(
            () ->
                HttpClient.newHttpClient()
                    .send(
                        HttpRequest.newBuilder(URI.create(local.address() + "/v1/sys/health"))
                            .build(),
                        HttpResponse.BodyHandlers.discarding()))
        .isInstanceOf(java.net.ConnectException.class);
  }

  @Test
  void countingProxyCountsAndInjectsFailures() throws Exception {
    try (RequestCountingProxy proxy = new RequestCountingProxy(store.address())) {
      HttpClient client = HttpClient.newHttpClient();
      HttpRequest health =
          HttpRequest.newBuilder(URI.create(proxy.address() + "/v1/sys/health")).build();
      assertThat(client.send(health, HttpResponse.BodyHandlers.discarding()).statusCode())
          .isEqualTo(200);
      proxy.failNext(1, 429);
      assertThat(client.send(health, HttpResponse.BodyHandlers.discarding()).statusCode())
          .isEqualTo(429);
      assertThat(client.send(health, HttpResponse.BodyHandlers.discarding()).statusCode())
          .isEqualTo(200);
      assertThat(proxy.count("GET", "/v1/sys/health")).isEqualTo(3);
    }
  }

  private static HttpClient client(TestCertificateAuthority ca) throws Exception {
    KeyStore trust = KeyStore.getInstance(KeyStore.getDefaultType());
    trust.load(null, null);
    trust.setCertificateEntry("ca", ca.certificate());
    TrustManagerFactory factory =
        TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    factory.init(trust);
    SSLContext context = SSLContext.getInstance("TLS");
    context.init(null, factory.getTrustManagers(), null);
    return HttpClient.newBuilder().sslContext(context).build();
  }
}
