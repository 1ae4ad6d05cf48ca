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

  /** One CRD the generator writes and its checked-in form. */
  record Crd(
      String name, String kind, String description, List<String> columnOrder, boolean requireSpec) {
    Path generated() {
      return Path.of("target/classes/META-INF/fabric8/" + name + "-v1.yml");
    }

    Path checkedIn() {
      return Path.of("../helm/crds/" + name + ".yaml");
    }
  }

  static final List<Crd> CRDS =
      List.of(
          new Crd(
              SecretsStoreImport.CRD_NAME,
              SecretsStoreImport.KIND,
              "Namespaced mapping from secrets in a Vault-compatible store to files in pods.",
              List.of("Type", "Role", "Ready", "Reason", "Age"),
              true),
          new Crd(
              SecretsStoreImportPodStatus.CRD_NAME,
              SecretsStoreImportPodStatus.KIND,
              "What the CSI driver mounted for one pod volume; written by the driver, deleted"
                  + " with the pod.",
              List.of("Pod", "Import", "Mounted", "Rotated", "Error"),
              false));

  static final String HEADER =
      "# GENERATED from common-model (io.secretsstore.model.crd) by ./dev.sh crds; do not edit.\n";

  @Test
  void checkedInCrdsMatchTheJavaModel() throws IOException {
    for (Crd crd : CRDS) {
      String expected = render(crd, Files.readString(crd.generated(), StandardCharsets.UTF_8));
      if (Boolean.getBoolean("crd.update")) {
        Files.createDirectories(crd.checkedIn().getParent());
        Files.writeString(crd.checkedIn(), expected, StandardCharsets.UTF_8);
      }
      assertThat(Files.exists(crd.checkedIn()))
          .as("%s is missing: run ./dev.sh crds", crd.checkedIn())
          .isTrue();
      assertThat(Files.readString(crd.checkedIn(), StandardCharsets.UTF_8))
          .as("%s is out of date with the Java model: run ./dev.sh crds", crd.checkedIn())
          .isEqualTo(expected);
    }
  }

  /**
   * The generator's YAML with what it cannot express: {@code required: [spec]} at the top (as in
   * the module's CRD), {@code listKind}, module labels, a description and the column order (the
   * generator sorts columns by name).
   */
  static String render(Crd definition, String generatedYaml) {
    KubernetesSerialization serialization = new KubernetesSerialization();
    CustomResourceDefinition crd =
        serialization.unmarshal(generatedYaml, CustomResourceDefinition.class);
    crd.getMetadata()
        .setLabels(
            new TreeMap<>(Map.of("heritage", "deckhouse", "module", "secrets-store-integration")));
    crd.getSpec().getNames().setListKind(definition.kind() + "List");
    for (CustomResourceDefinitionVersion version : crd.getSpec().getVersions()) {
      var root = version.getSchema().getOpenAPIV3Schema();
      if (definition.requireSpec()) {
        root.setRequired(List.of("spec"));
      }
      root.setDescription(definition.description());
      List<CustomResourceColumnDefinition> columns =
          new ArrayList<>(version.getAdditionalPrinterColumns());
      columns.sort(
          Comparator.comparingInt(column -> definition.columnOrder().indexOf(column.getName())));
      version.setAdditionalPrinterColumns(columns);
    }
    return HEADER + serialization.asYaml(crd);
  }
}
