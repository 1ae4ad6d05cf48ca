package io.secretsstore.vault;

import io.secretsstore.vault.error.SecretNotFoundException;
import io.secretsstore.vault.error.StoreErrorKind;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.TreeSet;

/**
 * A secret read from a KV engine (v1 or v2).
 *
 * <p>{@link #toString()} lists the keys only, never the values, so a {@code KvSecret} can appear in
 * a log line by accident without leaking anything.
 *
 * @param storeAddress the store it came from (for error messages)
 * @param path the API path as the user wrote it, e.g. {@code secret/data/myapp}
 * @param engineVersion 1 or 2
 * @param data the key/value pairs; values are strings or, for structured secrets, JSON-like maps,
 *     lists, numbers and booleans
 * @param version the KV v2 version that was read; empty for KV v1
 * @param createdTime when the KV v2 version was created; empty for KV v1
 * @param leaseDuration the lease duration the store returned (KV v1 may return a refresh interval)
 */
public record KvSecret(
    String storeAddress,
    String path,
    int engineVersion,
    Map<String, Object> data,
    OptionalInt version,
    Optional<Instant> createdTime,
    Duration leaseDuration) {

  public KvSecret {
    data = Map.copyOf(data);
  }

  /** The value for {@code key}, if the secret has it. */
  public Optional<Object> value(String key) {
    return Optional.ofNullable(data.get(key));
  }

  /**
   * The value for {@code key}.
   *
   * @throws SecretNotFoundException with kind {@link StoreErrorKind#KEY_NOT_FOUND} naming the key
   *     and the keys that do exist (key names are not secret; values never appear)
   */
  public Object requireValue(String key) {
    Object value = data.get(key);
    if (value == null) {
      throw new SecretNotFoundException(
          StoreErrorKind.KEY_NOT_FOUND,
          storeAddress,
          path,
          OptionalInt.empty(),
          "no key '" + key + "'; the secret has keys " + new TreeSet<>(data.keySet()));
    }
    return value;
  }

  @Override
  public String toString() {
    return "KvSecret[path="
        + path
        + ", kv=v"
        + engineVersion
        + version.stream().mapToObj(v -> ", version=" + v).findFirst().orElse("")
        + ", keys="
        + new TreeSet<>(data.keySet())
        + "]";
  }
}
