package io.secretsstore.provider.mount;

import io.secretsstore.vault.StoreResponse;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * JSON as the upstream vault provider (Go) writes it for an object without {@code secretKey}: Go's
 * {@code json.Marshal} of the Vault API client's {@code Secret}. Fields in the struct's order
 * ({@code request_id}, {@code lease_id}, {@code lease_duration}, {@code renewable}, {@code data},
 * {@code warnings}, then {@code auth}, {@code wrap_info}, {@code mount_type} only when set), map
 * keys sorted, no spaces, and Go's string escaping ({@code <}, {@code >}, {@code &}, U+2028 and
 * U+2029 as {@code \\u....}). Files written by the upstream provider and by ours are then equal
 * byte for byte, so applications that parse them keep working.
 */
final class UpstreamJson {

  private UpstreamJson() {}

  static String response(StoreResponse response) {
    Map<String, Object> body = response.body();
    StringBuilder out = new StringBuilder("{");
    field(out, "request_id", text(body.get("request_id")));
    out.append(',');
    field(out, "lease_id", text(body.get("lease_id")));
    out.append(',');
    field(out, "lease_duration", body.get("lease_duration") instanceof Number n ? n : 0);
    out.append(',');
    field(out, "renewable", Boolean.TRUE.equals(body.get("renewable")));
    out.append(',');
    field(out, "data", body.get("data"));
    out.append(',');
    field(out, "warnings", body.get("warnings"));
    for (String omitEmpty : List.of("auth", "wrap_info")) {
      if (body.get(omitEmpty) != null) {
        out.append(',');
        field(out, omitEmpty, body.get(omitEmpty));
      }
    }
    if (body.get("mount_type") instanceof String type && !type.isEmpty()) {
      out.append(',');
      field(out, "mount_type", type);
    }
    return out.append('}').toString();
  }

  private static String text(Object value) {
    return value instanceof String s ? s : "";
  }

  private static void field(StringBuilder out, String name, Object value) {
    string(out, name);
    out.append(':');
    value(out, value);
  }

  static void value(StringBuilder out, Object value) {
    switch (value) {
      case null -> out.append("null");
      case String s -> string(out, s);
      case Boolean b -> out.append(b);
      case Number n -> out.append(n);
      case Map<?, ?> map -> {
        out.append('{');
        boolean first = true;
        for (var entry : new TreeMap<>(stringKeys(map)).entrySet()) {
          if (!first) {
            out.append(',');
          }
          first = false;
          field(out, entry.getKey(), entry.getValue());
        }
        out.append('}');
      }
      case List<?> list -> {
        out.append('[');
        for (int i = 0; i < list.size(); i++) {
          if (i > 0) {
            out.append(',');
          }
          value(out, list.get(i));
        }
        out.append(']');
      }
      default -> string(out, value.toString());
    }
  }

  private static Map<String, Object> stringKeys(Map<?, ?> map) {
    Map<String, Object> keys = new TreeMap<>();
    map.forEach((k, v) -> keys.put(String.valueOf(k), v));
    return keys;
  }

  /** Go's encoding/json string escaping (HTML-safe). */
  static void string(StringBuilder out, String s) {
    out.append('"');
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '"' -> out.append("\\\"");
        case '\\' -> out.append("\\\\");
        case '\b' -> out.append("\\b");
        case '\f' -> out.append("\\f");
        case '\n' -> out.append("\\n");
        case '\r' -> out.append("\\r");
        case '\t' -> out.append("\\t");
        case '<', '>', '&', '\u2028', '\u2029' -> out.append(String.format("\\u%04x", (int) c));
        default -> {
          if (c < 0x20) {
            out.append(String.format("\\u%04x", (int) c));
          } else {
            out.append(c);
          }
        }
      }
    }
    out.append('"');
  }
}
