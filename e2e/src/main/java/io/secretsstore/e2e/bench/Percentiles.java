package io.secretsstore.e2e.bench;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/** p50/p95/max of a sample in milliseconds (nearest rank: a value that was really measured). */
public record Percentiles(int count, double p50, double p95, double min, double max) {

  public static Percentiles of(List<Double> millis) {
    if (millis.isEmpty()) {
      return new Percentiles(0, Double.NaN, Double.NaN, Double.NaN, Double.NaN);
    }
    List<Double> sorted = new ArrayList<>(millis);
    Collections.sort(sorted);
    return new Percentiles(
        sorted.size(), rank(sorted, 0.50), rank(sorted, 0.95), sorted.getFirst(), sorted.getLast());
  }

  private static double rank(List<Double> sorted, double quantile) {
    int index = (int) Math.ceil(quantile * sorted.size()) - 1;
    return sorted.get(Math.max(0, Math.min(sorted.size() - 1, index)));
  }
}
