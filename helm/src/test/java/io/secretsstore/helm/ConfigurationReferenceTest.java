package io.secretsstore.helm;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** docs/configuration.md is generated from the schema; this fails when it drifts. */
class ConfigurationReferenceTest {

  @Test
  void referenceMatchesTheSchema() throws Exception {
    String expected = ConfigurationReference.generate(Helm.chartDir());
    Path doc = Helm.projectRoot().resolve("docs/configuration.md");
    if (Boolean.getBoolean("docs.update")) {
      Files.writeString(doc, expected);
    }
    assertThat(doc).as("run the command in the file's header to regenerate it").exists();
    assertThat(Files.readString(doc)).isEqualTo(expected);
    // Every setting of the module is in it.
    assertThat(expected)
        .contains(
            "`connectionConfiguration`",
            "`connection.url`",
            "`connection.caCert`",
            "`connection.authPath`",
            "`connection.namespace`",
            "`tokenAudience`");
  }
}
