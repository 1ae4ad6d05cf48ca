package io.secretsstore.e2e.bench;

import java.util.Arrays;
import java.util.Locale;

/**
 * What a benchmark pod asks of the system, from nothing (the baseline) to files and env at once.
 */
public enum PodVariant {
  PLAIN(false, false),
  FILES(true, false),
  ENV(false, true),
  BOTH(true, true);

  private final boolean files;
  private final boolean env;

  PodVariant(boolean files, boolean env) {
    this.files = files;
    this.env = env;
  }

  /** A CSI volume of the 5-file import. */
  public boolean files() {
    return files;
  }

  /** 5 env references resolved by the injected entrypoint. */
  public boolean env() {
    return env;
  }

  public String label() {
    return name().toLowerCase(Locale.ROOT);
  }

  public String description() {
    return switch (this) {
      case PLAIN -> "plain pod (baseline)";
      case FILES -> "5-file CSI secrets volume";
      case ENV -> "5 env references (injector, the chart's default delivery)";
      case BOTH -> "5-file volume + 5 env references";
    };
  }

  static PodVariant named(String name) {
    return Arrays.stream(values())
        .filter(v -> v.label().equals(name.toLowerCase(Locale.ROOT)))
        .findFirst()
        .orElseThrow(
            () ->
                new IllegalArgumentException(
                    "unknown pod variant '" + name + "' (known: plain, files, env, both)"));
  }
}
