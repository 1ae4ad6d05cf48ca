package io.secretsstore.injector.resolve;

import io.secretsstore.injector.store.Json;
import java.util.Map;

/** Secret values as environment text: strings as they are, anything else as JSON. */
final class Values {

  private Values() {}

  static String text(Object value) {
    return value instanceof String text ? text : Json.write(value);
  }

  /** The JSON object of a {@code >>} reference's body (the grammar checked its syntax). */
  static Map<String, Object> jsonObject(String text) throws ResolutionException {
    try {
      return Json.parseObject(text);
    } catch (Json.JsonException e) {
      throw new ResolutionException("the JSON body is not a JSON object: " + e.getMessage());
    }
  }
}
