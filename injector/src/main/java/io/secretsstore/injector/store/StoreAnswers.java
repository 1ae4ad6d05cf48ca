package io.secretsstore.injector.store;

import io.secretsstore.injector.store.StoreHttp.Operation;
import io.secretsstore.vault.KvSecret;
import io.secretsstore.vault.error.SecretNotFoundException;
import io.secretsstore.vault.error.StoreErrorKind;
import io.secretsstore.vault.error.StoreException;
import io.secretsstore.vault.error.StoreLoginException;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * What the store's answers mean: HTTP statuses as error kinds, and the KV v1/v2 shapes. The same
 * rules as common-vault's {@code StoreErrorMapping} and {@code StoreClient} (KV v2 is recognised
 * from {@code data.data} + {@code data.metadata} with {@code version} and {@code created_time}),
 * held to them by {@code StoreClientParityIT}.
 */
final class StoreAnswers {

  private StoreAnswers() {}

  static StoreException fromStatus(
      Operation operation, String address, String described, int status, Map<String, Object> json) {
    OptionalInt httpStatus = OptionalInt.of(status);
    String detail = StoreHttp.storeErrors(json);
    if (operation == Operation.LOGIN) {
      StoreErrorKind kind =
          status == 429
              ? StoreErrorKind.RATE_LIMITED
              : status >= 500 ? StoreErrorKind.SERVER_ERROR : StoreErrorKind.LOGIN_DENIED;
      return new StoreLoginException(kind, address, described, httpStatus, detail, null);
    }
    if (status == 404) {
      if (json != null
          && json.get("data") instanceof Map<?, ?> data
          && data.get("metadata") instanceof Map<?, ?> metadata) {
        return missingVersion(address, described, metadata);
      }
      return new SecretNotFoundException(
          StoreErrorKind.NOT_FOUND, address, described, httpStatus, detail);
    }
    StoreErrorKind kind;
    if (status == 403) {
      kind = StoreErrorKind.PERMISSION_DENIED;
    } else if (status == 429) {
      kind = StoreErrorKind.RATE_LIMITED;
    } else if (status >= 500) {
      kind = StoreErrorKind.SERVER_ERROR;
    } else {
      kind = StoreErrorKind.BAD_REQUEST;
    }
    return new StoreException(kind, address, described, httpStatus, detail, null);
  }

  /** A KV v2 version that exists in the metadata but has no data: deleted or destroyed. */
  static SecretNotFoundException missingVersion(String address, String path, Map<?, ?> metadata) {
    Object version = metadata.get("version");
    String which = version == null ? "the requested version" : "version " + version;
    if (Boolean.TRUE.equals(metadata.get("destroyed"))) {
      return new SecretNotFoundException(
          StoreErrorKind.VERSION_DESTROYED,
          address,
          path,
          OptionalInt.of(404),
          which + " was destroyed and cannot be recovered; pin another version or write a new one");
    }
    if (metadata.get("deletion_time") instanceof String text && !text.isEmpty()) {
      return new SecretNotFoundException(
          StoreErrorKind.VERSION_DELETED,
          address,
          path,
          OptionalInt.of(404),
          which + " was deleted at " + text + "; undelete it or pin another version");
    }
    return new SecretNotFoundException(
        StoreErrorKind.NOT_FOUND, address, path, OptionalInt.of(404), which + " has no data");
  }

  /** A read's answer as a KV secret (v1 or v2); other engines' answers read like KV v1. */
  @SuppressWarnings("unchecked")
  static KvSecret kvSecret(
      String address, String path, OptionalInt requestedVersion, Map<String, Object> answer) {
    if (!(answer.get("data") instanceof Map<?, ?> rawData)) {
      throw new SecretNotFoundException(
          StoreErrorKind.NOT_FOUND, address, path, OptionalInt.empty(), "the answer has no data");
    }
    Map<String, Object> data = (Map<String, Object>) rawData;
    Duration lease = Duration.ofSeconds(asLong(answer.get("lease_duration")));
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
    if (!(data.get("data") instanceof Map<?, ?> values)) {
      // A deleted or destroyed latest version answers 200 on some store versions.
      throw missingVersion(address, path, metadata);
    }
    return new KvSecret(
        address,
        path,
        2,
        (Map<String, Object>) values,
        OptionalInt.of((int) asLong(metadata.get("version"))),
        instant(metadata.get("created_time")),
        lease);
  }

  @SuppressWarnings("unchecked")
  private static Optional<Map<String, Object>> kvV2Metadata(Map<String, Object> data) {
    if (data.size() == 2
        && data.containsKey("data")
        && (data.get("data") == Json.NULL || data.get("data") instanceof Map)
        && data.get("metadata") instanceof Map<?, ?> metadata
        && metadata.get("version") instanceof Json.Number
        && metadata.containsKey("created_time")) {
      return Optional.of((Map<String, Object>) metadata);
    }
    return Optional.empty();
  }

  static long asLong(Object value) {
    if (value instanceof Json.Number number) {
      try {
        return (long) Double.parseDouble(number.text());
      } catch (NumberFormatException e) {
        return 0;
      }
    }
    return 0;
  }

  private static Optional<Instant> instant(Object value) {
    if (value instanceof String text && !text.isEmpty()) {
      try {
        return Optional.of(Instant.parse(text));
      } catch (DateTimeParseException e) {
        return Optional.empty();
      }
    }
    return Optional.empty();
  }
}
