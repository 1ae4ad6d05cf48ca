package io.secretsstore.vault.login;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads the subject of a service-account JWT <em>without</em> verifying it.
 *
 * <p>The store verifies tokens (through TokenReview); this check only catches a token that belongs
 * to a different account than the one it is presented for, before a cached store token of that
 * account could be handed out.
 */
final class ServiceAccountJwt {

  private static final Pattern SUBJECT = Pattern.compile("\"sub\"\\s*:\\s*\"([^\"]*)\"");

  private ServiceAccountJwt() {}

  /** The {@code sub} claim, or empty if the text is not a JWT with a subject. */
  static Optional<String> subject(String jwt) {
    if (jwt == null) {
      return Optional.empty();
    }
    String[] parts = jwt.strip().split("\\.", -1);
    if (parts.length != 3 || parts[1].isEmpty()) {
      return Optional.empty();
    }
    String payload;
    try {
      payload = new String(Base64.getUrlDecoder().decode(parts[1]), StandardCharsets.UTF_8);
    } catch (IllegalArgumentException notBase64) {
      return Optional.empty();
    }
    Matcher matcher = SUBJECT.matcher(payload);
    return matcher.find() ? Optional.of(matcher.group(1)) : Optional.empty();
  }
}
