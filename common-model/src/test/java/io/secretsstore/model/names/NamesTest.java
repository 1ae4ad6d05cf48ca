package io.secretsstore.model.names;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashSet;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

class NamesTest {

  /** Kubernetes qualified name: optional DNS-subdomain prefix, "/", name of at most 63 chars. */
  static final Pattern ANNOTATION_KEY =
      Pattern.compile(
          "([a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*/)?"
              + "[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?");

  @Test
  void annotationsAreValidUniqueKubernetesKeys() {
    assertThat(new HashSet<>(Annotations.ALL)).hasSameSizeAs(Annotations.ALL);
    for (String annotation : Annotations.ALL) {
      assertThat(annotation).startsWith(Annotations.PREFIX).matches(ANNOTATION_KEY);
    }
    assertThat(Annotations.ALL).hasSize(17);
  }

  @Test
  void documentedDefaults() {
    assertThat(Annotations.CLIENT_TIMEOUT_DEFAULT).isEqualTo("10s");
    assertThat(Annotations.SECRET_POLL_INTERVAL_DEFAULT).isEqualTo("120s");
    assertThat(Annotations.RESTART_ON_SECRET_CHANGE_VALUES)
        .contains(Annotations.RESTART_ON_SECRET_CHANGE_DEFAULT);
  }

  @Test
  void everyInjectorVariableIsAControlVariable() throws IllegalAccessException {
    for (var field : InjectorEnv.class.getFields()) {
      if (field.getType() == String.class
          && !field.getName().endsWith("_DEFAULT")
          && !field.getName().equals("LEGACY_TOKEN_PATH")) {
        assertThat(InjectorEnv.CONTROL_VARIABLES).contains((String) field.get(null));
      }
    }
    assertThat(InjectorEnv.CONTROL_VARIABLES).contains("VAULT_TOKEN");
  }
}
