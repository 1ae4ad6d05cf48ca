package io.secretsstore.injector.resolve;

import io.secretsstore.injector.config.InjectorConfig;
import io.secretsstore.injector.log.InjectorLog;
import io.secretsstore.injector.store.InjectorStoreClient;
import io.secretsstore.injector.store.InjectorStoreClient.Lease;
import io.secretsstore.injector.store.InjectorStoreClient.Token;
import io.secretsstore.model.reference.SecretLocation;
import io.secretsstore.vault.error.StoreErrorKind;
import io.secretsstore.vault.error.StoreException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Supplier;

/**
 * The injector's connection to the store: one Kubernetes-auth login with the pod's token file
 * (retried with backoff until the login timeout: in meshes like Istio the network is not ready in
 * the first seconds, and on a starved node one attempt can take the whole request timeout), then
 * reads and writes with that token. Every request is bounded by the client timeout.
 */
public final class StoreSession implements AutoCloseable {

  /**
   * Longest pause between login attempts: a node's pods that wait for a store outage to end add up
   * to at most one attempt per pod every few seconds, and find the store within that once it is
   * back.
   */
  private static final Duration MAX_PAUSE = Duration.ofSeconds(5);

  private final InjectorConfig config;
  private final InjectorLog log;
  private final InjectorStoreClient client;
  private Token token;

  public StoreSession(InjectorConfig config, InjectorLog log) {
    this.config = config;
    this.log = log;
    if (config.skipVerify()) {
      log.warn("TLS verification of " + config.address() + " is off (VAULT_SKIP_VERIFY)");
    }
    this.client =
        new InjectorStoreClient(
            config.address(),
            config.namespace(),
            config.tls().orElse(null),
            config.skipVerify(),
            config.clientTimeout());
  }

  /** Logs in, retrying connection problems, 429 and 5xx, and a token file that is not there yet. */
  public void login(Instant deadline) throws ResolutionException, InterruptedException {
    Duration pause = Duration.ofMillis(200);
    int attempt = 0;
    while (true) {
      attempt++;
      String failure;
      String jwt = null;
      try {
        jwt = Files.readString(config.tokenPath()).trim();
        token = client.login(config.authPath(), config.role(), jwt);
        log.debug("logged in to " + config.address() + " as role " + config.role());
        return;
      } catch (NoSuchFileException e) {
        failure = "the service-account token file " + config.tokenPath() + " does not exist";
      } catch (IOException e) {
        throw new ResolutionException(
            "cannot read the service-account token file "
                + config.tokenPath()
                + ": "
                + io.secretsstore.injector.log.Messages.plain(e.getMessage(), "read failed"));
      } catch (StoreException e) {
        if (!e.retryable()) {
          throw new ResolutionException(LoginDenial.describe(config, e, jwt));
        }
        failure = e.getMessage();
      }
      if (Instant.now().plus(pause).isAfter(deadline)) {
        throw new ResolutionException(
            "login to "
                + config.address()
                + " did not succeed within "
                + config.loginTimeout().toMillis() / 1000.0
                + "s (VAULT_LOGIN_TIMEOUT)"
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
      Duration doubled = pause.multipliedBy(2);
      pause = doubled.compareTo(MAX_PAUSE) > 0 ? MAX_PAUSE : doubled;
    }
  }

  public InjectorStoreClient.Read read(SecretLocation location) {
    return withRelogin(() -> client.read(token, location.path(), location.version()));
  }

  public Map<String, Object> write(String path, Map<String, ?> body) {
    return withRelogin(() -> client.write(token, path, body));
  }

  /** Renews the login token; the token as renewed, or a failure (not renewable, revoked). */
  public Token renewToken() {
    token = client.renewSelf(token, token.leaseDuration());
    return token;
  }

  /** Renews a lease of a dynamic secret by its original duration. */
  public Lease renewLease(Lease lease) {
    return client.renewLease(token, lease.id(), lease.duration());
  }

  /** The token itself, so that no resolved value can carry it to the application. */
  String tokenValue() {
    return token == null ? null : token.value();
  }

  public Token token() {
    return token;
  }

  @Override
  public void close() {
    client.close();
  }

  /** A 403 may mean the token expired or was revoked: log in once more and retry. */
  private <T> T withRelogin(Supplier<T> action) {
    try {
      return action.get();
    } catch (StoreException e) {
      if (e.kind() != StoreErrorKind.PERMISSION_DENIED) {
        throw e;
      }
      try {
        login(Instant.now().plus(config.loginTimeout()));
      } catch (ResolutionException | InterruptedException again) {
        if (again instanceof InterruptedException) {
          Thread.currentThread().interrupt();
        }
        throw e;
      }
      return action.get();
    }
  }
}
