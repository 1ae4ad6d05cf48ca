package io.secretsstore.model.values;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class Base64ValuesTest {

  private static String text(byte[] bytes) {
    return new String(bytes, StandardCharsets.UTF_8);
  }

  @Test
  void plainPaddedAndUnpadded() {
    assertThat(text(Base64Values.decode("aGVsbG8="))).isEqualTo("hello");
    assertThat(text(Base64Values.decode("aGVsbG8"))).isEqualTo("hello");
    assertThat(Base64Values.decode("")).isEmpty();
  }

  @Test
  void whitespaceAnywhereIsIgnored() {
    // What `base64` wraps at 76 columns, a trailing newline from `echo`, CRLF from Windows.
    assertThat(text(Base64Values.decode("aGVs\nbG8=\n"))).isEqualTo("hello");
    assertThat(text(Base64Values.decode("  aGVs\r\n\tbG8=  "))).isEqualTo("hello");
  }

  @ParameterizedTest
  @ValueSource(strings = {"aGVsbG8-", "a_b", "not base64!", "aGVsbG8==x", "%%%%", "a"})
  void anythingElseIsRefusedWithoutQuotingTheValue(String value) {
    assertThatThrownBy(() -> Base64Values.decode(value))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("the value is not Base64 text");
  }
}
