package io.secretsstore.injector.resolve;

import tools.jackson.databind.json.JsonMapper;

/** Secret values as environment text: strings as they are, anything else as JSON. */
final class Values {

  private static final JsonMapper JSON = JsonMapper.builder().build();

  private Values() {}

  static String text(Object value) {
    return value instanceof String text ? text : JSON.writeValueAsString(value);
  }

  static java.util.Map<String, Object> jsonObject(String text) {
    @SuppressWarnings("unchecked")
    java.util.Map<String, Object> object = JSON.readValue(text, java.util.Map.class);
    return object;
  }
}
