package io.secretsstore.vault.login;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The claims of a service-account JWT that decide who may share a store login or a read: subject,
 * audiences and expiry, read <em>without</em> verifying the signature.
 *
 * <p>The store verifies tokens (through TokenReview) when it is asked; these checks run before
 * anything cached or shared is handed out, so a token of another account, for another audience or
 * past its expiry never unlocks what a valid token of the right account obtained.
 *
 * @param subject the {@code sub} claim, e.g. {@code system:serviceaccount:team-a:app}
 * @param audiences the {@code aud} claim (a string or a list in the JWT), sorted
 * @param expiresAt the {@code exp} claim, if present
 */
public record ServiceAccountJwt(
    String subject, List<String> audiences, Optional<Instant> expiresAt) {

  private static final JsonMapper JSON = JsonMapper.builder().build();

  public ServiceAccountJwt {
    audiences = List.copyOf(audiences);
  }

  /** The claims of {@code jwt}, or empty if it is not a JWT with a subject. */
  public static Optional<ServiceAccountJwt> read(String jwt) {
    if (jwt == null) {
      return Optional.empty();
    }
    String[] parts = jwt.strip().split("\\.", -1);
    if (parts.length != 3 || parts[1].isEmpty() || parts[1].length() > 64 * 1024) {
      return Optional.empty();
    }
    JsonNode claims;
    try {
      claims =
          JSON.readTree(
              new String(Base64.getUrlDecoder().decode(parts[1]), StandardCharsets.UTF_8));
    } catch (IllegalArgumentException | JacksonException notAJwt) {
      return Optional.empty();
    }
    if (claims == null || !claims.isObject() || !claims.path("sub").isString()) {
      return Optional.empty();
    }
    List<String> audiences = new ArrayList<>();
    JsonNode aud = claims.path("aud");
    if (aud.isString()) {
      audiences.add(aud.asString());
    } else if (aud.isArray()) {
      aud.forEach(value -> audiences.add(value.asString("")));
    }
    audiences.sort(null);
    Optional<Instant> expiry =
        claims.path("exp").isNumber()
            ? Optional.of(Instant.ofEpochSecond(claims.path("exp").asLong()))
            : Optional.empty();
    return Optional.of(new ServiceAccountJwt(claims.path("sub").asString(), audiences, expiry));
  }

  /** The {@code sub} claim, or empty if the text is not a JWT with a subject. */
  static Optional<String> subject(String jwt) {
    return read(jwt).map(ServiceAccountJwt::subject);
  }

  /** Whether the token has expired at {@code now} (a token without {@code exp} has not). */
  public boolean expiredAt(Instant now) {
    return expiresAt.isPresent() && !now.isBefore(expiresAt.get());
  }

  /**
   * Checks that this token may act for {@code account} at {@code now}.
   *
   * @throws IllegalArgumentException naming what is wrong (never the token)
   */
  public static ServiceAccountJwt requireFor(String jwt, ServiceAccountRef account, Instant now) {
    ServiceAccountJwt claims =
        read(jwt)
            .orElseThrow(
                () ->
                    new IllegalArgumentException(
                        "the service-account token for " + account + " is not a readable JWT"));
    if (!claims.subject().equals(account.subject())) {
      throw new IllegalArgumentException(
          "the service-account token belongs to '"
              + printable(claims.subject())
              + "', not to the pod's service account "
              + account);
    }
    if (claims.expiredAt(now)) {
      throw new IllegalArgumentException(
          "the service-account token of " + account + " expired at " + claims.expiresAt().get());
    }
    return claims;
  }

  /** The subject comes from whoever made the token: keep messages short and printable. */
  private static String printable(String text) {
    String cut = text.length() > 120 ? text.substring(0, 120) + "..." : text;
    return cut.replaceAll("\\p{Cntrl}", "?");
  }
}
