package io.secretsstore.injector.log;

import java.io.PrintStream;
import java.time.Instant;
import java.util.Locale;

/**
 * The injector's log: one line per event on stderr, as text or JSON, filtered by level. Callers
 * pass names, paths, keys and causes only, never values or tokens. (No logging framework: the
 * injector starts in every container and must stay small.)
 */
public final class InjectorLog {

  /** Levels, most severe first. */
  public enum Level {
    ERROR,
    WARN,
    INFO,
    DEBUG;

    /** Parses {@code error}, {@code warn}/{@code warning}, {@code info}, {@code debug}. */
    public static Level parse(String text) {
      return switch (text.trim().toLowerCase(Locale.ROOT)) {
        case "error" -> ERROR;
        case "warn", "warning" -> WARN;
        case "info" -> INFO;
        case "debug", "trace" -> DEBUG;
        default ->
            throw new IllegalArgumentException(
                "'" + text + "' is not a log level (error, warn, info, debug)");
      };
    }
  }

  private final Level threshold;
  private final boolean json;
  private final PrintStream out;

  public InjectorLog(Level threshold, boolean json, PrintStream out) {
    this.threshold = threshold;
    this.json = json;
    this.out = out;
  }

  public void error(String message) {
    log(Level.ERROR, message);
  }

  public void warn(String message) {
    log(Level.WARN, message);
  }

  public void info(String message) {
    log(Level.INFO, message);
  }

  public void debug(String message) {
    log(Level.DEBUG, message);
  }

  private void log(Level level, String message) {
    if (level.ordinal() > threshold.ordinal()) {
      return;
    }
    String line =
        json
            ? "{\"time\":\""
                + Instant.now()
                + "\",\"level\":\""
                + level.name().toLowerCase(Locale.ROOT)
                + "\",\"logger\":\"secrets-store-injector\",\"msg\":\""
                + escape(message)
                + "\"}"
            : "secrets-store-injector " + level.name().toLowerCase(Locale.ROOT) + ": " + message;
    synchronized (out) {
      out.println(line);
      out.flush();
    }
  }

  static String escape(String text) {
    StringBuilder escaped = new StringBuilder(text.length() + 8);
    for (char c : text.toCharArray()) {
      switch (c) {
        case '"' -> escaped.append("\\\"");
        case '\\' -> escaped.append("\\\\");
        case '\n' -> escaped.append("\\n");
        case '\r' -> escaped.append("\\r");
        case '\t' -> escaped.append("\\t");
        default -> {
          if (c < 0x20) {
            escaped.append(String.format("\\u%04x", (int) c));
          } else {
            escaped.append(c);
          }
        }
      }
    }
    return escaped.toString();
  }
}
