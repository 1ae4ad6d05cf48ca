package io.secretsstore.injector.log;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.json.JsonMapper;

class InjectorLogTest {

  @Test
  void jsonLinesAreValidJsonAndLevelsFilter() throws Exception {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    InjectorLog log =
        new InjectorLog(
            InjectorLog.Level.WARN, true, new PrintStream(bytes, true, StandardCharsets.UTF_8));
    log.info("hidden");
    log.warn("a \"quoted\"\nmulti-line\tmessage\u0001");
    String[] lines = bytes.toString(StandardCharsets.UTF_8).split("\n");
    assertThat(lines).hasSize(1);
    var node = JsonMapper.builder().build().readTree(lines[0]);
    assertThat(node.get("level").asString()).isEqualTo("warn");
    assertThat(node.get("msg").asString()).isEqualTo("a \"quoted\"\nmulti-line\tmessage\u0001");
  }

  @Test
  void levelsParseFromTheUsualNames() {
    assertThat(InjectorLog.Level.parse("WARNING")).isEqualTo(InjectorLog.Level.WARN);
    assertThat(InjectorLog.Level.parse("trace")).isEqualTo(InjectorLog.Level.DEBUG);
  }
}
