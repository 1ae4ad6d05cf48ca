package io.secretsstore.helm;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.nio.file.Files;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The Deckhouse module files describe the same settings as the Helm chart: the ModuleConfig OpenAPI
 * (openapi/config-values.yaml) and values.schema.json must agree on every pattern and enum, and the
 * defaults of values.yaml must pass both.
 */
class ModuleFilesTest {

  static final KubernetesSerialization YAML = RenderedChart.SERIALIZATION;

  @SuppressWarnings("unchecked")
  static Map<String, Object> read(String file) throws Exception {
    String text = Files.readString(Helm.chartDir().resolve(file));
    return YAML.unmarshal(text, Map.class);
  }

  @Test
  void moduleConfigSettingsAndHelmSchemaAgree() throws Exception {
    Map<String, Object> openapi = read("openapi/config-values.yaml");
    Map<String, Object> schema = read("values.schema.json");
    assertThat(RenderedChart.at(openapi, "properties.connectionConfiguration.enum"))
        .isEqualTo(RenderedChart.at(schema, "properties.connectionConfiguration.enum"));
    for (String field : new String[] {"url", "caCert", "authPath", "namespace"}) {
      String path = "properties.connection.properties." + field + ".pattern";
      assertThat(RenderedChart.at(openapi, path))
          .as(field)
          .isEqualTo(RenderedChart.at(schema, path));
    }
    // Upstream v1.4.3 patterns (issue 13).
    assertThat(RenderedChart.str(schema, "properties.connection.properties.authPath.pattern"))
        .isEqualTo("^[-_./A-Za-z0-9]+$");
    assertThat(RenderedChart.str(schema, "properties.connection.properties.url.pattern"))
        .startsWith("^https://");
    // The default mode is the module's.
    assertThat(RenderedChart.str(openapi, "properties.connectionConfiguration.default"))
        .isEqualTo(RenderedChart.str(read("values.yaml"), "connectionConfiguration"))
        .isEqualTo("DiscoverLocalStronghold");
  }

  @Test
  void moduleDescriptorNamesTheModuleAndItsNamespace() throws Exception {
    Map<String, Object> module = read("module.yaml");
    assertThat(module)
        .containsEntry("name", "secrets-store-integration")
        .containsEntry("namespace", Helm.NAMESPACE);
    assertThat(RenderedChart.str(read("openapi/values.yaml"), "x-extend.schema"))
        .isEqualTo("config-values.yaml");
    assertThat(Files.exists(Helm.chartDir().resolve("crds/secretsstoreimports.deckhouse.io.yaml")))
        .isTrue();
    // Packaging the chart leaves the Maven module and its tests out.
    assertThat(Files.readString(Helm.chartDir().resolve(".helmignore")))
        .contains("src/", "target/", "pom.xml");
  }
}
