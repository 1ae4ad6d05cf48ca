package io.secretsstore.helm;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * Writes docs/configuration.md from values.schema.json (descriptions, types, constraints) and
 * values.yaml (defaults), so the reference cannot drift from what the chart accepts.
 */
final class ConfigurationReference {

  private static final ObjectMapper JSON = new ObjectMapper();

  private ConfigurationReference() {}

  @SuppressWarnings("unchecked")
  static String generate(Path chartDir) throws Exception {
    Map<String, Object> schema =
        JSON.readValue(chartDir.resolve("values.schema.json").toFile(), Map.class);
    Map<String, Object> defaults =
        RenderedChart.SERIALIZATION.unmarshal(
            Files.readString(chartDir.resolve("values.yaml")), Map.class);
    StringBuilder out = new StringBuilder();
    out.append("# Configuration reference\n\n")
        .append(
            "<!-- GENERATED from helm/values.schema.json and helm/values.yaml by ConfigurationReferenceTest;\n")
        .append(
            "     regenerate with: ./dev.sh mvn -pl helm -am test -Dtest=ConfigurationReferenceTest")
        .append(" -Dsurefire.failIfNoSpecifiedTests=false -Ddocs.update=true -->\n\n")
        .append(
            "Every value of the Helm chart. As a Deckhouse module, the first four rows are the ModuleConfig\n")
        .append(
            "settings (`spec.settings`); the chart rejects values that do not match (values.schema.json).\n")
        .append("The comments in [values.yaml](../helm/values.yaml) explain the trade-offs.\n\n")
        .append("| value | type | default | description |\n| --- | --- | --- | --- |\n");
    walk("", schema, defaults, out);
    return out.toString();
  }

  @SuppressWarnings("unchecked")
  private static void walk(
      String prefix, Map<String, Object> node, Object defaults, StringBuilder out) {
    Map<String, Object> properties = (Map<String, Object>) node.get("properties");
    if (properties == null) {
      return;
    }
    for (var entry : properties.entrySet()) {
      String key = prefix.isEmpty() ? entry.getKey() : prefix + "." + entry.getKey();
      Map<String, Object> child = (Map<String, Object>) entry.getValue();
      Object value = defaults instanceof Map<?, ?> map ? map.get(entry.getKey()) : null;
      if (child.containsKey("properties")) {
        walk(key, child, value, out);
        continue;
      }
      out.append("| `")
          .append(key)
          .append("` | ")
          .append(child.getOrDefault("type", "any"))
          .append(" | ")
          .append(value == null ? "" : "`" + cell(inline(value)) + "`")
          .append(" | ")
          .append(cell(String.valueOf(child.getOrDefault("description", ""))))
          .append(constraints(child))
          .append(" |\n");
    }
  }

  private static String constraints(Map<String, Object> node) {
    StringBuilder c = new StringBuilder();
    if (node.get("enum") instanceof List<?> values) {
      c.append(" One of: ")
          .append(String.join(", ", values.stream().map(v -> "`" + v + "`").toList()))
          .append('.');
    }
    if (node.get("pattern") instanceof String pattern) {
      c.append(" Pattern: `").append(cell(pattern.replace("\n", "\\n"))).append("`.");
    }
    if (node.containsKey("minimum") || node.containsKey("maximum")) {
      c.append(" Range: ")
          .append(node.getOrDefault("minimum", ""))
          .append("–")
          .append(node.getOrDefault("maximum", ""))
          .append('.');
    }
    return c.toString();
  }

  private static String inline(Object value) {
    try {
      return value instanceof String s ? s : JSON.writeValueAsString(value);
    } catch (Exception e) {
      return String.valueOf(value);
    }
  }

  private static String cell(String text) {
    return text.strip().replace("|", "\\|").replace("\n", " ");
  }
}
