package io.secretsstore.controller.secrets;

import io.fabric8.kubernetes.api.model.authentication.TokenRequest;
import io.fabric8.kubernetes.api.model.authentication.TokenRequestBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.secretsstore.controller.config.ControllerProperties;
import io.secretsstore.controller.imports.ImportOutcome;
import io.secretsstore.model.crd.SecretsStoreImportSpec;
import java.util.List;
import java.util.function.Supplier;
import java.util.stream.Stream;

/**
 * The service-account tokens the Secret mode logs in with: short-lived, from the TokenRequest API,
 * bound to the module's dedicated audience (or one the module allows), at most one per sync.
 */
final class SyncTokens {

  /** A TokenRequest the API server refused; carried out of the login's token supplier. */
  static final class TokenRequestFailed extends RuntimeException {
    final boolean retryable;

    TokenRequestFailed(String message, boolean retryable) {
      super(message);
      this.retryable = retryable;
    }
  }

  private final KubernetesClient kubernetes;
  private final ControllerProperties.SecretSync settings;

  SyncTokens(KubernetesClient kubernetes, ControllerProperties.SecretSync settings) {
    this.kubernetes = kubernetes;
    this.settings = settings;
  }

  /**
   * The token's audience: the module's dedicated one, or the import's when the module allows it.
   * Never empty (the API server's): whoever runs the store address could use such a token against
   * the Kubernetes API.
   */
  String audience(SecretsStoreImportSpec spec) throws SyncFailure {
    String asked = spec.getAudience();
    if (asked == null || asked.isBlank()) {
      return settings.tokenAudience();
    }
    if (!settings.allowsAudience(asked)) {
      throw new SyncFailure(
          ImportOutcome.SYNC_FAILED,
          "spec.audience '"
              + asked
              + "' is not allowed for the Secret mode (allowed: "
              + String.join(
                  ", ",
                  Stream.concat(
                          Stream.of(settings.tokenAudience()), settings.allowedAudiences().stream())
                      .toList())
              + "; module setting secretSync.allowedAudiences): leave it out to use '"
              + settings.tokenAudience()
              + "'",
          false);
    }
    return asked;
  }

  /**
   * A supplier that requests the token on first use only: a sync whose login is served from the
   * token cache, or refused before it logs in, costs no TokenRequest.
   */
  Supplier<String> onFirstUse(String namespace, String account, String audience) {
    return new Supplier<>() {
      private String value;

      @Override
      public synchronized String get() {
        if (value == null) {
          value = request(namespace, account, audience);
        }
        return value;
      }
    };
  }

  private String request(String namespace, String account, String audience) {
    TokenRequest request =
        new TokenRequestBuilder()
            .withNewSpec()
            .withAudiences(List.of(audience))
            .withExpirationSeconds(settings.tokenLifetime().toSeconds())
            .endSpec()
            .build();
    try {
      TokenRequest answer =
          kubernetes
              .serviceAccounts()
              .inNamespace(namespace)
              .withName(account)
              .tokenRequest(request);
      return answer.getStatus().getToken();
    } catch (KubernetesClientException e) {
      String why =
          e.getCode() == 404
              ? "service account '" + account + "' does not exist in namespace '" + namespace + "'"
              : e.getCode() == 403
                  ? "the controller may not request tokens for service account '"
                      + account
                      + "' (RBAC: create serviceaccounts/token)"
                  : "the token request for service account '"
                      + account
                      + "' failed: HTTP "
                      + e.getCode();
      throw new TokenRequestFailed(why, e.getCode() == 0 || e.getCode() >= 500);
    }
  }
}
