package io.secretsstore.e2e.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The report's chart: pod start per variant as horizontal bars (p50 solid, p95 as a lighter
 * extension), "containers running" and "app has its secrets" side by side, the plain pod's p50 as a
 * dashed baseline. Plain SVG written by hand: one picture, no plotting library in the harness.
 */
final class BenchChart {

  private static final int WIDTH = 760;
  private static final int LABEL = 250;
  private static final int BAR = 14;
  private static final int ROW = 2 * BAR + 16;
  private static final int TOP = 40;
  private static final String RUNNING = "#4c78a8";
  private static final String APP = "#f58518";

  private BenchChart() {}

  /** The chart of {@code result}'s pod start phase, as an SVG document. */
  static String podStartSvg(BenchResult result) {
    List<PodStartPhase.VariantResult> rows = new ArrayList<>(result.podStart().variants().values());
    double max =
        rows.stream()
            .mapToDouble(v -> Math.max(finite(v.running().p95()), finite(v.app().p95())))
            .max()
            .orElse(1);
    double scale = (WIDTH - LABEL - 30) / Math.max(max, 1);
    int height = TOP + rows.size() * ROW + 40;
    StringBuilder svg = new StringBuilder();
    svg.append(
        format(
            "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" font-family=\"sans-serif\" font-size=\"12\">\n",
            WIDTH, height, WIDTH, height));
    svg.append(format("<rect width=\"%d\" height=\"%d\" fill=\"white\"/>\n", WIDTH, height));
    svg.append(
        format(
            "<text x=\"10\" y=\"18\" font-size=\"14\" font-weight=\"bold\">Pod start after the create request, %s run %s (p50 solid, p95 light)</text>\n",
            escape(result.plan()), result.started().toString().substring(0, 10)));
    legend(svg, LABEL, 32, RUNNING, "all containers running");
    legend(svg, LABEL + 190, 32, APP, "app has its files and env");
    int y = TOP + 8;
    for (PodStartPhase.VariantResult row : rows) {
      svg.append(
          format(
              "<text x=\"10\" y=\"%d\">%s</text>\n",
              y + BAR + 4, escape(row.variant().description())));
      bar(svg, y, row.running(), scale, RUNNING);
      bar(svg, y + BAR + 2, row.app(), scale, APP);
      y += ROW;
    }
    PodStartPhase.VariantResult plain = result.podStart().variants().get(PodVariant.PLAIN);
    if (plain != null && Double.isFinite(plain.running().p50())) {
      int x = LABEL + (int) Math.round(plain.running().p50() * scale);
      svg.append(
          format(
              "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#555\" stroke-dasharray=\"4 3\"/>\n",
              x, TOP, x, y));
      svg.append(
          format("<text x=\"%d\" y=\"%d\" fill=\"#555\">plain pod p50</text>\n", x + 4, y + 14));
    }
    svg.append(
        format(
            "<text x=\"%d\" y=\"%d\" fill=\"#555\">0 ms</text><text x=\"%d\" y=\"%d\" fill=\"#555\" text-anchor=\"end\">%.0f ms</text>\n",
            LABEL, height - 8, WIDTH - 30, height - 8, max));
    svg.append("</svg>\n");
    return svg.toString();
  }

  private static void bar(StringBuilder svg, int y, Percentiles p, double scale, String color) {
    if (p.count() == 0 || !Double.isFinite(p.p50())) {
      svg.append(format("<text x=\"%d\" y=\"%d\" fill=\"#999\">-</text>\n", LABEL, y + BAR - 3));
      return;
    }
    long p50 = Math.round(p.p50() * scale);
    long p95 = Math.round(finite(p.p95()) * scale);
    svg.append(
        format(
            "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"%s\" fill-opacity=\"0.35\"/>\n",
            LABEL, y, Math.max(p95, p50), BAR, color));
    svg.append(
        format(
            "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"%s\"/>\n",
            LABEL, y, p50, BAR, color));
    svg.append(
        format(
            "<text x=\"%d\" y=\"%d\">%.0f / %.0f ms</text>\n",
            LABEL + Math.max(p95, p50) + 6, y + BAR - 3, p.p50(), finite(p.p95())));
  }

  private static void legend(StringBuilder svg, int x, int y, String color, String text) {
    svg.append(
        format(
            "<rect x=\"%d\" y=\"%d\" width=\"12\" height=\"10\" fill=\"%s\"/><text x=\"%d\" y=\"%d\">%s</text>\n",
            x, y - 9, color, x + 16, y, escape(text)));
  }

  private static double finite(double value) {
    return Double.isFinite(value) ? value : 0;
  }

  private static String escape(String text) {
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
  }

  private static String format(String pattern, Object... args) {
    return String.format(Locale.ROOT, pattern, args);
  }
}
