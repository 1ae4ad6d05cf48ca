package io.secretsstore.controller;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.MutatingWebhookConfigurationBuilder;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.client.NamespacedKubernetesClient;
import io.secretsstore.testkit.KubernetesApiMock;
import io.secretsstore.testkit.ServiceProcess;
import java.io.ByteArrayInputStream;
import java.nio.file.Path;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The controller's jar started the way its README says: pod identity only from the environment
 * ({@code POD_NAME}, {@code POD_NAMESPACE} from the downward API), no configuration file. Before
 * the fix, Spring Boot bound the literal {@code ${POD_NAMESPACE:}} of a constructor default: the
 * Lease namespace, the Lease identity and the certificate's names carried the placeholder.
 */
class ControllerJarIT {

  static final Path JAR =
      Path.of(System.getProperty("controller.jar", "target/controller-0.1.0-SNAPSHOT.jar"));
  static final String NAMESPACE = "d8-secrets-store-integration";
  static final String POD = "secrets-store-controller-5c9d7-qx2lp";

  @Test
  void leaseAndWebhookCertificateUseThePodIdentityFromTheEnvironment() throws Exception {
    try (KubernetesApiMock kubernetes = new KubernetesApiMock();
        NamespacedKubernetesClient api = kubernetes.client()) {
      api.admissionRegistration()
          .v1()
          .mutatingWebhookConfigurations()
          .resource(
              new MutatingWebhookConfigurationBuilder()
                  .withNewMetadata()
                  .withName("secrets-store-webhook")
                  .endMetadata()
                  .addNewWebhook()
                  .withName("pods.secrets-store.deckhouse.io")
                  .withNewClientConfig()
                  .withNewService()
                  .withName("secrets-store-webhook")
                  .withNamespace(NAMESPACE)
                  .endService()
                  .endClientConfig()
                  .withAdmissionReviewVersions("v1")
                  .withSideEffects("None")
                  .endWebhook()
                  .build())
          .create();
      Map<String, String> environment = new HashMap<>();
      environment.put("POD_NAME", POD);
      environment.put("POD_NAMESPACE", NAMESPACE);
      environment.put("CONTROLLER_HTTP_PORT", "0");
      // Stands in for the in-cluster service account.
      environment.put("KUBERNETES_MASTER", kubernetes.url());
      environment.put("KUBERNETES_AUTH_TRYKUBECONFIG", "false");
      environment.put("KUBERNETES_AUTH_TRYSERVICEACCOUNT", "false");
      try (ServiceProcess controller =
          ServiceProcess.startJar(
              JAR,
              List.of("--secrets-store.connection.url=https://stronghold.example.com"),
              environment,
              () -> lease(api) != null,
              Duration.ofSeconds(240))) {
        Lease lease = lease(api);
        assertThat(lease.getMetadata().getNamespace()).isEqualTo(NAMESPACE);
        await()
            .atMost(Duration.ofSeconds(60))
            .until(() -> lease(api).getSpec().getHolderIdentity() != null);
        assertThat(lease(api).getSpec().getHolderIdentity()).isEqualTo(POD);

        Secret tls =
            await()
                .atMost(Duration.ofSeconds(60))
                .until(
                    () ->
                        api.secrets()
                            .inNamespace(NAMESPACE)
                            .withName("secrets-store-webhook-tls")
                            .get(),
                    secret -> secret != null);
        X509Certificate serving =
            (X509Certificate)
                CertificateFactory.getInstance("X.509")
                    .generateCertificate(
                        new ByteArrayInputStream(
                            Base64.getDecoder().decode(tls.getData().get("tls.crt"))));
        List<String> names =
            serving.getSubjectAlternativeNames().stream()
                .map(name -> (String) name.get(1))
                .toList();
        assertThat(names)
            .contains("secrets-store-webhook." + NAMESPACE + ".svc")
            .noneMatch(name -> name.contains("$"));
        assertThat(controller.output()).doesNotContain("${");
      }
    }
  }

  private static Lease lease(NamespacedKubernetesClient api) {
    return api.leases().inAnyNamespace().list().getItems().stream()
        .filter(lease -> lease.getMetadata().getName().equals("secrets-store-controller"))
        .findFirst()
        .orElse(null);
  }
}
