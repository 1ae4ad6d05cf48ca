package io.secretsstore.vault;

import io.secretsstore.vault.StoreClient.Operation;
import io.secretsstore.vault.error.Redaction;
import io.secretsstore.vault.error.SecretNotFoundException;
import io.secretsstore.vault.error.StoreErrorKind;
import io.secretsstore.vault.error.StoreException;
import io.secretsstore.vault.error.StoreLoginException;
import io.secretsstore.vault.error.TlsHandshakeFailures;
import java.io.IOException;
import java.net.ConnectException;
import java.net.HttpRetryException;
import java.net.NoRouteToHostException;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import javax.net.ssl.SSLException;
import org.springframework.web.client.RestClientException;
import org.springframework.web.client.RestClientResponseException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** Turns whatever the HTTP stack threw into a {@link StoreException} with a useful message. */
final class StoreErrorMapping {

  private static final JsonMapper JSON = JsonMapper.builder().build();

  private StoreErrorMapping() {}

  static StoreException map(Operation operation, String address, String path, RuntimeException e) {
    if (e instanceof StoreException storeException) {
      return storeException;
    }
    StoreHttpStatus answered = find(e, StoreHttpStatus.class);
    if (answered != null) {
      return fromResponse(operation, address, path, answered.status(), answered.body());
    }
    RestClientResponseException response = find(e, RestClientResponseException.class);
    if (response != null) {
      return fromResponse(
          operation,
          address,
          path,
          response.getStatusCode().value(),
          response.getResponseBodyAsString());
    }
    HttpRetryException unauthorized = find(e, HttpRetryException.class);
    if (unauthorized != null) {
      // HttpURLConnection's answer to a 401 on a streamed body (a POST: login, write): its status
      // is the store's (or a proxy's) answer; the body is gone.
      return fromResponse(operation, address, path, unauthorized.responseCode(), "");
    }
    IOException io = find(e, IOException.class);
    if (io != null) {
      StoreErrorKind kind = ioKind(io);
      String detail = describe(io);
      return operation == Operation.LOGIN
          ? new StoreLoginException(kind, address, path, OptionalInt.empty(), detail, io)
          : new StoreException(kind, address, path, OptionalInt.empty(), detail, io);
    }
    if (find(e, RestClientException.class) != null || e instanceof IllegalStateException) {
      // Undecodable answers, or spring-vault's "Auth field must not be null".
      return new StoreException(
          StoreErrorKind.INVALID_RESPONSE,
          address,
          path,
          OptionalInt.empty(),
          Redaction.sanitize(e.getMessage()),
          null);
    }
    throw e;
  }

  /**
   * The store's {@code Retry-After} (seconds, or an HTTP date) on a 429 or 503 answer, if it sent
   * one.
   */
  static Optional<java.time.Duration> retryAfter(RuntimeException e) {
    String value;
    StoreHttpStatus answered = find(e, StoreHttpStatus.class);
    RestClientResponseException response = find(e, RestClientResponseException.class);
    if (answered != null) {
      if (answered.status() != 429 && answered.status() != 503) {
        return Optional.empty();
      }
      value = answered.header("Retry-After").orElse(null);
    } else if (response == null
        || response.getResponseHeaders() == null
        || (response.getStatusCode().value() != 429 && response.getStatusCode().value() != 503)) {
      return Optional.empty();
    } else {
      value = response.getResponseHeaders().getFirst("Retry-After");
    }
    if (value == null || value.isBlank()) {
      return Optional.empty();
    }
    try {
      long seconds = Long.parseLong(value.strip());
      return seconds < 0 ? Optional.empty() : Optional.of(Duration.ofSeconds(seconds));
    } catch (NumberFormatException notSeconds) {
      try {
        Instant at =
            ZonedDateTime.parse(value.strip(), DateTimeFormatter.RFC_1123_DATE_TIME).toInstant();
        Duration until = Duration.between(Instant.now(), at);
        return Optional.of(until.isNegative() ? Duration.ZERO : until);
      } catch (DateTimeParseException unreadable) {
        return Optional.empty();
      }
    }
  }

  static StoreException fromResponse(
      Operation operation, String address, String path, int status, String body) {
    OptionalInt httpStatus = OptionalInt.of(status);
    JsonNode json = parse(body);
    String detail = storeErrors(json);
    if (operation == Operation.LOGIN) {
      StoreErrorKind kind =
          status == 429
              ? StoreErrorKind.RATE_LIMITED
              : status >= 500 ? StoreErrorKind.SERVER_ERROR : StoreErrorKind.LOGIN_DENIED;
      return new StoreLoginException(kind, address, path, httpStatus, detail, null);
    }
    if (status == 404) {
      JsonNode metadata = json == null ? null : json.path("data").path("metadata");
      if (metadata != null && metadata.isObject()) {
        return missingVersion(address, path, JSON.convertValue(metadata, Map.class));
      }
      return new SecretNotFoundException(
          StoreErrorKind.NOT_FOUND, address, path, httpStatus, detail);
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
    return new StoreException(kind, address, path, httpStatus, detail, null);
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
    Object deletion = metadata.get("deletion_time");
    if (deletion instanceof String text && !text.isEmpty()) {
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

  /** The store's own error text, from a message we produced earlier. */
  static String detailOf(StoreException e) {
    String message = e.getMessage();
    int separator = message.indexOf("): ");
    return separator < 0 ? "" : message.substring(separator + 3);
  }

  /**
   * Whether the store certainly did not act on the request: no connection was made, or it answered
   * 429 (refused before doing anything).
   */
  static boolean neverProcessed(RuntimeException e, StoreException failure) {
    if (failure.kind() == StoreErrorKind.RATE_LIMITED) {
      return true;
    }
    return StoreRequestFactory.failedWhileConnecting(e);
  }

  /**
   * What a failed attempt says about the address: {@code UNREACHABLE} when no connection could be
   * made (refused, no route, unknown host, connect timeout), {@code REACHED} when something there
   * answered (an HTTP status, a TLS handshake, an undecodable body), {@code UNKNOWN} otherwise (a
   * connection cut or a request timeout after it was made).
   */
  static StoreReachability.Outcome reachability(RuntimeException e, StoreException failure) {
    if (StoreRequestFactory.failedWhileConnecting(e)) {
      return StoreReachability.Outcome.UNREACHABLE;
    }
    if (failure.httpStatus().isPresent()
        || failure.kind() == StoreErrorKind.TLS
        || failure.kind() == StoreErrorKind.INVALID_RESPONSE) {
      return StoreReachability.Outcome.REACHED;
    }
    return StoreReachability.Outcome.UNKNOWN;
  }

  /**
   * The cause in words. The JDK often leaves these messages empty ({@code ConnectException: }),
   * which says nothing to the user reading the pod's events.
   */
  static String describe(IOException io) {
    if (find(io, SSLException.class) != null && TlsHandshakeFailures.connectionLost(io)) {
      return TlsHandshakeFailures.CONNECTION_LOST;
    }
    String message = io.getMessage() == null ? "" : Redaction.sanitize(io.getMessage()).strip();
    String cause =
        switch (io) {
          case ConnectException c -> "connection refused or no route: nothing answers there";
          case NoRouteToHostException r -> "no route to host: nothing answers there";
          case UnknownHostException u -> "unknown host: the name does not resolve";
          case SocketTimeoutException t when StoreRequestFactory.isConnectTimeout(t) ->
              "no connection within the connect timeout";
          case SocketTimeoutException t -> "no answer within the request timeout";
          case SocketException s when StoreRequestFactory.failedWhileConnecting(s) ->
              "no connection could be made: nothing answers there";
          default -> io.getClass().getSimpleName();
        };
    return message.isEmpty() ? cause : cause + " (" + message + ")";
  }

  private static StoreErrorKind ioKind(IOException io) {
    if (io instanceof SocketTimeoutException) {
      return StoreErrorKind.TIMEOUT;
    }
    if (find(io, SSLException.class) != null && TlsHandshakeFailures.connectionLost(io)) {
      return StoreErrorKind.UNREACHABLE; // cut mid-handshake: another attempt may succeed
    }
    if (io instanceof SSLException) {
      return StoreErrorKind.TLS;
    }
    if (StoreRequestFactory.failedWhileConnecting(io)) {
      return StoreErrorKind.UNREACHABLE;
    }
    // Some handshake failures arrive as a plain IOException with an SSL cause.
    return find(io, SSLException.class) != null ? StoreErrorKind.TLS : StoreErrorKind.UNREACHABLE;
  }

  private static JsonNode parse(String body) {
    if (body == null || body.isBlank()) {
      return null;
    }
    try {
      return JSON.readTree(body);
    } catch (RuntimeException notJson) {
      return null;
    }
  }

  /** Vault answers {@code {"errors": ["..."]}}; the messages are redacted and capped. */
  private static String storeErrors(JsonNode json) {
    if (json == null || !json.path("errors").isArray()) {
      return "";
    }
    List<String> errors = new ArrayList<>();
    for (JsonNode error : json.path("errors")) {
      String text = error.asString("").strip();
      if (!text.isEmpty()) {
        errors.add(text);
      }
    }
    return Redaction.sanitize(String.join("; ", errors));
  }

  private static <T extends Throwable> T find(Throwable error, Class<T> type) {
    for (Throwable current = error; current != null; current = current.getCause()) {
      if (type.isInstance(current)) {
        return type.cast(current);
      }
      if (current.getCause() == current) {
        break;
      }
    }
    return null;
  }
}
