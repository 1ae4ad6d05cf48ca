package io.secretsstore.vault;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeSet;

/**
 * A store answer as the store sent it: {@code request_id}, {@code lease_id}, {@code
 * lease_duration}, {@code renewable}, {@code data}, {@code warnings}, {@code auth}, {@code
 * wrap_info}, {@code mount_type} (whichever it had). Callers that must hand on the whole answer
 * (the upstream vault provider writes it for an object without {@code secretKey}) use this; {@link
 * #toString()} lists the top-level keys only, never a value.
 */
public record StoreResponse(Map<String, Object> body) {

  public StoreResponse {
    // Values may be null (e.g. "auth": null): no Map.copyOf.
    body = Collections.unmodifiableMap(new LinkedHashMap<>(body));
  }

  /** The {@code data} section, or an empty map. */
  @SuppressWarnings("unchecked")
  public Map<String, Object> data() {
    return body.get("data") instanceof Map<?, ?> data ? (Map<String, Object>) data : Map.of();
  }

  @Override
  public String toString() {
    return "StoreResponse[keys=" + new TreeSet<>(body.keySet()) + "]";
  }
}
