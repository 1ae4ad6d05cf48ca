package io.secretsstore.webhook.admission;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.cloud.tools.jib.api.Containerizer;
import com.google.cloud.tools.jib.api.Jib;
import com.google.cloud.tools.jib.api.RegistryImage;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.secretsstore.testkit.KubernetesApiMock;
import io.secretsstore.testkit.TestCertificateAuthority;
import io.secretsstore.webhook.registry.RegistryTestSupport;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Base64;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * Admission latency over HTTPS against baselines measured in the same run: a pod the webhook leaves
 * alone (TLS + JSON floor), a pod mutated without a registry lookup, one whose image entrypoint is
 * cached, and one that needs a fresh lookup in a real registry every time ({@code latest}). Prints
 * numbers and ratios; asserts only that admissions worked. Run with {@code ./dev.sh bench webhook}.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class AdmissionBenchmark {

  static final int WARMUP = 50;
  static final int MEASURED = 300;
  static TestCertificateAuthority ca = new TestCertificateAuthority("bench-ca");
  static KubernetesApiMock kubernetes = new KubernetesApiMock();
  static RegistryTestSupport registry;
  static Path tls;

  @LocalServerPort int port;

  @DynamicPropertySource
  static void properties(DynamicPropertyRegistry properties) throws Exception {
    registry = RegistryTestSupport.start(ca);
    tls = Files.createTempDirectory("bench-tls");
    var served = ca.issueLoopbackServer();
    Files.writeString(tls.resolve("tls.crt"), served.certificatePem());
    Files.writeString(tls.resolve("tls.key"), served.privateKeyPem());
    System.setProperty("kubernetes.master", kubernetes.url());
    System.setProperty("kubernetes.auth.tryKubeConfig", "false");
    System.setProperty("kubernetes.auth.tryServiceAccount", "false");
    String dockerConfig =
        "{\"auths\":{\""
            + registry.host()
            + "\":{\"username\":\""
            + registry.user()
            + "\",\"password\":\""
            + registry.password()
            + "\"}}}";
    kubernetes
        .client()
        .secrets()
        .inNamespace("team-w")
        .resource(
            new SecretBuilder()
                .withNewMetadata()
                .withName("creds")
                .endMetadata()
                .withType("kubernetes.io/dockerconfigjson")
                .addToData(
                    ".dockerconfigjson",
                    Base64.getEncoder()
                        .encodeToString(dockerConfig.getBytes(StandardCharsets.UTF_8)))
                .build())
        .create();
    for (String tag : new String[] {"1.0", "latest"}) {
      Jib.fromScratch()
          .setEntrypoint("/app/server")
          .containerize(
              Containerizer.to(
                  RegistryImage.named(registry.host() + "/team/app:" + tag)
                      .addCredential(registry.user(), registry.password())));
    }
    properties.add(
        "spring.ssl.bundle.pem.webhook.keystore.certificate",
        () -> tls.resolve("tls.crt").toString());
    properties.add(
        "spring.ssl.bundle.pem.webhook.keystore.private-key",
        () -> tls.resolve("tls.key").toString());
    properties.add("management.server.port", () -> "0");
    properties.add(
        "secrets-store.webhook.connection.url", () -> "https://stronghold.internal:8200");
    // The registry runs on loopback: an internal address the webhook looks up only when listed.
    properties.add("secrets-store.webhook.registry.allowed-registries", () -> registry.host());
    // The pull secret lives in team-w: the webhook reads Secrets only where the module allows.
    properties.add("secrets-store.webhook.secret-namespaces", () -> "team-w");
    properties.add("logging.level.io.secretsstore", () -> "WARN");
  }

  @AfterAll
  static void stop() throws Exception {
    registry.close();
    kubernetes.close();
  }

  static String pod(String annotations, String containerExtra) {
    return AdmissionIT.review(
        """
        {"apiVersion":"v1","kind":"Pod","metadata":{"generateName":"app-","namespace":"team-w",
          "annotations":{%s}},
         "spec":{"imagePullSecrets":[{"name":"creds"}],"containers":[{"name":"app",%s
           "env":[{"name":"DB_PASSWORD","value":"secrets-store:secret/data/db#password"}]}]}}
        """
            .formatted(annotations, containerExtra),
        false);
  }

  double[] run(HttpClient client, String body, String expect, int warmup, int measured)
      throws Exception {
    double[] took = new double[measured];
    for (int i = 0; i < warmup + measured; i++) {
      long started = System.nanoTime();
      HttpResponse<String> response =
          client.send(
              HttpRequest.newBuilder(URI.create("https://localhost:" + port + "/mutate-pods"))
                  .header("Content-Type", "application/json")
                  .POST(HttpRequest.BodyPublishers.ofString(body))
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      double millis = (System.nanoTime() - started) / 1e6;
      assertThat(response.statusCode()).isEqualTo(200);
      assertThat(response.body()).contains(expect);
      if (i >= warmup) {
        took[i - warmup] = millis;
      }
    }
    Arrays.sort(took);
    return took;
  }

  static double p(double[] sorted, int percentile) {
    return sorted[
        Math.min(sorted.length - 1, (int) Math.ceil(percentile / 100.0 * sorted.length) - 1)];
  }

  @Test
  void admissionLatencyWithAndWithoutRegistryLookups() throws Exception {
    SSLContext trust = RegistryTestSupport.trusting(ca);
    HttpClient client = HttpClient.newBuilder().sslContext(trust).build();
    String role = "\"secrets-store.deckhouse.io/role\":\"myapp\"";
    double[] floor =
        run(
            client,
            pod("\"other\":\"x\"", "\"image\":\"app:1\","),
            "\"allowed\":true",
            WARMUP,
            MEASURED);
    double[] withCommand =
        run(
            client,
            pod(role, "\"image\":\"app:1\",\"command\":[\"/app/server\"],"),
            "JSONPatch",
            WARMUP,
            MEASURED);
    double[] cached =
        run(
            client,
            pod(role, "\"image\":\"" + registry.host() + "/team/app:1.0\","),
            "JSONPatch",
            WARMUP,
            MEASURED);
    double[] uncached =
        run(
            client,
            pod(role, "\"image\":\"" + registry.host() + "/team/app:latest\","),
            "JSONPatch",
            10,
            100);
    System.out.printf(
        "%nWebhook admission benchmark (HTTPS, %d admissions each after warm-up)%n", MEASURED);
    print("pod left alone (floor)", floor, floor);
    print("mutated, command in the pod", withCommand, floor);
    print("mutated, entrypoint cached", cached, floor);
    print("mutated, registry lookup (latest, 100x)", uncached, floor);
    System.out.println();
  }

  static void print(String what, double[] sorted, double[] floor) {
    System.out.printf(
        "  %-40s p50 %6.2f ms  p99 %6.2f ms  (p50 %.2fx floor)%n",
        what, p(sorted, 50), p(sorted, 99), p(sorted, 50) / p(floor, 50));
  }
}
