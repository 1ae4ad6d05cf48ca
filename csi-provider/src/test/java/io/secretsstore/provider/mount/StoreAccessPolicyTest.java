package io.secretsstore.provider.mount;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.secretsstore.provider.config.ConnectionDefaults;
import io.secretsstore.provider.config.ProviderProperties;
import io.secretsstore.provider.mount.MountParameters.Dialect;
import io.secretsstore.provider.mount.MountParameters.PodInfo;
import io.secretsstore.vault.login.ServiceAccountJwt;
import io.secretsstore.vault.login.ServiceAccountRef;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class StoreAccessPolicyTest {

  static final String MODULE = "https://stronghold.example.com";
  static final List<String> API = List.of("https://kubernetes.default.svc");

  static StoreAccessPolicy policy(boolean allowApiAudience) {
    return new StoreAccessPolicy(
        new ProviderProperties(
            Path.of("/tmp"),
            "secrets-store",
            allowApiAudience,
            API,
            16,
            Duration.ofSeconds(2),
            1000,
            Duration.ofSeconds(10),
            Duration.ofSeconds(5),
            null,
            null),
        new ConnectionDefaults(MODULE, "", "kubernetes", "", List.of()));
  }

  static MountParameters request(
      Dialect dialect, Optional<String> audience, Map<String, String> t) {
    return new MountParameters(
        dialect,
        "role",
        Optional.empty(),
        Optional.empty(),
        Optional.empty(),
        Optional.empty(),
        Optional.empty(),
        Optional.empty(),
        false,
        audience,
        List.of(),
        new PodInfo("ns", "pod", "uid", new ServiceAccountRef("ns", "sa")),
        t,
        Optional.empty());
  }

  static ServiceAccountJwt claims(List<String> audiences) {
    return new ServiceAccountJwt("system:serviceaccount:ns:sa", audiences, Optional.empty());
  }

  @Test
  void upstreamRequestsWithoutAudiencePickVaultLikeTheUpstreamProvider() {
    Map<String, String> tokens = Map.of("", "api", "vault", "v", "secrets-store", "s");
    assertThat(
            policy(false)
                .chooseToken(request(Dialect.SECRET_PROVIDER_CLASS, Optional.empty(), tokens))
                .audience())
        .isEqualTo("vault");
    assertThat(
            policy(false)
                .chooseToken(request(Dialect.SECRETS_STORE_IMPORT, Optional.empty(), tokens))
                .audience())
        .isEqualTo("secrets-store");
    assertThat(
            policy(false)
                .chooseToken(
                    request(Dialect.SECRET_PROVIDER_CLASS, Optional.of("secrets-store"), tokens))
                .audience())
        .isEqualTo("secrets-store");
  }

  @Test
  void apiAudienceTokensGoOnlyToTheModulesStoreAndOnlyWhenAllowed() {
    var apiToken = new StoreAccessPolicy.ChosenToken("", "jwt");
    MountException refused =
        catchThrowableOfType(
            MountException.class,
            () -> policy(false).checkAudience(apiToken, claims(API), Optional.empty()));
    assertThat(refused.code().code()).isEqualTo("api_audience_token");

    StoreAccessPolicy allowing = policy(true);
    assertThatCode(() -> allowing.checkAudience(apiToken, claims(API), Optional.empty()))
        .doesNotThrowAnyException();
    assertThatCode(
            () -> allowing.checkAudience(apiToken, claims(API), Optional.of(MODULE + ":443/")))
        .doesNotThrowAnyException();
    MountException chosen =
        catchThrowableOfType(
            MountException.class,
            () ->
                allowing.checkAudience(
                    apiToken, claims(API), Optional.of("https://collector.example.com")));
    assertThat(chosen.code().code()).isEqualTo("api_audience_token");
    assertThat(chosen.getMessage()).contains("never to an address the import names");

    // A dedicated-audience token is fine anywhere the address policy allows.
    assertThatCode(
            () ->
                policy(false)
                    .checkAudience(
                        new StoreAccessPolicy.ChosenToken("secrets-store", "jwt"),
                        claims(List.of("secrets-store")),
                        Optional.of("https://collector.example.com")))
        .doesNotThrowAnyException();
  }
}
