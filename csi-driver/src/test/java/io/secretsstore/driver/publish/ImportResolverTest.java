package io.secretsstore.driver.publish;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.client.NamespacedKubernetesClient;
import io.grpc.Status;
import io.secretsstore.model.crd.SecretFile;
import io.secretsstore.model.crd.SecretSource;
import io.secretsstore.model.crd.SecretsStoreImport;
import io.secretsstore.model.crd.SecretsStoreImportSpec;
import io.secretsstore.testkit.KubernetesApiMock;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Import lookup against the fabric8 mock API server (CRUD mode). */
class ImportResolverTest {

  static KubernetesApiMock api;
  static NamespacedKubernetesClient client;

  @BeforeAll
  static void start() {
    api = new KubernetesApiMock();
    client = api.client();
    SecretsStoreImportSpec spec = new SecretsStoreImportSpec();
    spec.setRole("app");
    spec.setAuthPath("kubernetes-prod");
    spec.setSkipTLSVerify(false);
    SecretFile password = new SecretFile("password", new SecretSource("secret/data/db", "pw"));
    password.setDecodeBase64(true);
    spec.setFiles(List.of(password));
    SecretsStoreImport ssi = new SecretsStoreImport();
    ssi.setMetadata(new ObjectMetaBuilder().withName("db").withNamespace("team-a").build());
    ssi.setSpec(spec);
    client.resource(ssi).create();
  }

  @AfterAll
  static void stop() {
    client.close();
    api.close();
  }

  @Test
  void anImportBecomesProviderParameters() throws Exception {
    ProviderMount mount =
        new ImportResolver(client).resolve("team-a", Map.of("secretsStoreImport", "db"));
    assertThat(mount.provider()).isEqualTo("vault");
    assertThat(mount.importName()).isEqualTo("db");
    assertThat(mount.parameters())
        .containsEntry("role", "app")
        .containsEntry("authPath", "kubernetes-prod")
        .containsEntry("skipTLSVerify", "false")
        .containsEntry(
            "files",
            "[{\"name\":\"password\",\"decodeBase64\":true,"
                + "\"source\":{\"path\":\"secret/data/db\",\"key\":\"pw\"}}]");
  }

  @Test
  void theVolumesOfOneRotationCycleShareOneReadOfAnImport() throws Exception {
    ImportResolver resolver = new ImportResolver(client);
    String path = "/apis/deckhouse.io/v1alpha1/namespaces/team-a/secretsstoreimports/db";
    int before = api.requestCount("GET", path);

    RotationCycle cycle = RotationCycle.start();
    for (int i = 0; i < 50; i++) {
      cycle.importOf(resolver, "team-a", Map.of("secretsStoreImport", "db"));
    }
    assertThat(api.requestCount("GET", path) - before).isEqualTo(1);
    // A missing import fails every volume of the cycle with one read.
    for (int i = 0; i < 3; i++) {
      PublishException missing =
          catchThrowableOfType(
              PublishException.class,
              () -> cycle.importOf(resolver, "team-a", Map.of("secretsStoreImport", "gone")));
      assertThat(missing.errorType()).isEqualTo("import_not_found");
    }
    assertThat(api.requestCount("GET", path.replace("/db", "/gone"))).isEqualTo(1);

    RotationCycle next = RotationCycle.start();
    assertThat(next.id()).isNotEqualTo(cycle.id());
    next.importOf(resolver, "team-a", Map.of("secretsStoreImport", "db"));
    assertThat(api.requestCount("GET", path) - before).isEqualTo(2);

    // Publishes always read afresh.
    resolver.resolve("team-a", Map.of("secretsStoreImport", "db"));
    assertThat(api.requestCount("GET", path) - before).isEqualTo(3);
  }

  @Test
  void namesThatCouldReachAnotherNamespaceOrAreAmbiguousAreRefused() {
    ImportResolver resolver = new ImportResolver(client);
    for (String name : List.of("team-b/db", "../db", "DB", "db/", "")) {
      PublishException refused =
          catchThrowableOfType(
              PublishException.class,
              () -> resolver.resolve("team-a", Map.of("secretsStoreImport", name)));
      assertThat(refused.status()).as(name).isEqualTo(Status.Code.INVALID_ARGUMENT);
    }
    PublishException both =
        catchThrowableOfType(
            PublishException.class,
            () ->
                resolver.resolve(
                    "team-a", Map.of("secretsStoreImport", "db", "secretProviderClass", "db")));
    assertThat(both.getMessage()).contains("names both");
  }

  @Test
  void theImportMustExistInThePodsNamespace() {
    PublishException missing =
        catchThrowableOfType(
            PublishException.class,
            () -> new ImportResolver(client).resolve("team-b", Map.of("secretsStoreImport", "db")));
    assertThat(missing.status()).isEqualTo(Status.Code.NOT_FOUND);
    assertThat(missing.errorType()).isEqualTo("import_not_found");
    assertThat(missing.getMessage())
        .isEqualTo("SecretsStoreImport 'db' not found in namespace 'team-b'");
  }
}
