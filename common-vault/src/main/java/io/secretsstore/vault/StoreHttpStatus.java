package io.secretsstore.vault;

import java.util.Optional;
import org.springframework.http.HttpHeaders;

/** A store answer with an HTTP error status (4xx/5xx), before it is mapped to an error kind. */
final class StoreHttpStatus extends RuntimeException {

  private final int status;
  private final String body;
  private final HttpHeaders headers;

  StoreHttpStatus(int status, String body, HttpHeaders headers) {
    super("HTTP " + status, null, false, false);
    this.status = status;
    this.body = body;
    this.headers = headers;
  }

  int status() {
    return status;
  }

  String body() {
    return body;
  }

  Optional<String> header(String name) {
    return Optional.ofNullable(headers.getFirst(name));
  }
}
