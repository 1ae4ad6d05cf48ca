package io.secretsstore.injector.store;

import io.secretsstore.injector.log.Messages;
import io.secretsstore.vault.error.Redaction;
import io.secretsstore.vault.error.StoreErrorKind;
import io.secretsstore.vault.error.StoreException;
import io.secretsstore.vault.error.StoreLoginException;
import io.secretsstore.vault.error.TlsHandshakeFailures;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.HttpURLConnection;
import java.net.NoRouteToHostException;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import javax.net.ssl.HttpsURLConnection;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;

/**
 * One HTTP exchange with the store's API ({@code /v1/<path>}) over the JDK's {@link
 * HttpURLConnection}, which lives in {@code java.base} and loads a fraction of the classes of
 * {@code java.net.http}. Failures become {@link StoreException}s with the kinds and messages of
 * common-vault (checked by {@code StoreClientParityIT}), without Java class names in them.
 */
final class StoreHttp {

  /** Answers are small; a larger one is refused rather than read into memory. */
  static final int MAX_ANSWER_BYTES = 4 * 1024 * 1024;

  static {
    // HttpURLConnection silently repeats a POST once when a kept-alive connection turns out to be
    // closed; a repeated write could issue a second certificate.
    System.setProperty("sun.net.http.retryPost", "false");
  }

  /** The store's operations, for error kinds (a denied login is not a denied read). */
  enum Operation {
    LOGIN,
    READ,
    WRITE,
    RENEW
  }

  record Answer(int status, Map<String, Object> json) {}

  private final URI address;
  private final String displayAddress;
  private final Optional<String> namespace;
  private final SSLContext tls;
  private final boolean skipHostnameCheck;
  private final Duration timeout;
  private HttpURLConnection last;

  StoreHttp(
      URI address,
      Optional<String> namespace,
      SSLContext tls,
      boolean skipHostnameCheck,
      Duration timeout) {
    this.address = address;
    String text = address.toString();
    this.displayAddress = text.endsWith("/") ? text.substring(0, text.length() - 1) : text;
    this.namespace = namespace;
    this.tls = tls;
    this.skipHostnameCheck = skipHostnameCheck;
    this.timeout = timeout;
  }

  String displayAddress() {
    return displayAddress;
  }

  /**
   * Sends {@code method /v1/<path>} with an optional token and JSON body; returns 2xx answers and
   * turns everything else into a {@link StoreException} that names {@code described}.
   */
  Answer exchange(
      Operation operation,
      String method,
      String encodedPath,
      String described,
      String token,
      Object body) {
    HttpURLConnection connection;
    int status;
    String text;
    try {
      connection =
          (HttpURLConnection) address.resolve("/v1/" + encodedPath).toURL().openConnection();
      last = connection;
      if (connection instanceof HttpsURLConnection https) {
        https.setSSLSocketFactory(tls.getSocketFactory());
        if (skipHostnameCheck) {
          https.setHostnameVerifier((host, session) -> true);
        }
      }
      connection.setInstanceFollowRedirects(false);
      connection.setUseCaches(false);
      connection.setConnectTimeout((int) Math.min(Integer.MAX_VALUE, timeout.toMillis()));
      connection.setReadTimeout((int) Math.min(Integer.MAX_VALUE, timeout.toMillis()));
      connection.setRequestMethod(method);
      connection.setRequestProperty("Accept", "application/json");
      // Vault's CLI sends it; stores configured against browser-based request forgery expect it.
      connection.setRequestProperty("X-Vault-Request", "true");
      if (token != null) {
        connection.setRequestProperty("X-Vault-Token", token);
      }
      namespace.ifPresent(ns -> connection.setRequestProperty("X-Vault-Namespace", ns));
      if (body != null) {
        byte[] bytes = Json.write(body).getBytes(StandardCharsets.UTF_8);
        connection.setDoOutput(true);
        connection.setRequestProperty("Content-Type", "application/json");
        connection.setFixedLengthStreamingMode(bytes.length);
        try (OutputStream out = connection.getOutputStream()) {
          out.write(bytes);
        }
      }
      status = connection.getResponseCode();
      try (InputStream in =
          status >= 400 ? connection.getErrorStream() : connection.getInputStream()) {
        text = in == null ? "" : readCapped(in);
      }
    } catch (IOException e) {
      throw transportFailure(operation, described, e);
    }
    Map<String, Object> json = parseOrNull(text);
    if (status >= 200 && status < 300) {
      if (json == null && !text.isBlank()) {
        throw failure(
            operation,
            StoreErrorKind.INVALID_RESPONSE,
            described,
            OptionalInt.empty(),
            "the answer is not JSON");
      }
      return new Answer(status, json == null ? Map.of() : json);
    }
    throw StoreAnswers.fromStatus(operation, displayAddress, described, status, json);
  }

  /** Closes the connection kept alive for the next request, if any. */
  void close() {
    if (last != null) {
      last.disconnect();
      last = null;
    }
  }

  StoreException failure(
      Operation operation,
      StoreErrorKind kind,
      String described,
      OptionalInt status,
      String detail) {
    return operation == Operation.LOGIN
        ? new StoreLoginException(kind, displayAddress, described, status, detail, null)
        : new StoreException(kind, displayAddress, described, status, detail, null);
  }

  private StoreException transportFailure(Operation operation, String described, IOException e) {
    StoreErrorKind kind;
    String detail;
    if (e instanceof SocketTimeoutException) {
      kind = StoreErrorKind.TIMEOUT;
      detail = "no answer within " + timeout.toMillis() + " ms";
    } else if (find(e, SSLException.class) != null && TlsHandshakeFailures.connectionLost(e)) {
      // Cut mid-handshake (a store or proxy going down): retried like a refused connection.
      kind = StoreErrorKind.UNREACHABLE;
      detail = TlsHandshakeFailures.CONNECTION_LOST;
    } else if (find(e, SSLException.class) != null) {
      kind = StoreErrorKind.TLS;
      detail = tlsDetail(e);
    } else if (e instanceof UnknownHostException) {
      kind = StoreErrorKind.UNREACHABLE;
      detail = "unknown host " + address.getHost();
    } else if (e instanceof ConnectException || e instanceof NoRouteToHostException) {
      kind = StoreErrorKind.UNREACHABLE;
      detail = Messages.plain(e.getMessage(), "connection failed");
    } else {
      kind = StoreErrorKind.UNREACHABLE;
      detail = Messages.plain(e.getMessage(), "the connection failed");
    }
    return failure(operation, kind, described, OptionalInt.empty(), detail);
  }

  /** The useful part of a handshake failure, without the JDK's exception class names. */
  private static String tlsDetail(IOException e) {
    for (Throwable cause = e; cause != null; cause = cause.getCause()) {
      String message = cause.getMessage();
      if (message != null && message.contains("unable to find valid certification path")) {
        return "the store's certificate is not issued by a trusted CA"
            + " (VAULT_CACERT, VAULT_CACERT_BYTES or the system CAs)";
      }
      if (message != null && message.contains("No subject alternative")) {
        return "the store's certificate is not valid for this address: "
            + Messages.plain(message, "");
      }
    }
    return Messages.plain(e.getMessage(), "the TLS handshake failed");
  }

  private static String readCapped(InputStream in) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    byte[] buffer = new byte[8192];
    int read;
    while ((read = in.read(buffer)) > 0) {
      if (out.size() + read > MAX_ANSWER_BYTES) {
        throw new IOException("the answer is larger than " + MAX_ANSWER_BYTES + " bytes");
      }
      out.write(buffer, 0, read);
    }
    return out.toString(StandardCharsets.UTF_8);
  }

  private static Map<String, Object> parseOrNull(String text) {
    if (text.isBlank()) {
      return null;
    }
    try {
      return Json.parseObject(text);
    } catch (Json.JsonException notJson) {
      return null;
    }
  }

  /** Vault answers {@code {"errors": ["..."]}}; the messages are redacted and capped. */
  static String storeErrors(Map<String, Object> json) {
    if (json == null || !(json.get("errors") instanceof List<?> list)) {
      return "";
    }
    List<String> errors = new ArrayList<>();
    for (Object error : list) {
      if (error instanceof String text && !text.isBlank()) {
        errors.add(text.strip());
      }
    }
    return Redaction.sanitize(String.join("; ", errors));
  }

  private static <T extends Throwable> T find(Throwable error, Class<T> type) {
    for (Throwable current = error; current != null; current = current.getCause()) {
      if (type.isInstance(current)) {
        return type.cast(current);
      }
    }
    return null;
  }
}
