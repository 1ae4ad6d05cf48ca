package io.secretsstore.model.crd;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.api.model.apiextensions.v1.JSONSchemaProps;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.io.IOException;
import java.nio.file.Files;
import java.util.List;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The checked-in CRD has exactly the schema of the Deckhouse module's {@code SecretsStoreImport}
 * (v1.4.3): every type, required list, pattern, enum and default below is copied from the module's
 * CRD, except the file-name pattern, which also refuses the names every mount refuses ({@code
 * ..}-prefixed).
 */
class SsiSchemaTest {

  static final KubernetesSerialization SERIALIZATION = new KubernetesSerialization();
  static CustomResourceDefinition crd;
  static JSONSchemaProps root;
  static JSONSchemaProps spec;

  @BeforeAll
  static void load() throws IOException {
    crd =
        SERIALIZATION.unmarshal(
            Files.readString(CrdYamlInSyncTest.CRDS.getFirst().checkedIn()),
            CustomResourceDefinition.class);
    root = crd.getSpec().getVersions().getFirst().getSchema().getOpenAPIV3Schema();
    spec = root.getProperties().get("spec");
  }

  @Test
  void namesAndScopeMatchTheModule() {
    assertThat(crd.getMetadata().getName()).isEqualTo("secretsstoreimports.deckhouse.io");
    assertThat(crd.getSpec().getGroup()).isEqualTo("deckhouse.io");
    var names = crd.getSpec().getNames();
    assertThat(names.getKind()).isEqualTo("SecretsStoreImport");
    assertThat(names.getListKind()).isEqualTo("SecretsStoreImportList");
    assertThat(names.getPlural()).isEqualTo("secretsstoreimports");
    assertThat(names.getSingular()).isEqualTo("secretsstoreimport");
    assertThat(names.getShortNames()).containsExactly("ssi");
    assertThat(crd.getSpec().getScope()).isEqualTo("Namespaced");
    var version = crd.getSpec().getVersions().getFirst();
    assertThat(crd.getSpec().getVersions()).hasSize(1);
    assertThat(version.getName()).isEqualTo("v1alpha1");
    assertThat(version.getServed()).isTrue();
    assertThat(version.getStorage()).isTrue();
    assertThat(version.getSubresources().getStatus()).isNotNull();
  }

  @Test
  void specSchemaMatchesTheModuleExactly() {
    assertThat(root.getType()).isEqualTo("object");
    assertThat(root.getRequired()).containsExactly("spec");
    assertThat(spec.getType()).isEqualTo("object");
    assertThat(spec.getRequired()).containsExactlyInAnyOrder("type", "role", "files");

    var p = spec.getProperties();
    assertThat(p.keySet())
        .containsExactlyInAnyOrder(
            "type",
            "role",
            "authPath",
            "namespace",
            "address",
            "caCert",
            "audience",
            "skipTLSVerify",
            "files",
            // Our one addition (optional): the target of the opt-in Secret mode.
            "secret");
    assertThat(p.get("type").getType()).isEqualTo("string");
    // The module's only value, plus our opt-in addition.
    assertThat(p.get("type").getEnum())
        .extracting(Object::toString)
        .containsExactly("\"CSI\"", "\"Secret\"");
    assertStringWithPattern(p.get("role"), "^[-_\\.a-zA-Z0-9]+$");
    // v1.4.3 loosened both to accept sub-paths such as kube/sub-path.
    assertStringWithPattern(p.get("authPath"), "^[-_./A-Za-z0-9]+$");
    assertStringWithPattern(p.get("namespace"), "^[-_./A-Za-z0-9]+$");
    assertStringWithPattern(p.get("address"), "^https?://[.:0-9a-zA-Z-]+$");
    assertStringWithPattern(p.get("caCert"), "^-----BEGIN CERTIFICATE-----\n(.+\n){5}");
    assertThat(p.get("audience").getType()).isEqualTo("string");
    assertThat(p.get("audience").getPattern()).isNull();
    assertThat(p.get("skipTLSVerify").getType()).isEqualTo("boolean");

    JSONSchemaProps files = p.get("files");
    assertThat(files.getType()).isEqualTo("array");
    JSONSchemaProps file = files.getItems().getSchema();
    assertThat(file.getType()).isEqualTo("object");
    assertThat(file.getRequired()).containsExactlyInAnyOrder("source", "name");
    assertThat(file.getProperties().keySet())
        .containsExactlyInAnyOrder("name", "decodeBase64", "source");
    // Upstream: ^[-_a-zA-Z0-9.]+$, which lets '..x' through to fail at mount.
    assertStringWithPattern(file.getProperties().get("name"), "^\\.?[-_a-zA-Z0-9][-_a-zA-Z0-9.]*$");
    assertThat(file.getProperties().get("name").getMaxLength()).isEqualTo(255L);
    JSONSchemaProps decode = file.getProperties().get("decodeBase64");
    assertThat(decode.getType()).isEqualTo("boolean");
    assertThat(decode.getDefault().toString()).isEqualTo("false");

    JSONSchemaProps source = file.getProperties().get("source");
    assertThat(source.getType()).isEqualTo("object");
    assertThat(source.getRequired()).containsExactlyInAnyOrder("path", "key");
    assertThat(source.getProperties().keySet()).containsExactlyInAnyOrder("path", "key");
    assertStringWithPattern(source.getProperties().get("path"), "^[-a-zA-Z0-9_.\\/]+$");
    assertStringWithPattern(source.getProperties().get("key"), "^[-a-zA-Z0-9_.]+$");
  }

  @Test
  void statusHasConditionsAndObservedGeneration() {
    JSONSchemaProps status = root.getProperties().get("status");
    assertThat(status.getProperties()).containsKeys("conditions", "observedGeneration");
    JSONSchemaProps condition = status.getProperties().get("conditions").getItems().getSchema();
    assertThat(condition.getProperties().keySet())
        .contains(
            "type", "status", "reason", "message", "lastTransitionTime", "observedGeneration");
  }

  @Test
  void printerColumnsShowReadinessAndAge() {
    assertThat(crd.getSpec().getVersions().getFirst().getAdditionalPrinterColumns())
        .extracting(column -> column.getName() + "=" + column.getJsonPath())
        .containsExactly(
            "Type=.spec.type",
            "Role=.spec.role",
            "Ready=.status.conditions[?(@.type==\"Ready\")].status",
            "Reason=.status.conditions[?(@.type==\"Ready\")].reason",
            "Age=.metadata.creationTimestamp");
  }

  @Test
  void seedExampleDeserializes() {
    String manifest =
        """
        apiVersion: deckhouse.io/v1alpha1
        kind: SecretsStoreImport
        metadata:
          name: myapp-ssi
          namespace: my-namespace
        spec:
          type: CSI
          role: myapp
          files:
            - name: "db-password"
              source:
                path: "secret/data/myapp"
                key: "DB_PASS"
        """;
    SecretsStoreImport ssi = SERIALIZATION.unmarshal(manifest, SecretsStoreImport.class);
    assertThat(ssi.getMetadata().getNamespace()).isEqualTo("my-namespace");
    assertThat(ssi.getSpec().getType()).isEqualTo(ImportType.CSI);
    assertThat(ssi.getSpec().getRole()).isEqualTo("myapp");
    SecretFile file = ssi.getSpec().getFiles().getFirst();
    assertThat(file.getName()).isEqualTo("db-password");
    assertThat(file.decodesBase64()).isFalse();
    assertThat(file.getSource().getPath()).isEqualTo("secret/data/myapp");
    assertThat(file.getSource().getKey()).isEqualTo("DB_PASS");
    assertThat(ssi.getApiVersion()).isEqualTo("deckhouse.io/v1alpha1");
  }

  @Test
  void patternsAcceptWhatUsersWrite() {
    assertThat(matches(SsiPatterns.ROLE, List.of("myapp", "my-namespace1_backend", "a.b")))
        .isTrue();
    assertThat(matches(SsiPatterns.AUTH_PATH, List.of("kubernetes_local", "main-kube", "kube/sub")))
        .isTrue();
    assertThat(
            matches(
                SsiPatterns.ADDRESS,
                List.of("https://secretstoreexample.com", "http://10.0.0.1:8200")))
        .isTrue();
    assertThat(
            matches(
                SsiPatterns.SOURCE_PATH, List.of("secret/data/myapp", "demo-kv/data/myapp-secret")))
        .isTrue();
    assertThat(matches(SsiPatterns.FILE_NAME, List.of("db-password", "tls.crt", "DB_PASS")))
        .isTrue();
    String fivePemLines = "-----BEGIN CERTIFICATE-----\n" + "AAAA\n".repeat(5);
    assertThat(Pattern.compile(SsiPatterns.CA_CERT).matcher(fivePemLines).lookingAt()).isTrue();
    assertThat(
            Pattern.compile(SsiPatterns.CA_CERT)
                .matcher("-----BEGIN CERTIFICATE-----\nAAAA\n")
                .lookingAt())
        .isFalse();
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "../x",
        "a/b",
        "/etc/passwd",
        "",
        "a b",
        "..",
        ".",
        "x\ny",
        "..data",
        "..2026_01_01",
        "...",
        "..x",
        "a\u0000b",
        "-\n"
      })
  void unsafeFileNamesAreRejectedByTheRuleAndTheCrdPattern(String name) {
    assertThat(SsiPatterns.isSafeVolumeFileName(name)).isFalse();
    assertThat(Pattern.compile(SsiPatterns.FILE_NAME).matcher(name).matches()).isFalse();
  }

  @ParameterizedTest
  @ValueSource(strings = {"db-password", "tls.crt", ".env", "a..b", "x.", "_", "DB_PASS", ".a.b"})
  void fileNamesUsersWriteAreAccepted(String name) {
    assertThat(SsiPatterns.isSafeVolumeFileName(name)).isTrue();
  }

  @Test
  void fileNamesLongerThanTheFileSystemTakesAreRejected() {
    assertThat(SsiPatterns.isSafeVolumeFileName("a".repeat(255))).isTrue();
    assertThat(SsiPatterns.isSafeVolumeFileName("a".repeat(256))).isFalse();
    assertThat(SsiPatterns.isSafeVolumeFileName(null)).isFalse();
  }

  @Test
  void secretTargetTypesAreLimitedAndReservedKeysRecognised() {
    JSONSchemaProps type = spec.getProperties().get("secret").getProperties().get("type");
    assertThat(type.getPattern()).isEqualTo(SecretTarget.TYPE_PATTERN);
    Pattern pattern = Pattern.compile(SecretTarget.TYPE_PATTERN);
    assertThat(SecretTarget.ALLOWED_TYPES).allMatch(t -> pattern.matcher(t).matches());
    assertThat(pattern.matcher("kubernetes.io/service-account-token").matches()).isFalse();
    assertThat(pattern.matcher("kubernetes.io/tlsx").matches()).isFalse();
    assertThat(SecretTarget.isReservedKey("kubernetes.io/service-account.name")).isTrue();
    assertThat(SecretTarget.isReservedKey("kubectl.kubernetes.io/last-applied-configuration"))
        .isTrue();
    assertThat(SecretTarget.isReservedKey("K8S.IO/x")).isTrue();
    assertThat(SecretTarget.isReservedKey("secrets-store.deckhouse.io/import")).isTrue();
    assertThat(SecretTarget.isReservedKey("example.com/team")).isFalse();
    assertThat(SecretTarget.isReservedKey("notkubernetes.io/x")).isFalse();
    assertThat(SecretTarget.isReservedKey("app")).isFalse();
  }

  @Test
  void mountPathsAreCleanSubPaths() {
    assertThat(SsiPatterns.isCleanMountPath("kube/sub-path")).isTrue();
    assertThat(SsiPatterns.isCleanMountPath("kubernetes_local")).isTrue();
    for (String bad : new String[] {"../sys", "a//b", "/a", "a/", ".", "a/../b", "", null}) {
      assertThat(SsiPatterns.isCleanMountPath(bad)).as(bad).isFalse();
    }
  }

  @Test
  void addressPatternRejectsPathsAndOtherSchemes() {
    assertThat(matches(SsiPatterns.ADDRESS, List.of("https://vault/v1"))).isFalse();
    assertThat(matches(SsiPatterns.ADDRESS, List.of("ftp://vault"))).isFalse();
  }

  private static boolean matches(String regex, List<String> values) {
    Pattern pattern = Pattern.compile(regex);
    return values.stream().allMatch(value -> pattern.matcher(value).find());
  }

  private static void assertStringWithPattern(JSONSchemaProps property, String pattern) {
    assertThat(property.getType()).isEqualTo("string");
    assertThat(property.getPattern()).isEqualTo(pattern);
  }
}
