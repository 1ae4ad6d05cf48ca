package io.secretsstore.provider.mount;

import static org.assertj.core.api.Assertions.assertThat;

import io.secretsstore.vault.StoreResponse;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class UpstreamJsonTest {

  /**
   * The upstream vault provider's own expectation (internal/provider/provider_test.go, object
   * "object-two" without secretKey, the mock store answering {@code {"data":{"the-key":...}}}).
   */
  @Test
  void theWholeAnswerIsWrittenByteForByteAsTheUpstreamProviderWritesIt() {
    StoreResponse answer =
        new StoreResponse(Map.of("data", Map.of("the-key", "secret v1 from: /v1/path/two")));
    assertThat(UpstreamJson.response(answer))
        .isEqualTo(
            "{\"request_id\":\"\",\"lease_id\":\"\",\"lease_duration\":0,\"renewable\":false,"
                + "\"data\":{\"the-key\":\"secret v1 from: /v1/path/two\"},\"warnings\":null}");
  }

  @Test
  void structFieldOrderSortedMapKeysAndGoEscaping() {
    Map<String, Object> data = new LinkedHashMap<>();
    data.put("z", List.of(1, true, "<a&b>"));
    data.put("a", "line\nbreak\t\"q\" \\ \u2028\u0001");
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("mount_type", "kv");
    body.put("warnings", List.of("w"));
    body.put("auth", null);
    body.put("data", Map.of("data", data, "metadata", Map.of("version", 3)));
    body.put("renewable", true);
    body.put("lease_duration", 60);
    body.put("lease_id", "kv/x/abc");
    body.put("request_id", "r-1");
    assertThat(UpstreamJson.response(new StoreResponse(body)))
        .isEqualTo(
            "{\"request_id\":\"r-1\",\"lease_id\":\"kv/x/abc\",\"lease_duration\":60,"
                + "\"renewable\":true,\"data\":{\"data\":{\"a\":\"line\\nbreak\\t\\\"q\\\" \\\\"
                + " \\u2028\\u0001\",\"z\":[1,true,\"\\u003ca\\u0026b\\u003e\"]},"
                + "\"metadata\":{\"version\":3}},\"warnings\":[\"w\"],\"mount_type\":\"kv\"}");
  }
}
