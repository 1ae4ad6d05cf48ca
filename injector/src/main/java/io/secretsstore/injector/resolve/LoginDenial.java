package io.secretsstore.injector.resolve;

import io.secretsstore.injector.config.InjectorConfig;
import io.secretsstore.injector.store.Json;
import io.secretsstore.model.connection.LoginAdvice;
import io.secretsstore.vault.error.StoreErrorKind;
import io.secretsstore.vault.error.StoreException;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * The message of a login that failed for good. A denied login (HTTP 403) often means that the role
 * expects another audience than the pod's token carries; older Vault and Stronghold versions also
 * refuse a store-audience token when the role names no audience (they ask the Kubernetes API to
 * review it for the API server's own audience; OpenBao asks for the token's own). The message hints
 * at what to set on the role, without claiming that this is the cause.
 */
final class LoginDenial {

  private LoginDenial() {}

  static String describe(InjectorConfig config, StoreException e, String jwt) {
    if (e.kind() != StoreErrorKind.LOGIN_DENIED) {
      return "login to " + config.address() + " failed: " + e.getMessage();
    }
    String status = e.httpStatus().isPresent() ? "HTTP " + e.httpStatus().getAsInt() : "";
    String detail = detail(e);
    StringBuilder message =
        new StringBuilder("store login denied for role ")
            .append(config.role())
            .append(" (store ")
            .append(config.address())
            .append(", auth path ")
            .append(config.authPath())
            .append(status.isEmpty() ? "" : ", " + status)
            .append(detail.isEmpty() ? "" : ": " + detail)
            .append(')');
    Optional<String> audience = e.httpStatus().orElse(0) == 403 ? audience(jwt) : Optional.empty();
    // One text for every component that logs in (common-model).
    audience.ifPresent(
        aud -> message.append(LoginAdvice.deniedLogin(config.authPath(), config.role(), aud)));
    return message.toString();
  }

  /** The store's own words, after the standard prefix of the exception message. */
  private static String detail(StoreException e) {
    String text = e.getMessage();
    int separator = text.indexOf("): ");
    return separator < 0 ? "" : text.substring(separator + 3);
  }

  /** The {@code aud} claim of an unverified JWT (a name, not a secret), joined by commas. */
  static Optional<String> audience(String jwt) {
    if (jwt == null) {
      return Optional.empty();
    }
    String[] parts = jwt.strip().split("\\.", -1);
    if (parts.length != 3) {
      return Optional.empty();
    }
    try {
      String payload = new String(Base64.getUrlDecoder().decode(parts[1]), StandardCharsets.UTF_8);
      Object aud = Json.parseObject(payload).get("aud");
      if (aud instanceof String text && !text.isBlank()) {
        return Optional.of(text);
      }
      if (aud instanceof List<?> list && !list.isEmpty()) {
        return Optional.of(list.stream().map(String::valueOf).collect(Collectors.joining(",")));
      }
    } catch (IllegalArgumentException | Json.JsonException notAJwt) {
      return Optional.empty();
    }
    return Optional.empty();
  }
}
