package io.secretsstore.model.values;

import java.math.BigDecimal;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The one duration grammar of every user-facing setting (annotations, import fields, injector
 * variables): Go-style {@code 90s}, {@code 2m}, {@code 1h30m}, {@code 1.5h}, {@code 500ms}, or a
 * plain number of seconds ({@code 120}). Units: {@code ms}, {@code s}, {@code m}, {@code h}.
 * Nothing else is accepted: no signs, no spaces, no {@code d}; a value longer than about 292 years
 * (what fits in nanoseconds) is refused instead of overflowing.
 */
public final class Durations {

  /** {@link #parse} accepts exactly what this matches (the CRD uses it as its pattern). */
  public static final String PATTERN = "^([0-9]+(\\.[0-9]+)?(ms|s|m|h))+$|^[0-9]+$";

  /** How users are told what to write. */
  public static final String EXAMPLES = "a duration such as 10s, 2m or 1h30m";

  private static final Pattern WHOLE = Pattern.compile(PATTERN);
  private static final Pattern PART = Pattern.compile("([0-9]+(?:\\.[0-9]+)?)(ms|s|m|h)");
  private static final BigDecimal MAX_NANOS = BigDecimal.valueOf(Long.MAX_VALUE);

  private Durations() {}

  /**
   * The duration {@code text} names.
   *
   * @throws IllegalArgumentException saying what is wrong (the message quotes the text; callers add
   *     the setting's name)
   */
  public static Duration parse(String text) {
    if (text == null || !WHOLE.matcher(text).matches()) {
      throw new IllegalArgumentException("'" + text + "' is not " + EXAMPLES);
    }
    BigDecimal nanos = BigDecimal.ZERO;
    if (text.chars().allMatch(Character::isDigit)) {
      nanos = new BigDecimal(text).multiply(BigDecimal.valueOf(1_000_000_000L));
    } else {
      Matcher part = PART.matcher(text);
      while (part.find()) {
        long unit =
            switch (part.group(2)) {
              case "ms" -> 1_000_000L;
              case "s" -> 1_000_000_000L;
              case "m" -> 60_000_000_000L;
              default -> 3_600_000_000_000L;
            };
        nanos = nanos.add(new BigDecimal(part.group(1)).multiply(BigDecimal.valueOf(unit)));
      }
    }
    if (nanos.compareTo(MAX_NANOS) > 0) {
      throw new IllegalArgumentException("'" + text + "' is too long a duration");
    }
    return Duration.ofNanos(nanos.longValue());
  }

  /**
   * {@link #parse}, and the result within {@code [min, max]}.
   *
   * @throws IllegalArgumentException saying what is wrong and, for a value out of range, the range
   */
  public static Duration parseWithin(String text, Duration min, Duration max) {
    Duration duration = parse(text);
    if (duration.compareTo(min) < 0 || duration.compareTo(max) > 0) {
      throw new IllegalArgumentException(
          "'" + text + "' is not between " + format(min) + " and " + format(max));
    }
    return duration;
  }

  /**
   * The shortest text {@link #parse} reads back as {@code duration} (to the millisecond): {@code
   * 1h30m}, {@code 10s}, {@code 1500ms}, {@code 0s}.
   */
  public static String format(Duration duration) {
    if (duration.isNegative()) {
      throw new IllegalArgumentException("negative duration " + duration);
    }
    long millis = duration.toMillis();
    if (millis == 0) {
      return "0s";
    }
    if (millis % 1000 != 0) {
      return millis + "ms";
    }
    long seconds = millis / 1000;
    StringBuilder text = new StringBuilder();
    if (seconds >= 3600) {
      text.append(seconds / 3600).append('h');
      seconds %= 3600;
    }
    if (seconds >= 60) {
      text.append(seconds / 60).append('m');
      seconds %= 60;
    }
    if (seconds > 0) {
      text.append(seconds).append('s');
    }
    return text.toString();
  }
}
