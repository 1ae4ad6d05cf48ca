package io.secretsstore.model.crd;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceColumnDefinition;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinitionVersion;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/**
 * The CRD in {@code helm/crds/} is the crd-generator's output (from {@link SecretsStoreImport})
 * plus the few touches the generator cannot express. This test fails when they drift; {@code
 * ./dev.sh crds} (system property {@code crd.update=true}) rewrites the file instead.
 */
class CrdYamlInSyncTest {

  static final Path GENERATED =
      Path.of("target/classes/META-INF/fabric8/secretsstoreimports.deckhouse.io-v1.yml");
  static final Path CHECKED_IN = Path.of("../helm/crds/secretsstoreimports.deckhouse.io.yaml");

  static final String HEADER =
      "# GENERATED from common-model (io.secretsstore.model.crd) by ./dev.sh crds; do not edit.\n";

  /** Printer columns in the order kubectl shows them; the generator sorts them by name. */
  static final List<String> COLUMN_ORDER = List.of("Type", "Role", "Ready", "Reason", "Age");

  @Test
  void checkedInCrdMatchesTheJavaModel() throws IOException {
    String expected = render(Files.readString(GENERATED, StandardCharsets.UTF_8));
    if (Boolean.getBoolean("crd.update")) {
      Files.createDirectories(CHECKED_IN.getParent());
      Files.writeString(CHECKED_IN, expected, StandardCharsets.UTF_8);
    }
    assertThat(Files.exists(CHECKED_IN))
        .as("%s is missing: run ./dev.sh crds", CHECKED_IN)
        .isTrue();
    assertThat(Files.readString(CHECKED_IN, StandardCharsets.UTF_8))
        .as("helm/crds is out of date with the Java model: run ./dev.sh crds")
        .isEqualTo(expected);
  }

  /**
   * The generator's YAML with what it cannot express: {@code required: [spec]} at the top (as in
   * the module's CRD), {@code listKind}, module labels, a description and the column order.
   */
  static String render(String generatedYaml) {
    KubernetesSerialization serialization = new KubernetesSerialization();
    CustomResourceDefinition crd =
        serialization.unmarshal(generatedYaml, CustomResourceDefinition.class);
    crd.getMetadata()
        .setLabels(
            new TreeMap<>(Map.of("heritage", "deckhouse", "module", "secrets-store-integration")));
    crd.getSpec().getNames().setListKind(SecretsStoreImport.KIND + "List");
    for (CustomResourceDefinitionVersion version : crd.getSpec().getVersions()) {
      var root = version.getSchema().getOpenAPIV3Schema();
      root.setRequired(List.of("spec"));
      root.setDescription(
          "Namespaced mapping from secrets in a Vault-compatible store to files in pods.");
      List<CustomResourceColumnDefinition> columns =
          new ArrayList<>(version.getAdditionalPrinterColumns());
      columns.sort(Comparator.comparingInt(column -> COLUMN_ORDER.indexOf(column.getName())));
      version.setAdditionalPrinterColumns(columns);
    }
    return HEADER + serialization.asYaml(crd);
  }
}
