package io.secretsstore.model.values;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class BooleansTest {

  @ParameterizedTest
  @ValueSource(strings = {"1", "t", "T", "TRUE", "true", "True"})
  void goTrue(String text) {
    assertThat(Booleans.parse(text)).contains(true);
  }

  @ParameterizedTest
  @ValueSource(strings = {"0", "f", "F", "FALSE", "false", "False"})
  void goFalse(String text) {
    assertThat(Booleans.parse(text)).contains(false);
  }

  @ParameterizedTest
  @ValueSource(strings = {"yes", "no", "on", "tRuE", " true", "2", ""})
  void notBooleans(String text) {
    assertThat(Booleans.parse(text)).isEmpty();
  }

  @Test
  void nullIsNotABoolean() {
    assertThat(Booleans.parse(null)).isEmpty();
  }
}
