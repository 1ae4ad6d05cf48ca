package io.secretsstore.helm;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Every metric the PrometheusRule and the Grafana dashboard query is one the services register
 * (Micrometer meter names in the main sources, in their Prometheus form), so an alert cannot
 * silently watch a name that does not exist.
 */
class AlertMetricsTest {

  static final Pattern USED = Pattern.compile("secrets_store_[a-z_]+");
  static final Pattern REGISTERED = Pattern.compile("\"(secrets_store\\.[a-z_.]+)\"");
  static final List<String> SUFFIXES =
      List.of(
          "",
          "_seconds",
          "_seconds_bucket",
          "_seconds_count",
          "_seconds_sum",
          "_seconds_max",
          "_total",
          "_count",
          "_sum");

  @Test
  void alertsAndDashboardUseExportedMetrics() throws IOException {
    RenderedChart chart = RenderedChart.render(Profile.MANUAL_CA);
    String rules =
        RenderedChart.SERIALIZATION.asYaml(
            chart.ofKind("PrometheusRule").findFirst().orElseThrow());
    String dashboard =
        Files.readString(Helm.chartDir().resolve("dashboards/secrets-store-integration.json"));
    Set<String> used = new TreeSet<>();
    for (String text : List.of(rules, dashboard)) {
      Matcher m = USED.matcher(text);
      while (m.find()) {
        used.add(m.group());
      }
    }
    assertThat(used).as("the rules watch the services' own metrics").hasSizeGreaterThan(8);

    Set<String> meters = new TreeSet<>();
    Set<String> prefixes = new TreeSet<>();
    try (Stream<Path> files = Files.walk(Helm.projectRoot())) {
      for (Path file :
          files
              .filter(
                  p -> p.toString().endsWith(".java") && p.toString().contains("/src/main/java/"))
              .toList()) {
        Matcher m = REGISTERED.matcher(Files.readString(file));
        while (m.find()) {
          String name = m.group(1).replace('.', '_');
          (name.endsWith("_") ? prefixes : meters).add(name);
        }
      }
    }
    for (String metric : used) {
      boolean known =
          meters.stream().anyMatch(b -> SUFFIXES.stream().anyMatch(s -> metric.equals(b + s)))
              || prefixes.stream().anyMatch(metric::startsWith);
      assertThat(known)
          .as(
              metric
                  + " is registered by a service (known: "
                  + meters
                  + ", prefixes "
                  + prefixes
                  + ")")
          .isTrue();
    }
    // The alerts the issue asks for exist.
    assertThat(rules)
        .contains(
            "SecretsStoreMountFailures",
            "SecretsStoreRotationFailures",
            "SecretsStoreStoreErrors",
            "SecretsStoreStoreLatency",
            "SecretsStoreWebhookDenials",
            "SecretsStoreWebhookLatency",
            "SecretsStoreWebhookCertificateExpiry");
  }
}
