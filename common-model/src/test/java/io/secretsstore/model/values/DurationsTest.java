package io.secretsstore.model.values;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class DurationsTest {

  @ParameterizedTest
  @CsvSource({
    "10s, 10000",
    "2m, 120000",
    "1h30m, 5400000",
    "1.5h, 5400000",
    "500ms, 500",
    "1m30s250ms, 90250",
    "120, 120000",
    "0, 0",
    "0s, 0",
    "2h2h, 14400000"
  })
  void readsWhatUsersWrite(String text, long millis) {
    assertThat(Durations.parse(text)).isEqualTo(Duration.ofMillis(millis));
    assertThat(Pattern.matches(Durations.PATTERN, text)).isTrue();
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "", " 10s", "10s ", "-1s", "+1s", "1d", "1.h", ".5h", "1e3s", "10S", "1h 30m", "s", "PT10S",
        "1.5"
      })
  void refusesEverythingElseWithTheText(String text) {
    assertThatThrownBy(() -> Durations.parse(text))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("'" + text + "' is not a duration such as 10s, 2m or 1h30m");
    assertThat(Pattern.matches(Durations.PATTERN, text)).isFalse();
  }

  @Test
  void nullIsRefused() {
    assertThatThrownBy(() -> Durations.parse(null)).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void aValueBeyondNanosecondsIsRefusedInsteadOfOverflowing() {
    assertThatThrownBy(() -> Durations.parse("99999999999h"))
        .hasMessage("'99999999999h' is too long a duration");
    assertThatThrownBy(() -> Durations.parse("9999999999999999999999"))
        .hasMessageContaining("too long");
    assertThat(Durations.parse("2562047h")).isEqualTo(Duration.ofHours(2562047));
  }

  @Test
  void boundsNameTheRange() {
    assertThat(Durations.parseWithin("30s", Duration.ofSeconds(1), Duration.ofHours(1)))
        .isEqualTo(Duration.ofSeconds(30));
    assertThatThrownBy(
            () -> Durations.parseWithin("2h", Duration.ofSeconds(1), Duration.ofHours(1)))
        .hasMessage("'2h' is not between 1s and 1h");
    assertThatThrownBy(
            () -> Durations.parseWithin("0s", Duration.ofSeconds(1), Duration.ofHours(1)))
        .hasMessage("'0s' is not between 1s and 1h");
  }

  @ParameterizedTest
  @CsvSource({
    "5400000, 1h30m",
    "10000, 10s",
    "1500, 1500ms",
    "0, 0s",
    "3600000, 1h",
    "61000, 1m1s"
  })
  void formatsBackToTheGrammar(long millis, String text) {
    assertThat(Durations.format(Duration.ofMillis(millis))).isEqualTo(text);
    assertThat(Durations.parse(text)).isEqualTo(Duration.ofMillis(millis));
  }
}
