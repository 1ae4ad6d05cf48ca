package io.secretsstore.injector.resolve;

import io.secretsstore.injector.config.InjectorConfig;
import io.secretsstore.injector.log.InjectorLog;
import io.secretsstore.model.reference.SecretLocation;
import io.secretsstore.vault.KvSecret;
import io.secretsstore.vault.RetryPolicy;
import io.secretsstore.vault.StoreClient;
import io.secretsstore.vault.StoreConnection;
import io.secretsstore.vault.StoreMetrics;
import io.secretsstore.vault.TlsOptions;
import io.secretsstore.vault.error.StoreErrorKind;
import io.secretsstore.vault.error.StoreException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.OptionalInt;
import java.util.concurrent.ThreadLocalRandom;
import org.springframework.vault.authentication.LoginToken;

/**
 * The injector's connection to the store: one Kubernetes-auth login with the pod's token file
 * (retried with backoff until the client timeout: in meshes like Istio the network is not ready in
 * the first seconds), then reads and writes with that token.
 */
public final class StoreSession {

  private final InjectorConfig config;
  private final InjectorLog log;
  private final StoreClient client;
  private LoginToken token;

  public StoreSession(InjectorConfig config, InjectorLog log) {
    this.config = config;
    this.log = log;
    TlsOptions tls;
    if (config.skipVerify()) {
      log.warn("TLS verification of " + config.address() + " is off (VAULT_SKIP_VERIFY)");
      tls = TlsOptions.insecureSkipVerify();
    } else if (config.caCertPem().isPresent()) {
      tls = TlsOptions.trustPem(config.caCertPem().get());
    } else if (config.caCertFile().isPresent()) {
      tls = TlsOptions.trustFile(config.caCertFile().get());
    } else {
      tls = TlsOptions.SYSTEM_CAS;
    }
    Duration request =
        config.clientTimeout().compareTo(Duration.ofSeconds(10)) < 0
            ? config.clientTimeout()
            : Duration.ofSeconds(10);
    this.client =
        StoreClient.create(
            StoreConnection.builder(config.address())
                .namespace(config.namespace())
                .tls(tls)
                .requestTimeout(request)
                // The login loop below retries; single requests do not.
                .retryPolicy(RetryPolicy.NONE)
                .build(),
            StoreMetrics.unexported());
  }

  /** Logs in, retrying connection problems, 429 and 5xx, and a token file that is not there yet. */
  public void login(Instant deadline) throws ResolutionException, InterruptedException {
    Duration pause = Duration.ofMillis(200);
    int attempt = 0;
    while (true) {
      attempt++;
      String failure;
      try {
        String jwt = Files.readString(config.tokenPath()).trim();
        token = client.login(config.authPath(), config.role(), jwt);
        log.debug("logged in to " + config.address() + " as role " + config.role());
        return;
      } catch (NoSuchFileException e) {
        failure = "the service-account token file " + config.tokenPath() + " does not exist";
      } catch (IOException e) {
        throw new ResolutionException(
            "cannot read the service-account token file " + config.tokenPath() + ": " + e);
      } catch (StoreException e) {
        if (!e.retryable()) {
          throw new ResolutionException(
              "login to " + config.address() + " failed: " + e.getMessage());
        }
        failure = e.getMessage();
      }
      if (Instant.now().plus(pause).isAfter(deadline)) {
        throw new ResolutionException(
            "login to "
                + config.address()
                + " did not succeed within "
                + config.clientTimeout().toMillis() / 1000.0
                + "s (VAULT_CLIENT_TIMEOUT)"
                + " ("
                + attempt
                + " attempts): "
                + failure);
      }
      log.info(
          "login attempt "
              + attempt
              + " failed, retrying in "
              + pause.toMillis()
              + " ms: "
              + failure);
      Thread.sleep(
          pause.toMillis() + ThreadLocalRandom.current().nextLong(pause.toMillis() / 4 + 1));
      pause =
          pause.multipliedBy(2).compareTo(Duration.ofSeconds(2)) > 0
              ? Duration.ofSeconds(2)
              : pause.multipliedBy(2);
    }
  }

  public KvSecret read(SecretLocation location) {
    return withRelogin(() -> client.readKv(token, location.path(), location.version()));
  }

  public Map<String, Object> write(String path, Map<String, ?> body) {
    return withRelogin(() -> client.write(token, path, body));
  }

  /** Renews the login token; false when the store will not (not renewable, or revoked). */
  public boolean renewToken() {
    try {
      token = client.renewSelf(token, token.getLeaseDuration());
      return true;
    } catch (StoreException e) {
      log.warn("renewing the store token failed: " + e.getMessage());
      return false;
    }
  }

  public LoginToken token() {
    return token;
  }

  /** A 403 may mean the token expired or was revoked: log in once more and retry. */
  private <T> T withRelogin(java.util.function.Supplier<T> action) {
    try {
      return action.get();
    } catch (StoreException e) {
      if (e.kind() != StoreErrorKind.PERMISSION_DENIED) {
        throw e;
      }
      try {
        login(Instant.now().plus(config.clientTimeout()));
      } catch (ResolutionException | InterruptedException again) {
        if (again instanceof InterruptedException) {
          Thread.currentThread().interrupt();
        }
        throw e;
      }
      return action.get();
    }
  }

  static OptionalInt none() {
    return OptionalInt.empty();
  }
}
