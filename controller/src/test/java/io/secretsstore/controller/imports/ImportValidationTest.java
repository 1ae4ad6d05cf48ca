package io.secretsstore.controller.imports;

import static io.secretsstore.controller.Imports.file;
import static org.assertj.core.api.Assertions.assertThat;

import io.secretsstore.controller.Imports;
import io.secretsstore.model.crd.SecretsStoreImport;
import io.secretsstore.model.crd.SecretsStoreImportSpec;
import io.secretsstore.testkit.TestCertificateAuthority;
import java.util.List;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

class ImportValidationTest {

  @Test
  void aTypicalImportIsValid() throws Exception {
    SecretsStoreImport ssi = Imports.csi("team-a", "db", file("user", "secret/data/db", "user"));
    ssi.getSpec().setAddress("https://stronghold.example.com:8200");
    ssi.getSpec().setCaCert(new TestCertificateAuthority("test-ca").certificatePem());
    assertThat(ImportValidation.problems(ssi.getSpec())).isEmpty();
  }

  @Test
  void everyProblemIsNamedWithTheFieldAndTheFix() {
    assertProblem(spec -> spec.setRole(" "), "spec.role is required");
    assertProblem(spec -> spec.setFiles(List.of()), "spec.files lists no files");
    assertProblem(
        spec -> spec.getFiles().add(file("user", "secret/data/other", "x")),
        "spec.files[1] repeats the file name 'user'; names must be unique");
    assertProblem(
        spec -> spec.getFiles().add(file("..", "secret/data/db", "x")),
        "spec.files[1] name '..' is not a plain file name");
    assertProblem(
        spec -> spec.getFiles().add(file("a/b", "secret/data/db", "x")),
        "name 'a/b' is not a plain file name");
    assertProblem(
        spec -> spec.getFiles().add(file("token", "auth/token/lookup-self", "id")),
        "spec.files[1] ('token'): path 'auth/token/lookup-self' is under the store's auth/");
    assertProblem(
        spec -> spec.getFiles().add(file("t", "team-a/auth/token/lookup-self", "id")),
        "reaches the store's token backend (auth/token)");
    assertProblem(
        spec -> spec.getFiles().add(file("cfg", "sys/config/cors", "x")),
        "path 'sys/config/cors' is under the store's sys/");
    assertProblem(
        spec -> spec.getFiles().add(file("nokey", "secret/data/db", "")),
        "spec.files[1] ('nokey') needs source.path and source.key");
    assertProblem(
        spec -> spec.setAddress("stronghold.example.com"),
        "spec.address 'stronghold.example.com' is not an http(s) URL");
    assertProblem(
        spec -> spec.setAddress("ftp://store"), "spec.address 'ftp://store' is not an http(s) URL");
    assertProblem(
        spec ->
            spec.setCaCert(
                "-----BEGIN CERTIFICATE-----\nnot base64 at all\n-----END CERTIFICATE-----\n"),
        "spec.caCert is not a PEM X.509 certificate");
  }

  /** The one common-model rule: the volume's own entries start with '..'; '/' never passes. */
  @Test
  void namesStartingWithTwoDotsOrContainingASlashAreRefused() {
    for (String name : new String[] {"..x", "..data", "a/../b"}) {
      SecretsStoreImport ssi = Imports.csi("team-a", "db", file("user", "secret/data/db", "user"));
      ssi.getSpec().getFiles().add(file(name, "secret/data/db", "x"));
      assertThat(ImportValidation.problems(ssi.getSpec()))
          .as(name)
          .containsExactly(
              "spec.files[1] name '"
                  + name
                  + "' is not a plain file name: letters, digits, '-', '_' and '.', at most 255"
                  + " characters, no '/', not '.' or '..' and not starting with '..' (the volume"
                  + " keeps its own entries there)");
    }
    SecretsStoreImport hidden = Imports.csi("team-a", "db", file(".x", "secret/data/db", "user"));
    assertThat(ImportValidation.problems(hidden.getSpec())).isEmpty();
  }

  @Test
  void severalProblemsAreAllReported() {
    SecretsStoreImport ssi = Imports.csi("team-a", "db");
    ssi.getSpec().setRole(null);
    ssi.getSpec().setAddress("nope");
    assertThat(ImportValidation.problems(ssi.getSpec())).hasSize(3);
  }

  @Test
  void theSecretModeNeedsAServiceAccountAndValidNames() {
    SecretsStoreImport ssi =
        Imports.secret("team-a", "db", null, file("user", "secret/data/db", "user"));
    assertThat(ImportValidation.problems(ssi.getSpec()))
        .containsExactly(
            "type Secret needs spec.secret.serviceAccountName: the service account of this"
                + " namespace the controller logs in to the store as");
    ssi.getSpec().getSecret().setServiceAccountName("syncer");
    ssi.getSpec().getSecret().setName("Not_A_Name");
    ssi.getSpec().getSecret().setRefreshInterval("5s");
    assertThat(ImportValidation.problems(ssi.getSpec()))
        .containsExactly(
            "spec.secret.name 'Not_A_Name' is not a valid Secret name",
            "spec.secret.refreshInterval must be at least 10s");
    ssi.getSpec().getSecret().setName("db-credentials");
    ssi.getSpec().getSecret().setRefreshInterval("soon");
    assertThat(ImportValidation.problems(ssi.getSpec()))
        .containsExactly(
            "spec.secret.refreshInterval 'soon' is not a duration such as 2m or 1h30m");
  }

  /** The CRD's pattern (common-model Durations.PATTERN) admits plain seconds: so does the model. */
  @Test
  void refreshIntervalsInPlainSecondsAreTheCrdsGrammar() {
    SecretsStoreImport ssi =
        Imports.secret("team-a", "db", "syncer", file("user", "secret/data/db", "user"));
    for (String valid : new String[] {"120", "10", "1h30m", "1.5m", "90s"}) {
      ssi.getSpec().getSecret().setRefreshInterval(valid);
      assertThat(ImportValidation.problems(ssi.getSpec())).as(valid).isEmpty();
      assertThat(valid).matches(io.secretsstore.model.values.Durations.PATTERN);
    }
    ssi.getSpec().getSecret().setRefreshInterval("5");
    assertThat(ImportValidation.problems(ssi.getSpec()))
        .containsExactly("spec.secret.refreshInterval must be at least 10s");
    for (String invalid : new String[] {"2d", "2 m", "-1s", "1h-5m", ""}) {
      ssi.getSpec().getSecret().setRefreshInterval(invalid);
      assertThat(ImportValidation.problems(ssi.getSpec())).as(invalid).hasSize(1);
    }
  }

  @Test
  void theSecretModeWritesOnlyHarmlessTypesAndNoReservedKeys() {
    SecretsStoreImport ssi =
        Imports.secret("team-a", "db", "syncer", file("user", "secret/data/db", "user"));
    ssi.getSpec().getSecret().setType("kubernetes.io/service-account-token");
    ssi.getSpec()
        .getSecret()
        .setLabels(java.util.Map.of("app.kubernetes.io/managed-by", "me", "team", "a"));
    ssi.getSpec()
        .getSecret()
        .setAnnotations(
            java.util.Map.of(
                "kubernetes.io/service-account.name", "default",
                "secrets-store.deckhouse.io/import", "other",
                "note", "fine"));
    assertThat(ImportValidation.problems(ssi.getSpec()))
        .containsExactly(
            "spec.secret.type 'kubernetes.io/service-account-token' is not one the Secret mode"
                + " writes (Opaque, kubernetes.io/tls, kubernetes.io/basic-auth,"
                + " kubernetes.io/dockerconfigjson)",
            "spec.secret.labels may not set 'app.kubernetes.io/managed-by' (kubernetes.io/, k8s.io/"
                + " and secrets-store.deckhouse.io/ keys belong to Kubernetes and this module)",
            "spec.secret.annotations may not set 'kubernetes.io/service-account.name'"
                + " (kubernetes.io/, k8s.io/ and secrets-store.deckhouse.io/ keys belong to"
                + " Kubernetes and this module)",
            "spec.secret.annotations may not set 'secrets-store.deckhouse.io/import'"
                + " (kubernetes.io/, k8s.io/ and secrets-store.deckhouse.io/ keys belong to"
                + " Kubernetes and this module)");
    ssi.getSpec().getSecret().setType("kubernetes.io/tls");
    ssi.getSpec().getSecret().setLabels(java.util.Map.of("team", "a"));
    ssi.getSpec().getSecret().setAnnotations(java.util.Map.of("note", "fine"));
    assertThat(ImportValidation.problems(ssi.getSpec())).isEmpty();
  }

  @Test
  void aMissingSpecIsAProblemNotACrash() {
    assertThat(ImportValidation.problems(null)).containsExactly("the import has no spec");
    SecretsStoreImportSpec empty = new SecretsStoreImportSpec();
    empty.setFiles(null);
    assertThat(ImportValidation.problems(empty)).hasSize(2);
  }

  private static void assertProblem(Consumer<SecretsStoreImportSpec> breakIt, String expected) {
    SecretsStoreImport ssi = Imports.csi("team-a", "db", file("user", "secret/data/db", "user"));
    breakIt.accept(ssi.getSpec());
    assertThat(ImportValidation.problems(ssi.getSpec()))
        .singleElement()
        .satisfies(problem -> assertThat(problem).contains(expected));
  }
}
