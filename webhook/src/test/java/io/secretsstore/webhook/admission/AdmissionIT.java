package io.secretsstore.webhook.admission;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.fabric8.zjsonpatch.JsonPatch;
import io.secretsstore.testkit.KubernetesApiMock;
import io.secretsstore.testkit.TestCertificateAuthority;
import java.math.BigInteger;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.Base64;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalManagementPort;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * The webhook as the API server sees it: AdmissionReviews over HTTPS (certificate from files, as
 * the controller writes them, reloaded without a restart), metrics on the plain management port.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
@org.junit.jupiter.api.extension.ExtendWith(
    org.springframework.boot.test.system.OutputCaptureExtension.class)
class AdmissionIT {

  static final ObjectMapper JSON = Serialization.jsonMapper();
  static TestCertificateAuthority ca = new TestCertificateAuthority("webhook-test-ca");
  static Path tls;
  static KubernetesApiMock kubernetes = new KubernetesApiMock();

  @LocalServerPort int port;
  @LocalManagementPort int managementPort;

  @DynamicPropertySource
  static void properties(DynamicPropertyRegistry registry) throws Exception {
    tls = Files.createTempDirectory("webhook-tls");
    writeCertificate(ca.issueLoopbackServer());
    System.setProperty("kubernetes.master", kubernetes.url());
    System.setProperty("kubernetes.auth.tryKubeConfig", "false");
    System.setProperty("kubernetes.auth.tryServiceAccount", "false");
    registry.add(
        "spring.ssl.bundle.pem.webhook.keystore.certificate",
        () -> tls.resolve("tls.crt").toString());
    registry.add(
        "spring.ssl.bundle.pem.webhook.keystore.private-key",
        () -> tls.resolve("tls.key").toString());
    registry.add("spring.ssl.bundle.watch.file.quiet-period", () -> "200ms");
    registry.add("management.server.port", () -> "0");
    registry.add("secrets-store.webhook.connection.url", () -> "https://stronghold.internal:8200");
  }

  @AfterAll
  static void stop() {
    kubernetes.close();
  }

  static void writeCertificate(TestCertificateAuthority.IssuedCertificate issued) throws Exception {
    // Like kubelet's atomic Secret volume update: new files, then a rename.
    Files.writeString(tls.resolve("tls.key.tmp"), issued.privateKeyPem());
    Files.writeString(tls.resolve("tls.crt.tmp"), issued.certificatePem());
    Files.move(
        tls.resolve("tls.key.tmp"),
        tls.resolve("tls.key"),
        java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    Files.move(
        tls.resolve("tls.crt.tmp"),
        tls.resolve("tls.crt"),
        java.nio.file.StandardCopyOption.REPLACE_EXISTING);
  }

  public static String review(String object, boolean dryRun) {
    return """
        {"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{
          "uid":"705ab4f5-6393-11e8-b7cc-42010a800002",
          "kind":{"group":"","version":"v1","kind":"Pod"},
          "resource":{"group":"","version":"v1","resource":"pods"},
          "namespace":"team-w","operation":"CREATE","dryRun":%s,
          "userInfo":{"username":"admin"},
          "object":%s}}
        """
        .formatted(dryRun, object);
  }

  static final String POD =
      """
      {"apiVersion":"v1","kind":"Pod","metadata":{"generateName":"app-","namespace":"team-w",
        "annotations":{"secrets-store.deckhouse.io/role":"myapp"}},
       "spec":{"containers":[{"name":"app","image":"app:1","command":["/app/server"],
         "env":[{"name":"DB_PASSWORD","value":"secrets-store:secret/data/db#password"}]}]}}
      """;

  HttpResponse<String> post(String body) throws Exception {
    return client()
        .send(
            HttpRequest.newBuilder(URI.create("https://localhost:" + port + "/mutate-pods"))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body))
                .build(),
            HttpResponse.BodyHandlers.ofString());
  }

  static HttpClient client() throws Exception {
    return HttpClient.newBuilder().sslContext(trustingTestCa()).build();
  }

  static SSLContext trustingTestCa() throws Exception {
    KeyStore trust = KeyStore.getInstance("PKCS12");
    trust.load(null, null);
    trust.setCertificateEntry("ca", ca.certificate());
    TrustManagerFactory factory = TrustManagerFactory.getInstance("PKIX");
    factory.init(trust);
    SSLContext context = SSLContext.getInstance("TLS");
    context.init(null, factory.getTrustManagers(), null);
    return context;
  }

  @Test
  void aPodIsPatchedAndTheDryRunGetsTheSamePatch() throws Exception {
    HttpResponse<String> response = post(review(POD, false));
    assertThat(response.statusCode()).isEqualTo(200);
    JsonNode answer = JSON.readTree(response.body()).get("response");
    assertThat(answer.get("uid").asText()).isEqualTo("705ab4f5-6393-11e8-b7cc-42010a800002");
    assertThat(answer.get("allowed").asBoolean()).isTrue();
    assertThat(answer.get("patchType").asText()).isEqualTo("JSONPatch");
    JsonNode patch = JSON.readTree(Base64.getDecoder().decode(answer.get("patch").asText()));
    JsonNode patched = JsonPatch.apply(patch, JSON.readTree(POD));
    assertThat(patched.at("/spec/initContainers/0/name").asText())
        .isEqualTo("secrets-store-injector");
    assertThat(patched.at("/spec/containers/0/command/3").asText()).isEqualTo("/app/server");

    JsonNode dryRun = JSON.readTree(post(review(POD, true)).body()).get("response");
    assertThat(dryRun.get("patch").asText()).isEqualTo(answer.get("patch").asText());
  }

  /** Admission warnings (kubectl prints them) for what is allowed but unsafe. */
  @Test
  void tlsSkipVerifyIsAdmittedWithAWarning() throws Exception {
    String skipping =
        POD.replace(
            "\"secrets-store.deckhouse.io/role\":\"myapp\"",
            "\"secrets-store.deckhouse.io/role\":\"myapp\",\"secrets-store.deckhouse.io/tls-skip-verify\":\"true\"");
    JsonNode answer = JSON.readTree(post(review(skipping, false)).body()).get("response");
    assertThat(answer.get("allowed").asBoolean()).isTrue();
    assertThat(answer.get("warnings")).hasSize(1);
    assertThat(answer.get("warnings").get(0).asText())
        .startsWith("secrets-store webhook: secrets-store.deckhouse.io/tls-skip-verify is true");
    JsonNode plain = JSON.readTree(post(review(POD, false)).body()).get("response");
    assertThat(plain.has("warnings")).isFalse();
  }

  @Test
  void otherObjectsPodsWithoutTheAnnotationAndBadAnnotations() throws Exception {
    String deployment =
        review(
                "{\"apiVersion\":\"apps/v1\",\"kind\":\"Deployment\",\"metadata\":{\"name\":\"d\"}}",
                false)
            .replace("\"kind\":\"Pod\"}", "\"kind\":\"Deployment\",\"group\":\"apps\"}");
    JsonNode ignored = JSON.readTree(post(deployment).body()).get("response");
    assertThat(ignored.get("allowed").asBoolean()).isTrue();
    assertThat(ignored.has("patch")).isFalse();

    JsonNode plain =
        JSON.readTree(
                post(review(POD.replace("secrets-store.deckhouse.io/role", "other"), false)).body())
            .get("response");
    assertThat(plain.get("allowed").asBoolean()).isTrue();
    assertThat(plain.has("patch")).isFalse();

    String bad =
        POD.replace(
            "\"secrets-store.deckhouse.io/role\":\"myapp\"",
            "\"secrets-store.deckhouse.io/role\":\"myapp\",\"secrets-store.deckhouse.io/log-level\":\"loud\"");
    JsonNode denied = JSON.readTree(post(review(bad, false)).body()).get("response");
    assertThat(denied.get("allowed").asBoolean()).isFalse();
    assertThat(denied.at("/status/code").asInt()).isEqualTo(403);
    assertThat(denied.at("/status/message").asText())
        .contains("secrets-store.deckhouse.io/log-level must be one of error, warn, info, debug");
  }

  @Test
  void malformedAndOversizedRequestsGetA4xxWithoutAStackTrace() throws Exception {
    for (String body : new String[] {"", "{not json", "{\"kind\":\"AdmissionReview\"}", "[]"}) {
      HttpResponse<String> response = post(body);
      assertThat(response.statusCode()).as(body).isEqualTo(400);
      assertThat(response.body())
          .contains("\"message\"")
          .doesNotContain("Exception")
          .doesNotContain("\tat ");
    }
    HttpResponse<String> huge = post(review(POD, false) + " ".repeat(4 * 1024 * 1024));
    assertThat(huge.statusCode()).isEqualTo(413);
  }

  @Test
  void aNullBodyAndForeignReviewVersionsGetAClear400() throws Exception {
    HttpResponse<String> nothing = post("null");
    assertThat(nothing.statusCode()).isEqualTo(400);
    assertThat(nothing.body()).contains("the body is JSON null, not an object");

    HttpResponse<String> future =
        post(review(POD, false).replace("admission.k8s.io/v1\"", "admission.k8s.io/v2\""));
    assertThat(future.statusCode()).isEqualTo(400);
    assertThat(future.body())
        .contains("expected kind AdmissionReview of apiVersion admission.k8s.io/v1 or")
        .contains("got kind 'AdmissionReview' of apiVersion 'admission.k8s.io/v2'");
  }

  @Test
  void aV1beta1ReviewIsAnsweredAsV1beta1() throws Exception {
    String v1beta1 =
        review(POD, false).replace("admission.k8s.io/v1\"", "admission.k8s.io/v1beta1\"");
    JsonNode answer = JSON.readTree(post(v1beta1).body());
    assertThat(answer.get("apiVersion").asText()).isEqualTo("admission.k8s.io/v1beta1");
    assertThat(answer.get("kind").asText()).isEqualTo("AdmissionReview");
    assertThat(answer.at("/response/uid").asText())
        .isEqualTo("705ab4f5-6393-11e8-b7cc-42010a800002");
    assertThat(answer.at("/response/allowed").asBoolean()).isTrue();
    assertThat(answer.at("/response/patchType").asText()).isEqualTo("JSONPatch");
  }

  /**
   * Many AdmissionReviews of odd shapes, in both versions: every one gets a well-formed answer of
   * its own version (or a one-line 4xx), never a 500, and nothing is logged with a stack trace.
   */
  @Test
  void aCorpusOfOddReviewsNeverGetsA500(org.springframework.boot.test.system.CapturedOutput output)
      throws Exception {
    java.util.List<String> bodies = AdmissionCorpus.reviews();
    assertThat(bodies).hasSizeGreaterThan(90);
    java.util.Map<Integer, Integer> byStatus = new java.util.TreeMap<>();
    for (String body : bodies) {
      HttpResponse<String> response = post(body);
      byStatus.merge(response.statusCode(), 1, Integer::sum);
      assertThat(response.statusCode()).as(body).isIn(200, 400);
      assertThat(response.body()).as(body).doesNotContain("Exception").doesNotContain("\tat ");
      if (response.statusCode() == 200) {
        JsonNode sent = JSON.readTree(body);
        JsonNode answer = JSON.readTree(response.body());
        assertThat(answer.get("apiVersion").asText())
            .as(body)
            .isEqualTo(sent.get("apiVersion").asText());
        assertThat(answer.at("/response/uid").asText())
            .as(body)
            .isEqualTo(sent.at("/request/uid").asText());
        if (!answer.at("/response/allowed").asBoolean()) {
          assertThat(answer.at("/response/status/message").asText())
              .as(body)
              .isNotBlank()
              .doesNotContain("\n");
        }
      } else {
        assertThat(JSON.readTree(response.body()).get("message").asText()).as(body).isNotBlank();
      }
    }
    assertThat(byStatus).containsKeys(200, 400);
    assertThat(output.getAll()).doesNotContain("admission failed").doesNotContain("\tat ");
  }

  @Test
  void aNewCertificateIsServedWithoutARestartAndMetricsAreOnThePlainPort() throws Exception {
    BigInteger before = servedSerial();
    TestCertificateAuthority.IssuedCertificate renewed = ca.issueLoopbackServer();
    writeCertificate(renewed);
    await()
        .atMost(Duration.ofSeconds(20))
        .until(() -> servedSerial().equals(renewed.certificate().getSerialNumber()));
    assertThat(servedSerial()).isNotEqualTo(before);

    post(review(POD, false));
    String metrics =
        HttpClient.newHttpClient()
            .send(
                HttpRequest.newBuilder(
                        URI.create("http://localhost:" + managementPort + "/actuator/prometheus"))
                    .build(),
                HttpResponse.BodyHandlers.ofString())
            .body();
    assertThat(metrics)
        .contains("secrets_store_webhook_admission_seconds_count{result=\"mutated\"");
    assertThat(metrics).contains("secrets_store_webhook_containers_mutated_total");
  }

  BigInteger servedSerial() throws Exception {
    try (SSLSocket socket =
        (SSLSocket) trustingTestCa().getSocketFactory().createSocket("localhost", port)) {
      socket.startHandshake();
      return ((X509Certificate) socket.getSession().getPeerCertificates()[0]).getSerialNumber();
    }
  }
}
