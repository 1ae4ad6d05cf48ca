package io.secretsstore.injector.resolve;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Set;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Item 5 of issue 16: env-from-path keys became variable names unchecked. */
class EnvFromPathNamesTest {

  @ParameterizedTest
  @ValueSource(strings = {"DB_PASSWORD", "app.key", "lower", "K\u00e9", "API-TOKEN"})
  void ordinaryNamesAreVariables(String name) {
    assertThat(EnvFromPathNames.problem(name, Set.of())).isNull();
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "A=B", "A\0B", "A B", "A\nB", "A\u007fB"})
  void namesNoEnvironmentCanHoldAreRefused(String name) {
    assertThat(EnvFromPathNames.problem(name, Set.of(name))).isNotNull().doesNotContain("\n");
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "LD_PRELOAD", "LD_LIBRARY_PATH", "LD_AUDIT", "VAULT_TOKEN", "VAULT_ADDR", "PATH",
        "JAVA_TOOL_OPTIONS", "NODE_OPTIONS", "PYTHONPATH", "BASH_ENV", "GCONV_PATH",
            "GLIBC_TUNABLES"
      })
  void namesThatChangeHowProgramsRunNeedTheOptIn(String name) {
    assertThat(EnvFromPathNames.problem(name, Set.of()))
        .contains("is refused as a variable name")
        .contains("VAULT_ENV_FROM_PATH_ALLOWED_NAMES=" + name);
    assertThat(EnvFromPathNames.problem(name, Set.of(name))).isNull();
  }
}
