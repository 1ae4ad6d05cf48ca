package io.secretsstore.injector.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class StorePathsTest {

  @Test
  void pathsAreTrimmedAndNonAsciiIsPercentEncodedAsUtf8() {
    assertThat(StorePaths.require("/secret/data/app/", "path")).isEqualTo("secret/data/app");
    assertThat(StorePaths.encode("secret/data/\u043c\u0438\u0440 x"))
        .isEqualTo("secret/data/%D0%BC%D0%B8%D1%80%20x");
    assertThat(StorePaths.encode("kv/a-b_c.d~e@f:g+h=i,j")).isEqualTo("kv/a-b_c.d~e@f:g+h=i,j");
  }

  @Test
  void pathsThatWouldChangeTheRequestAreRefused() {
    for (String bad :
        List.of("", "/", "a//b", "a/../b", "a/./b", "a?b", "a#b", "a%2fb", "a\\b", "a\tb")) {
      assertThatThrownBy(() -> StorePaths.require(bad, "secret path"))
          .as(bad)
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageStartingWith("the secret path ");
    }
  }
}
