package io.secretsstore.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fabric8.kubernetes.api.model.authentication.TokenRequestBuilder;
import io.secretsstore.e2e.store.SeedStore;
import io.secretsstore.e2e.store.StoreAudit;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The store setup our documentation gives, against the real API server: the store's Kubernetes auth
 * accepts a pod's token for the dedicated audience only when the role names that audience. (The
 * fabric8 mock ignores audiences, which is why this lives on the real cluster.)
 */
@ExtendWith(E2eSystem.class)
@ClusterAndStoreOnly
class StoreSetupIT {

  @Test
  void aRoleNamingTheStoreAudienceAcceptsTheStoreAudienceToken(InstalledSystem system) {
    String jwt = token(system, InstalledSystem.STORE_AUDIENCE);
    long mark = system.audit().mark();

    var answer = login(system, SeedStore.ROLE, jwt);

    assertThat(answer.path("auth").path("client_token").asText()).isNotBlank();
    assertThat(answer.path("auth").path("metadata").path("service_account_name").asText())
        .isEqualTo(SeedStore.SERVICE_ACCOUNT);
    assertThat(system.audit().countByPath(mark, StoreAudit.Request::isLogin))
        .containsExactly(java.util.Map.entry("auth/kubernetes_local/login", 1));
  }

  @Test
  void aRoleWithoutAudienceAcceptsTokensOfAnyAudienceWhichIsWhyTheDocsSetOne(
      InstalledSystem system) {
    // The module's documented role setup names no audience. This store (like current Vault
    // plugins) then reviews a token for the audiences the token itself carries, so the login
    // works with the store audience, but also with a token the API server accepts: a role
    // without audience cannot tell a token meant for the store from an API token.
    system.store().createRole("no-audience", SeedStore.SERVICE_ACCOUNT, SeedStore.NAMESPACE, null);

    var storeToken = login(system, "no-audience", token(system, InstalledSystem.STORE_AUDIENCE));
    var apiToken = login(system, "no-audience", token(system, system.cluster().apiAudience()));

    assertThat(storeToken.path("auth").path("client_token").asText()).isNotBlank();
    assertThat(apiToken.path("auth").path("client_token").asText()).isNotBlank();
  }

  @Test
  void anApiServerTokenIsRefusedByARoleThatExpectsTheStoreAudience(InstalledSystem system) {
    String jwt = token(system, system.cluster().apiAudience());

    assertThatThrownBy(() -> login(system, SeedStore.ROLE, jwt)).hasMessageContaining("HTTP 403");
  }

  private static String token(InstalledSystem system, String audience) {
    return system
        .cluster()
        .client()
        .serviceAccounts()
        .inNamespace(SeedStore.NAMESPACE)
        .withName(SeedStore.SERVICE_ACCOUNT)
        .tokenRequest(
            new TokenRequestBuilder()
                .withNewSpec()
                .withAudiences(audience)
                .withExpirationSeconds(600L)
                .endSpec()
                .build())
        .getStatus()
        .getToken();
  }

  private static com.fasterxml.jackson.databind.JsonNode login(
      InstalledSystem system, String role, String jwt) {
    return system
        .store()
        .admin()
        .request(
            "POST",
            "auth/" + system.store().authPath() + "/login",
            Map.of("role", role, "jwt", jwt));
  }
}
