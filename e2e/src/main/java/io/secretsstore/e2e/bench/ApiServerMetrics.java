package io.secretsstore.e2e.bench;

import io.secretsstore.e2e.cluster.RealCluster;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The API server's own counters ({@code /metrics}, Prometheus text), read before and after a phase:
 * writes by resource ({@code apiserver_request_total}) and the admission webhook latency histogram
 * ({@code apiserver_admission_webhook_admission_duration_seconds}), as the real API server sees it.
 */
final class ApiServerMetrics {

  private static final String WEBHOOK_HISTOGRAM =
      "apiserver_admission_webhook_admission_duration_seconds_bucket";
  private static final List<String> WRITE_VERBS =
      List.of("POST", "PUT", "PATCH", "DELETE", "APPLY", "CREATE", "UPDATE");

  /** One sample line: metric name, labels, value. */
  record Sample(String name, Map<String, String> labels, double value) {}

  /** A scrape of the API server. */
  record Snapshot(List<Sample> samples) {

    /** Write requests since {@code before}, by resource[/subresource], zero counts left out. */
    Map<String, Double> writesSince(Snapshot before) {
      Map<String, Double> now = writes(this);
      Map<String, Double> then = writes(before);
      Map<String, Double> delta = new TreeMap<>();
      now.forEach(
          (key, value) -> {
            double d = value - then.getOrDefault(key, 0.0);
            if (d > 0) {
              delta.put(key, d);
            }
          });
      return delta;
    }

    private static Map<String, Double> writes(Snapshot snapshot) {
      Map<String, Double> byResource = new TreeMap<>();
      for (Sample s : snapshot.samples) {
        if (s.name.equals("apiserver_request_total")
            && WRITE_VERBS.contains(s.labels.getOrDefault("verb", ""))) {
          String sub = s.labels.getOrDefault("subresource", "");
          String key = s.labels.getOrDefault("resource", "?") + (sub.isEmpty() ? "" : "/" + sub);
          byResource.merge(key, s.value, Double::sum);
        }
      }
      return byResource;
    }

    /** Pod CREATE admissions by our webhook since {@code before}: count, p50 and p99 in ms. */
    WebhookLatency webhookSince(Snapshot before) {
      Map<Double, Double> now = buckets(this);
      Map<Double, Double> then = buckets(before);
      TreeMap<Double, Double> delta = new TreeMap<>();
      now.forEach((le, v) -> delta.put(le, v - then.getOrDefault(le, 0.0)));
      double count = delta.isEmpty() ? 0 : delta.lastEntry().getValue();
      return new WebhookLatency(
          (long) count, quantile(delta, count, 0.50) * 1000, quantile(delta, count, 0.99) * 1000);
    }

    private static Map<Double, Double> buckets(Snapshot snapshot) {
      Map<Double, Double> byLe = new TreeMap<>();
      for (Sample s : snapshot.samples) {
        if (s.name.equals(WEBHOOK_HISTOGRAM)
            && "CREATE".equals(s.labels.get("operation"))
            && "admit".equals(s.labels.get("type"))) {
          String le = s.labels.get("le");
          double bound = "+Inf".equals(le) ? Double.POSITIVE_INFINITY : Double.parseDouble(le);
          byLe.merge(bound, s.value, Double::sum);
        }
      }
      return byLe;
    }

    /** Linear interpolation inside the bucket holding the quantile (as Prometheus does). */
    private static double quantile(TreeMap<Double, Double> cumulative, double count, double q) {
      if (count <= 0) {
        return Double.NaN;
      }
      double rank = q * count;
      double lowerBound = 0;
      double lowerCount = 0;
      for (var bucket : cumulative.entrySet()) {
        if (bucket.getValue() >= rank) {
          if (bucket.getKey().isInfinite()) {
            return lowerBound;
          }
          double inBucket = bucket.getValue() - lowerCount;
          return inBucket <= 0
              ? bucket.getKey()
              : lowerBound + (bucket.getKey() - lowerBound) * (rank - lowerCount) / inBucket;
        }
        lowerBound = bucket.getKey();
        lowerCount = bucket.getValue();
      }
      return lowerBound;
    }
  }

  /** The webhook's admission latency over a phase, from the API server's histogram. */
  record WebhookLatency(long admissions, double p50Ms, double p99Ms) {}

  private final RealCluster cluster;

  ApiServerMetrics(RealCluster cluster) {
    this.cluster = cluster;
  }

  Snapshot snapshot() {
    String text = cluster.kubectl("get", "--raw", "/metrics").orThrow().stdout();
    return new Snapshot(parse(text));
  }

  static List<Sample> parse(String text) {
    List<Sample> samples = new ArrayList<>();
    for (String line : text.split("\n")) {
      if (line.isEmpty() || line.startsWith("#")) {
        continue;
      }
      int brace = line.indexOf('{');
      int space = line.lastIndexOf(' ');
      if (space < 0) {
        continue;
      }
      String name;
      Map<String, String> labels = new LinkedHashMap<>();
      if (brace >= 0 && brace < space) {
        name = line.substring(0, brace);
        int close = line.lastIndexOf('}');
        parseLabels(line.substring(brace + 1, close), labels);
      } else {
        name = line.substring(0, space);
      }
      try {
        samples.add(new Sample(name, labels, Double.parseDouble(line.substring(space + 1))));
      } catch (NumberFormatException skipped) {
        // not a sample line
      }
    }
    return samples;
  }

  private static void parseLabels(String text, Map<String, String> labels) {
    int i = 0;
    while (i < text.length()) {
      int eq = text.indexOf('=', i);
      if (eq < 0) {
        return;
      }
      String key = text.substring(i, eq).strip();
      int start = text.indexOf('"', eq) + 1;
      StringBuilder value = new StringBuilder();
      int j = start;
      while (j < text.length() && text.charAt(j) != '"') {
        if (text.charAt(j) == '\\' && j + 1 < text.length()) {
          j++;
        }
        value.append(text.charAt(j));
        j++;
      }
      labels.put(key, value.toString());
      i = j + 1;
      while (i < text.length() && (text.charAt(i) == ',' || text.charAt(i) == ' ')) {
        i++;
      }
    }
  }

  /** Names of webhooks the API server has latency for (for the report's footnote). */
  static TreeSet<String> webhookNames(Snapshot snapshot) {
    TreeSet<String> names = new TreeSet<>();
    snapshot.samples.stream()
        .filter(s -> s.name.equals(WEBHOOK_HISTOGRAM))
        .forEach(s -> names.add(s.labels.getOrDefault("name", "?")));
    return names;
  }
}
