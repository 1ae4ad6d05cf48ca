package io.secretsstore.model.reference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.secretsstore.model.reference.ParsedValue.InlineValue;
import io.secretsstore.model.reference.ParsedValue.PlainValue;
import io.secretsstore.model.reference.ParsedValue.SecretReference;
import io.secretsstore.model.reference.ParsedValue.TemplateReference;
import io.secretsstore.model.reference.ParsedValue.WriteReference;
import io.secretsstore.model.reference.Template.Action;
import io.secretsstore.model.reference.Template.Field;
import io.secretsstore.model.reference.Template.FunctionCall;
import io.secretsstore.model.reference.Template.StringLiteral;
import io.secretsstore.model.reference.Template.Text;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ReferenceParserTest {

  @Test
  void seedExamples() {
    assertThat(ReferenceParser.parse("secrets-store:secret/data/myapp#mypassword"))
        .isEqualTo(new SecretReference("secret/data/myapp", "mypassword", OptionalInt.empty()));
    assertThat(ReferenceParser.parse("secrets-store:secret/data/myapp#mypassword#4"))
        .isEqualTo(new SecretReference("secret/data/myapp", "mypassword", OptionalInt.of(4)));
    assertThat(ReferenceParser.parse("secrets-store:secret/data/myapp#DB_USER").locations())
        .containsExactly(new SecretLocation("secret/data/myapp", OptionalInt.empty()));
  }

  @Test
  void plainValuesPassThrough() {
    for (String plain :
        List.of(
            "",
            "hello",
            "xsecrets-store:a#b",
            "secrets-store",
            "${HOME}",
            "a#b",
            "$",
            "${secrets-store")) {
      assertThat(ReferenceParser.parse(plain)).isEqualTo(new PlainValue(plain));
      assertThat(ReferenceParser.looksLikeReference(plain)).isFalse();
    }
  }

  @Test
  void templates() {
    TemplateReference reference =
        (TemplateReference)
            ReferenceParser.parse(
                "secrets-store:kv/data/db#postgresql://${.username}:${.password}@${.host}/app");
    assertThat(reference.path()).isEqualTo("kv/data/db");
    assertThat(reference.version()).isEmpty();
    assertThat(reference.template().parts())
        .containsExactly(
            new Text("postgresql://"),
            new Action(new Field(List.of("username")), List.of()),
            new Text(":"),
            new Action(new Field(List.of("password")), List.of()),
            new Text("@"),
            new Action(new Field(List.of("host")), List.of()),
            new Text("/app"));
  }

  @Test
  void templateFunctionsVersionsAndEscapes() {
    TemplateReference reference =
        (TemplateReference)
            ReferenceParser.parse(
                "secrets-store:kv/data/tls#${ .cert.pem | base64decode | trim }#a$${x}#${ .user-name | default \"guest\" | upper }#12");
    assertThat(reference.version()).hasValue(12);
    assertThat(reference.template().parts())
        .containsExactly(
            new Action(
                new Field(List.of("cert", "pem")),
                List.of(
                    new FunctionCall(TemplateFunction.BASE64DECODE, List.of()),
                    new FunctionCall(TemplateFunction.TRIM, List.of()))),
            new Text("#a${x}#"),
            new Action(
                new Field(List.of("user-name")),
                List.of(
                    new FunctionCall(TemplateFunction.DEFAULT, List.of("guest")),
                    new FunctionCall(TemplateFunction.UPPER, List.of()))));

    TemplateReference whole =
        (TemplateReference) ReferenceParser.parse("secrets-store:a/b#${.|quote}");
    assertThat(whole.template().parts())
        .containsExactly(
            new Action(
                new Field(List.of()),
                List.of(new FunctionCall(TemplateFunction.QUOTE, List.of()))));
    TemplateReference literal =
        (TemplateReference) ReferenceParser.parse("secrets-store:a/b#${\"x \\\"y\\\"\" | file}");
    assertThat(((Action) literal.template().parts().getFirst()).operand())
        .isEqualTo(new StringLiteral("x \"y\""));
  }

  @Test
  void writes() {
    assertThat(ReferenceParser.parse(">>secrets-store:pki/issue/web#certificate"))
        .isEqualTo(new WriteReference("pki/issue/web", "certificate", Optional.empty()));
    WriteReference write =
        (WriteReference)
            ReferenceParser.parse(
                ">>secrets-store:pki/issue/web#certificate#{\"common_name\":\"a#b.example.com\",\"ttl\":3600,\"alt\":[true,null,-1.5e3]}");
    assertThat(write.jsonBody())
        .contains("{\"common_name\":\"a#b.example.com\",\"ttl\":3600,\"alt\":[true,null,-1.5e3]}");
    assertThat(write.locations()).isEmpty();
    assertThat(ReferenceParser.looksLikeReference(">>secrets-store:x")).isTrue();
  }

  @Test
  void inlineReferences() {
    InlineValue inline =
        (InlineValue)
            ReferenceParser.parse(
                "jdbc:postgresql://db/app?user=${secrets-store:kv/data/db#user}&password=${secrets-store:kv/data/db#password#2}&x=${HOME}");
    assertThat(inline.segments())
        .containsExactly(
            new InlineValue.Literal("jdbc:postgresql://db/app?user="),
            new SecretReference("kv/data/db", "user", OptionalInt.empty()),
            new InlineValue.Literal("&password="),
            new SecretReference("kv/data/db", "password", OptionalInt.of(2)),
            new InlineValue.Literal("&x=${HOME}"));
    assertThat(inline.locations())
        .containsExactly(
            new SecretLocation("kv/data/db", OptionalInt.empty()),
            new SecretLocation("kv/data/db", OptionalInt.of(2)));
    assertThat(ReferenceParser.parse("${secrets-store:a#b}${secrets-store:a#b}").locations())
        .hasSize(1);
    assertThat(ReferenceParser.parse("cost: $${secrets-store:a#b}"))
        .isEqualTo(new PlainValue("cost: ${secrets-store:a#b}"));
  }

  @Test
  void envFromPathLists() {
    assertThat(EnvFromPathList.parse(" secret/data/a , secret/data/b#3,kv/c "))
        .containsExactly(
            new SecretLocation("secret/data/a", OptionalInt.empty()),
            new SecretLocation("secret/data/b", OptionalInt.of(3)),
            new SecretLocation("kv/c", OptionalInt.empty()));
    assertThat(EnvFromPathList.parse("  ")).isEmpty();
    assertThat(EnvFromPathList.parse(null)).isEmpty();
  }

  /** One row per error message: the input, the message start, the position. */
  @ParameterizedTest(name = "{0}")
  @CsvSource(
      delimiter = '~',
      quoteCharacter = '`',
      value = {
        "secrets-store:~nothing after 'secrets-store:'; expected secrets-store:<path>#<key>[#<version>]~14",
        "secrets-store:secret/data/x~missing '#<key>' after the path 'secret/data/x'~27",
        "secrets-store:#key~the path is empty~14",
        "secrets-store:/secret/x#k~the path must not start with '/'~14",
        "secrets-store:secret/x/#k~the path must not end with '/'~22",
        "secrets-store:secret//x#k~the path contains an empty segment '//'~21",
        "secrets-store:secret/../sys#k~the path must not contain a '..' segment~21",
        "secrets-store:secret/./x#k~the path must not contain a '.' segment~21",
        "secrets-store:sec ret#k~the path contains whitespace or a control character~17",
        "secrets-store:sec?ret#k~the path contains the character '?'~17",
        "secrets-store:a#~the key after '#' is empty~16",
        "secrets-store:a#b c~the key contains whitespace or a control character~17",
        "secrets-store:a#b#~the version after the last '#' is empty~18",
        "secrets-store:a#b#x1~the version 'x1' is not a positive whole number~18",
        "secrets-store:a#b#-1~the version '-1' is not a positive whole number~18",
        "secrets-store:a#b#0~the version '0' must be a positive whole number without leading zeros~18",
        "secrets-store:a#b#007~the version '007' must be a positive whole number without leading zeros~18",
        "secrets-store:a#b#99999999999~the version '99999999999' is too large~18",
        "secrets-store:a#b#1#2~too many '#'~19",
        "secrets-store:a#${.x~'${' is not closed by '}' in the template~16",
        "secrets-store:a#${}~empty '${}' in the template~16",
        "secrets-store:a#${ }~empty '${}' in the template~16",
        "secrets-store:a#${x}~expected a field like .password (or . for all data) or a \"string\", found 'x'~18",
        "secrets-store:a#${.a..b}~expected a field like .password (or . for all data) or a \"string\", found '.a..b'~18",
        "secrets-store:a#${.x.}~expected a field like .password (or . for all data) or a \"string\", found '.x.'~18",
        "secrets-store:a#${.x | shout}~unknown function 'shout' (known: base64decode, base64encode, default, file, lower, quote, trim, upper)~23",
        "secrets-store:a#${.x |}~expected a function name after '|'~21",
        "secrets-store:a#${.x | | upper}~expected a function name after '|'~21",
        "secrets-store:a#${.x | \"upper\"}~expected a function name after '|' but found a string~23",
        "secrets-store:a#${.x upper}~expected '|' before 'upper' (functions are applied with '| name')~21",
        "secrets-store:a#${.x | default}~function 'default' takes 1 argument, got 0~23",
        "secrets-store:a#${.x | upper \"y\"}~function 'upper' takes 0 arguments, got 1~23",
        "secrets-store:a#${.x | default y}~function arguments must be double-quoted strings, found 'y'~31",
        "secrets-store:a#${\"abc}~unterminated string in '${...}'~18",
        "secrets-store:a#${\"a\\qb\"}~unknown escape '\\q' in a string (use \\\" \\\\ \\n or \\t)~20",
        "secrets-store:a#${.x {}~unexpected '{' inside '${...}'~21",
        "secrets-store:a#x$${y}~the template has no ${...} action (only escaped '$${' text)~22",
        ">>secrets-store:~nothing after '>>secrets-store:'~16",
        ">>secrets-store:pki/issue~missing '#<key>' after the path 'pki/issue'~25",
        ">>secrets-store:pki/issue#~the key after '#' is empty~26",
        ">>secrets-store:pki/issue#cert#~empty write body after '#'; give a JSON object or leave out the '#'~31",
        ">>secrets-store:p#k#[1]~the write body must be a JSON object starting with '{'~20",
        ">>secrets-store:p#k#{\"a\":1}x~unexpected text after the JSON object~27",
        ">>secrets-store:p#k#{\"a\" 1}~expected ':' after a member name in the JSON body~25",
        ">>secrets-store:p#k#{a:1}~expected a quoted member name in the JSON body~21",
        ">>secrets-store:p#k#{\"a\":1~expected ',' or '}' in the JSON body~26",
        ">>secrets-store:p#k#{\"a\":[1 2]}~expected ',' or ']' in the JSON body~28",
        ">>secrets-store:p#k#{\"a\":tru}~invalid JSON value~25",
        ">>secrets-store:p#k#{\"a\":01}~expected ',' or '}' in the JSON body~26",
        ">>secrets-store:p#k#{\"a\":1.}~invalid JSON number~27",
        ">>secrets-store:p#k#{\"a\":\"x~unterminated JSON string~27",
        ">>secrets-store:p#k#{\"a\":\"\\x\"}~invalid escape in a JSON string~27",
        ">>secrets-store:p#k#{\"a\":\"\\u12g4\"}~invalid \\u escape in a JSON string~30",
        ">>secrets-store:p#k#{\"a\":~the JSON body ends too early~25",
        "a=${secrets-store:x#y~'${secrets-store:' is not closed by '}'~2",
        "a=${secrets-store:x}~missing '#<key>' after the path 'x'~19",
        "a=${secrets-store:}~nothing after 'secrets-store:'; expected secrets-store:<path>#<key>[#<version>]~18",
        "a=${secrets-store:x#${.y}}~a template cannot be used inside ${secrets-store:...}~20",
        "a=${secrets-store:x#k#v}~the version 'v' is not a positive whole number~22",
      })
  void everyMalformedReferenceHasAPreciseMessage(String input, String message, int position) {
    assertThatThrownBy(() -> ReferenceParser.parse(input))
        .isInstanceOfSatisfying(
            ReferenceSyntaxException.class,
            e -> {
              assertThat(e.problem()).startsWith(message);
              assertThat(e.position()).isEqualTo(position);
              assertThat(e.getMessage()).endsWith("(at position " + position + ")");
            });
    assertThat(ReferenceParser.looksLikeReference(input)).isTrue();
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(
      delimiter = '~',
      quoteCharacter = '`',
      value = {
        "a,,b~empty entry in the path list (expected path[#version] separated by commas)~2",
        "a,~empty entry in the path list (expected path[#version] separated by commas)~2",
        "a#1#2~too many '#' in a path list entry (expected path[#version])~3",
        "a#x~the version 'x' is not a positive whole number~2",
        "/a~the path must not start with '/'~0",
        "a/../b~the path must not contain a '..' segment~2",
      })
  void envFromPathErrors(String input, String message, int position) {
    assertThatThrownBy(() -> EnvFromPathList.parse(input))
        .isInstanceOfSatisfying(
            ReferenceSyntaxException.class,
            e -> {
              assertThat(e.problem()).startsWith(message);
              assertThat(e.position()).isEqualTo(position);
            });
  }

  @Test
  void nullIsAnError() {
    assertThatThrownBy(() -> ReferenceParser.parse(null))
        .isInstanceOf(ReferenceSyntaxException.class)
        .hasMessage("the value is missing (at position 0)");
  }
}
