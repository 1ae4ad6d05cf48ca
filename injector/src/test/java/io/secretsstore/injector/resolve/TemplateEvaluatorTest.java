package io.secretsstore.injector.resolve;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.secretsstore.model.reference.ParsedValue;
import io.secretsstore.model.reference.ReferenceParser;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TemplateEvaluatorTest {

  @TempDir Path dir;

  static final Map<String, Object> DATA =
      Map.of(
          "user", " Admin ",
          "b64", "aGVsbG8=",
          "quoted", "say \"hi\"",
          "nested", Map.of("port", 5432),
          "empty", "");

  String eval(String template) throws Exception {
    var parsed =
        (ParsedValue.TemplateReference) ReferenceParser.parse("secrets-store:p/s#" + template);
    return new TemplateEvaluator(SecretFiles.under(dir)).evaluate("VAR", parsed.template(), DATA);
  }

  @Test
  void fieldsLiteralsAndEveryFunction() throws Exception {
    assertThat(eval("${.user | trim | lower}")).isEqualTo("admin");
    assertThat(eval("${.user | trim | upper}")).isEqualTo("ADMIN");
    assertThat(eval("${.b64 | base64decode}")).isEqualTo("hello");
    assertThat(eval("${\"hello\" | base64encode}")).isEqualTo("aGVsbG8=");
    assertThat(eval("${.quoted | quote}")).isEqualTo("\"say \\\"hi\\\"\"");
    assertThat(eval("${.nested.port}")).isEqualTo("5432");
    assertThat(eval("${.nested}")).isEqualTo("{\"port\":5432}");
    assertThat(eval("${.empty | default \"none\"}")).isEqualTo("none");
    assertThat(eval("${.absent | default \"none\"}")).isEqualTo("none");
    assertThat(eval("host=${.nested.port}; $${literal}")).isEqualTo("host=5432; ${literal}");
  }

  @Test
  void fileWritesTheValueOwnerOnlyAndYieldsItsPath() throws Exception {
    Path file = Path.of(eval("${.b64 | base64decode | file}"));
    assertThat(file.getParent().getParent()).isEqualTo(dir);
    assertThat(file.getFileName().toString()).isEqualTo("VAR");
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file.getParent())))
        .isEqualTo("rwx------");
    assertThat(Files.readString(file)).isEqualTo("hello");
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file)))
        .isEqualTo("rw-------");
  }

  @Test
  void missingFieldsAndBadBase64AreErrorsThatNameTheField() {
    assertThatThrownBy(() -> eval("${.absent}"))
        .isInstanceOf(TemplateEvaluator.TemplateException.class)
        .hasMessage("the secret has no field absent");
    assertThatThrownBy(() -> eval("${.user | base64decode}"))
        .hasMessage("base64decode: the value is not Base64");
  }
}
