package io.secretsstore.injector.resolve;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.secretsstore.injector.config.InjectorConfig;
import io.secretsstore.injector.process.RawText;
import io.secretsstore.model.reference.ParsedValue;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** Everything that can be wrong without the store is found before the login. */
class ResolutionPlanTest {

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
    ResolutionException refused =
        catchThrowableOfType(
            ResolutionException.class,
            () -> ResolutionPlan.of(Map.of("MY_VAR", value, "OTHER", "plain"), config("")));
    assertThat(refused.getMessage())
        .startsWith("variable MY_VAR: malformed secrets-store reference: ")
        .contains(problem == null ? "" : problem);
  }

  /** Item 6 of issue 16: auth/token/lookup-self#id would hand the application our token. */
  @ParameterizedTest
  @ValueSource(
      strings = {
        "secrets-store:auth/token/lookup-self#id",
        "secrets-store:sys/mounts#data",
        "prefix-${secrets-store:auth/token/lookup-self#id}",
        "secrets-store:auth/token/lookup-self#${.id}",
        ">>secrets-store:auth/token/create#client_token",
        ">>secrets-store:sys/wrapping/wrap#token#{}",
        "secrets-store:team-a/auth/token/lookup-self#id"
      })
  void authAndSysPathsAreRefusedBeforeAnyRequest(String value) {
    ResolutionException refused =
        catchThrowableOfType(
            ResolutionException.class, () -> ResolutionPlan.of(Map.of("T", value), config("")));
    assertThat(refused.getMessage())
        .startsWith("variable T: the path ")
        .contains(
            "is refused: references may not read or write auth/ or sys/ paths, nor auth/token");
  }

  @Test
  void envFromPathIsCheckedToo() {
    ResolutionException refused =
        catchThrowableOfType(
            ResolutionException.class,
            () -> ResolutionPlan.of(Map.of(), config("secret/data/app,sys/config/cors")));
    assertThat(refused.getMessage()).startsWith("VAULT_ENV_FROM_PATH: the path sys/config/cors");
    ResolutionException malformed =
        catchThrowableOfType(
            ResolutionException.class, () -> ResolutionPlan.of(Map.of(), config("a,,b#x")));
    assertThat(malformed.getMessage()).startsWith("VAULT_ENV_FROM_PATH is malformed: ");
  }

  @Test
  void kvSecretsNamedAuthOrSysAreNotRefused() throws Exception {
    ResolutionPlan plan =
        ResolutionPlan.of(
            Map.of("A", "secrets-store:secret/data/auth#k", "S", "secrets-store:kv/sys#k"),
            config(""));
    assertThat(plan.entries()).hasSize(2);
  }

  @Test
  void everyProblemIsReportedAtOnceOnOneLine() {
    Map<String, String> env = new LinkedHashMap<>();
    env.put("A", "secrets-store:x");
    env.put("B", "secrets-store:sys/x#k");
    ResolutionException refused =
        catchThrowableOfType(ResolutionException.class, () -> ResolutionPlan.of(env, config("")));
    assertThat(refused.getMessage())
        .contains("variable A: ")
        .contains("variable B: ")
        .doesNotContain("\n");
  }

  @Test
  void invalidUtf8PassesAsPlainTextButNotAsAReference() throws Exception {
    String odd = RawText.decode(new byte[] {'h', (byte) 0xE9, 'l', (byte) 0xFF});
    ResolutionPlan plan = ResolutionPlan.of(Map.of("ODD", odd, "VAULT_ADDR", "x"), config(""));
    assertThat(plan.entries()).containsOnlyKeys("ODD");
    assertThat(((ParsedValue.PlainValue) plan.entries().get("ODD")).value()).isEqualTo(odd);
    assertThat(plan.needsNoStore()).isTrue();

    String reference =
        RawText.decode(
            new byte[] {
              's',
              'e',
              'c',
              'r',
              'e',
              't',
              's',
              '-',
              's',
              't',
              'o',
              'r',
              'e',
              ':',
              'a',
              '#',
              (byte) 0xE9
            });
    ResolutionException refused =
        catchThrowableOfType(
            ResolutionException.class, () -> ResolutionPlan.of(Map.of("R", reference), config("")));
    assertThat(refused.getMessage())
        .contains("variable R: a secrets-store reference that is not valid UTF-8");
  }

  private static InjectorConfig config(String envFromPath) {
    try {
      return InjectorConfig.fromEnvironment(
          Map.of(
              "VAULT_ADDR", "http://127.0.0.1:9",
              "VAULT_ROLE", "app",
              "VAULT_ENV_FROM_PATH", envFromPath,
              "VAULT_TOKEN_PATH", "/nonexistent"));
    } catch (InjectorConfig.InvalidConfigException e) {
      throw new IllegalStateException(e);
    }
  }
}
