package io.secretsstore.vault;

import io.secretsstore.vault.error.SecretNotFoundException;
import io.secretsstore.vault.error.StoreErrorKind;
import io.secretsstore.vault.error.StoreException;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import org.springframework.vault.support.VaultResponse;

/**
 * Reads a KV answer: KV v2 ({@code data.data} plus {@code data.metadata} with {@code version} and
 * {@code created_time}) or KV v1 (anything else), with the version asked for checked against it.
 */
final class KvResponses {

  private KvResponses() {}

  /** The parts of an answer {@link #toKvSecret} looks at. */
  @SuppressWarnings("unchecked")
  private static VaultResponse vaultResponse(Map<String, Object> body) {
    if (body == null) {
      return null;
    }
    VaultResponse response = new VaultResponse();
    if (body.get("data") instanceof Map<?, ?> data) {
      response.setData((Map<String, Object>) data);
    }
    response.setLeaseDuration(asLong(body.get("lease_duration")));
    return response;
  }

  static KvSecret toKvSecret(
      String address, String path, OptionalInt requestedVersion, Map<String, Object> body) {
    VaultResponse response = vaultResponse(body);
    if (response == null || response.getData() == null) {
      throw new SecretNotFoundException(
          StoreErrorKind.NOT_FOUND, address, path, OptionalInt.empty(), "the answer has no data");
    }
    Map<String, Object> data = response.getData();
    Duration lease = Duration.ofSeconds(response.getLeaseDuration());
    Optional<Map<String, Object>> v2Metadata = kvV2Metadata(data);
    if (v2Metadata.isEmpty()) {
      if (requestedVersion.isPresent()) {
        throw new StoreException(
            StoreErrorKind.BAD_REQUEST,
            address,
            path,
            OptionalInt.empty(),
            "a version was requested, but this is a KV v1 secret (versions exist only in KV v2;"
                + " KV v2 paths contain /data/, e.g. secret/data/myapp)",
            null);
      }
      return new KvSecret(address, path, 1, data, OptionalInt.empty(), Optional.empty(), lease);
    }
    Map<String, Object> metadata = v2Metadata.get();
    @SuppressWarnings("unchecked")
    Map<String, Object> values = (Map<String, Object>) data.get("data");
    if (values == null) {
      // A deleted or destroyed latest version answers 200 on some store versions.
      throw StoreErrorMapping.missingVersion(address, path, metadata);
    }
    int version = (int) asLong(metadata.get("version"));
    return new KvSecret(
        address,
        path,
        2,
        values,
        OptionalInt.of(version),
        parseInstant(metadata.get("created_time")),
        lease);
  }

  /** The KV v2 metadata if {@code data} has the KV v2 shape. */
  @SuppressWarnings("unchecked")
  static Optional<Map<String, Object>> kvV2Metadata(Map<String, Object> data) {
    if (data.size() == 2
        && data.containsKey("data")
        && (data.get("data") == null || data.get("data") instanceof Map)
        && data.get("metadata") instanceof Map<?, ?> metadata
        && metadata.get("version") instanceof Number
        && metadata.containsKey("created_time")) {
      return Optional.of((Map<String, Object>) metadata);
    }
    return Optional.empty();
  }

  private static Optional<Instant> parseInstant(Object value) {
    if (value instanceof String text && !text.isEmpty()) {
      try {
        return Optional.of(Instant.parse(text));
      } catch (DateTimeParseException e) {
        return Optional.empty();
      }
    }
    return Optional.empty();
  }

  static long asLong(Object value) {
    return value instanceof Number number ? number.longValue() : 0L;
  }
}
