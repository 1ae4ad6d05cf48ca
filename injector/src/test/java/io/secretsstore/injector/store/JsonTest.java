package io.secretsstore.injector.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class JsonTest {

  @Test
  void readsWhatTheStoreAnswers() throws Exception {
    Map<String, Object> answer =
        Json.parseObject(
            """
            {"request_id":"r","lease_id":"","renewable":false,"lease_duration":0,
             "data":{"data":{"password":"p\\u00e9\\"\\n","port":5432,"ratio":1.5e3,"tls":true,
             "none":null,"list":[1,"two",{"x":[]}]},"metadata":{"version":3,
             "created_time":"2025-01-01T00:00:00Z"}},"wrap_info":null,"warnings":null}
            """);
    @SuppressWarnings("unchecked")
    Map<String, Object> data =
        (Map<String, Object>) ((Map<String, Object>) answer.get("data")).get("data");
    assertThat(data.get("password")).isEqualTo("p\u00e9\"\n");
    assertThat(data.get("port")).isEqualTo(new Json.Number("5432"));
    assertThat(data.get("ratio")).hasToString("1.5e3");
    assertThat(data.get("tls")).isEqualTo(Boolean.TRUE);
    assertThat(data.get("none")).isSameAs(Json.NULL);
    assertThat(data.get("list"))
        .isEqualTo(List.of(new Json.Number("1"), "two", Map.of("x", List.of())));
    assertThat(answer.get("wrap_info")).isSameAs(Json.NULL);
  }

  @Test
  void writesCompactJsonThatReadsBackTheSame() throws Exception {
    String text = "{\"a\":[1,2.50,{\"b\":null}],\"c\":\"tab\\t\\u0001\",\"d\":false}";
    assertThat(Json.write(Json.parse(text))).isEqualTo(text);
    assertThat(Json.write(Map.of("increment", 30L))).isEqualTo("{\"increment\":30}");
  }

  @Test
  void malformedOrHostileTextIsAnErrorThatShowsNoContent() {
    for (String bad :
        List.of(
            "",
            "{",
            "{\"a\":}",
            "[1,]",
            "{\"a\" 1}",
            "\"\\x\"",
            "01",
            "1.",
            "-",
            "tru",
            "{\"a\":1} x",
            "\"a\u0001\"",
            "[".repeat(100) + "]".repeat(100))) {
      assertThatThrownBy(() -> Json.parse(bad))
          .as(bad)
          .isInstanceOf(Json.JsonException.class)
          .hasMessageStartingWith("invalid JSON at offset ");
    }
    assertThatThrownBy(() -> Json.parseObject("[1]")).hasMessage("not a JSON object");
  }
}
