package io.secretsstore.testkit;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.PublicKey;
import java.security.Signature;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * Mints real RS256-signed service-account JWTs with the claims kube-apiserver puts into projected
 * tokens, and verifies them the way kube-apiserver's TokenReview does (signature, expiry,
 * audiences).
 */
public final class ServiceAccountTokens {

  /** The audience a token must carry when a TokenReview names none, like kube-apiserver's. */
  public static final String DEFAULT_AUDIENCE = "https://kubernetes.default.svc";

  public static final String ISSUER = "https://kubernetes.default.svc.cluster.local";

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Base64.Encoder B64 = Base64.getUrlEncoder().withoutPadding();

  private final KeyPair signingKey;

  public ServiceAccountTokens() {
    this.signingKey = RsaKeys.generate();
  }

  /** A token for {@code namespace/serviceAccount} valid for {@code ttl}. */
  public String mint(
      String namespace, String serviceAccount, List<String> audiences, Duration ttl) {
    return sign(signingKey, namespace, serviceAccount, audiences, Instant.now(), ttl);
  }

  /** A token that expired a minute ago. */
  public String mintExpired(String namespace, String serviceAccount, List<String> audiences) {
    return sign(
        signingKey,
        namespace,
        serviceAccount,
        audiences,
        Instant.now().minus(Duration.ofHours(1)),
        Duration.ofMinutes(59));
  }

  /** A well-formed token signed by a key this cluster does not know. */
  public static String mintForeign(
      String namespace, String serviceAccount, List<String> audiences) {
    return sign(
        RsaKeys.generate(),
        namespace,
        serviceAccount,
        audiences,
        Instant.now(),
        Duration.ofHours(1));
  }

  /** The result of reviewing a token, in TokenReview terms. */
  public record Review(
      boolean authenticated, String username, String uid, List<String> audiences, String error) {
    static Review rejected(String error) {
      return new Review(false, "", "", List.of(), error);
    }
  }

  /** Verifies {@code token} for {@code requestedAudiences} (empty: the default audience). */
  public Review review(String token, List<String> requestedAudiences) {
    String[] parts = token == null ? new String[0] : token.strip().split("\\.", -1);
    if (parts.length != 3) {
      return Review.rejected("invalid bearer token: not a JWT");
    }
    try {
      Signature verifier = Signature.getInstance("SHA256withRSA");
      verifier.initVerify(signingKey.getPublic());
      verifier.update((parts[0] + "." + parts[1]).getBytes(StandardCharsets.US_ASCII));
      if (!verifier.verify(Base64.getUrlDecoder().decode(parts[2]))) {
        return Review.rejected("invalid bearer token: signature verification failed");
      }
      Map<?, ?> claims = JSON.readValue(Base64.getUrlDecoder().decode(parts[1]), Map.class);
      long expiry = ((Number) claims.get("exp")).longValue();
      if (Instant.now().getEpochSecond() >= expiry) {
        return Review.rejected("invalid bearer token: token has expired");
      }
      @SuppressWarnings("unchecked")
      List<String> tokenAudiences = (List<String>) claims.get("aud");
      List<String> wanted =
          requestedAudiences == null || requestedAudiences.isEmpty()
              ? List.of(DEFAULT_AUDIENCE)
              : requestedAudiences;
      List<String> granted = wanted.stream().filter(tokenAudiences::contains).toList();
      if (granted.isEmpty()) {
        return Review.rejected(
            "invalid bearer token: token audiences "
                + tokenAudiences
                + " do not include "
                + wanted);
      }
      Map<?, ?> kubernetes = (Map<?, ?>) claims.get("kubernetes.io");
      Map<?, ?> account = (Map<?, ?>) kubernetes.get("serviceaccount");
      return new Review(true, (String) claims.get("sub"), (String) account.get("uid"), granted, "");
    } catch (GeneralSecurityException
        | IllegalArgumentException
        | java.io.IOException
        | ClassCastException
        | NullPointerException e) {
      return Review.rejected("invalid bearer token: " + e.getClass().getSimpleName());
    }
  }

  public PublicKey publicKey() {
    return signingKey.getPublic();
  }

  private static String sign(
      KeyPair key,
      String namespace,
      String serviceAccount,
      List<String> audiences,
      Instant issuedAt,
      Duration ttl) {
    Map<String, Object> claims = new LinkedHashMap<>();
    claims.put("aud", audiences);
    claims.put("exp", issuedAt.plus(ttl).getEpochSecond());
    claims.put("iat", issuedAt.getEpochSecond());
    claims.put("nbf", issuedAt.getEpochSecond());
    claims.put("iss", ISSUER);
    claims.put("sub", "system:serviceaccount:" + namespace + ":" + serviceAccount);
    claims.put(
        "kubernetes.io",
        Map.of(
            "namespace",
            namespace,
            "serviceaccount",
            Map.of("name", serviceAccount, "uid", uid(namespace, serviceAccount))));
    try {
      String header =
          B64.encodeToString(
              "{\"alg\":\"RS256\",\"kid\":\"testkit\"}".getBytes(StandardCharsets.UTF_8));
      String payload = B64.encodeToString(JSON.writeValueAsBytes(claims));
      Signature signer = Signature.getInstance("SHA256withRSA");
      signer.initSign(key.getPrivate());
      signer.update((header + "." + payload).getBytes(StandardCharsets.US_ASCII));
      return header + "." + payload + "." + B64.encodeToString(signer.sign());
    } catch (GeneralSecurityException | java.io.IOException e) {
      throw new IllegalStateException("cannot sign a test token", e);
    }
  }

  /** A stable uid per account, as Kubernetes keeps one per ServiceAccount object. */
  static String uid(String namespace, String serviceAccount) {
    return UUID.nameUUIDFromBytes(
            (namespace + "/" + serviceAccount).getBytes(StandardCharsets.UTF_8))
        .toString();
  }
}
