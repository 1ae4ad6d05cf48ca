package io.secretsstore.driver.publish;

import io.secretsstore.model.names.CsiNames;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Map;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The service-account tokens kubelet passes for the CSIDriver's {@code tokenRequests} (the JSON of
 * {@code csi.storage.k8s.io/serviceAccount.tokens}), kept in memory only, with the earliest expiry.
 */
public record KubeletTokens(String json, Instant expiresAt) {

  private static final JsonMapper JSON = JsonMapper.builder().build();

  /** The tokens in a volume context, or null when kubelet sent none. */
  static KubeletTokens from(Map<String, String> context) throws PublishException {
    String json = context.get(CsiNames.SERVICE_ACCOUNT_TOKENS);
    if (json == null || json.isBlank()) {
      return null;
    }
    Instant earliest = Instant.MAX;
    try {
      JsonNode root = JSON.readTree(json);
      if (root == null || !root.isObject()) {
        throw new IllegalArgumentException();
      }
      for (JsonNode token : root.values()) {
        String expiry = token.path("expirationTimestamp").asString("");
        if (!expiry.isEmpty()) {
          Instant at = Instant.parse(expiry);
          earliest = at.isBefore(earliest) ? at : earliest;
        }
      }
    } catch (JacksonException | IllegalArgumentException | DateTimeParseException e) {
      // The message must not quote the JSON: it holds tokens.
      throw PublishException.invalid(
          "the volume context's "
              + CsiNames.SERVICE_ACCOUNT_TOKENS
              + " is not the JSON kubelet sends");
    }
    return new KubeletTokens(json, earliest);
  }

  public boolean usableAt(Instant now, java.time.Duration margin) {
    return expiresAt.isAfter(now.plus(margin));
  }

  @Override
  public String toString() {
    return "KubeletTokens[expiresAt=" + expiresAt + "]";
  }
}
