package io.secretsstore.injector.resolve;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.secretsstore.injector.config.InjectorConfig;
import io.secretsstore.injector.log.InjectorLog;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Malformed references stop the start before any store request, naming variable and problem. */
class EnvironmentResolverTest {

  @ParameterizedTest
  @CsvSource(
      delimiter = '~',
      quoteCharacter = '`',
      value = {
        "secrets-store:~nothing after 'secrets-store:'",
        "secrets-store:secret/data/x~missing '#<key>' after the path 'secret/data/x'",
        "secrets-store:#key~the path is empty",
        "secrets-store:/secret/x#k~the path must not start with '/'",
        "secrets-store:secret/../sys#k~the path must not contain a '..' segment",
        "secrets-store:sec ret#k~the path contains whitespace or a control character",
        "secrets-store:a#~the key after '#' is empty",
        "secrets-store:a#b#x1~the version 'x1' is not a positive whole number",
        "secrets-store:a#b#0~the version '0' must be a positive whole number without leading zeros",
        "secrets-store:a#b#1#2~too many '#'",
        "secrets-store:a#${.x~'${' is not closed by '}' in the template",
        "secrets-store:a#${.x | shout}~unknown function 'shout'",
        "secrets-store:a#${.x | default}~function 'default' takes 1 argument, got 0",
        "prefix ${secrets-store:a}~missing '#<key>'",
        ">>secrets-store:a#k#[1]~",
      })
  void eachMalformedReferenceIsNamedWithItsProblem(String value, String problem) {
    ByteArrayOutputStream stderr = new ByteArrayOutputStream();
    InjectorConfig config = config();
    InjectorLog log = new InjectorLog(InjectorLog.Level.DEBUG, false, new PrintStream(stderr));
    EnvironmentResolver resolver =
        new EnvironmentResolver(config, log, new StoreSession(config, log), Path.of("/tmp"));

    ResolutionException refused =
        catchThrowableOfType(
            ResolutionException.class,
            () -> resolver.resolve(Map.of("MY_VAR", value, "OTHER", "plain"), true));

    assertThat(refused.getMessage())
        .startsWith("variable MY_VAR: malformed secrets-store reference: ")
        .contains(problem == null ? "" : problem);
  }

  private static InjectorConfig config() {
    try {
      return InjectorConfig.fromEnvironment(
          Map.of(
              "VAULT_ADDR", "http://127.0.0.1:9",
              "VAULT_ROLE", "app",
              "VAULT_TOKEN_PATH", "/nonexistent"));
    } catch (InjectorConfig.InvalidConfigException e) {
      throw new IllegalStateException(e);
    }
  }
}
