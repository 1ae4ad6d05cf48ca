package io.secretsstore.provider.mount;

import io.grpc.Status;
import io.secretsstore.model.connection.StoreAddress;
import io.secretsstore.model.connection.StoreAddressPolicy;
import io.secretsstore.model.names.CsiNames;
import io.secretsstore.model.provider.ErrorCode;
import io.secretsstore.provider.config.ConnectionDefaults;
import io.secretsstore.provider.config.ProviderProperties;
import io.secretsstore.provider.mount.MountParameters.Dialect;
import io.secretsstore.vault.login.ServiceAccountJwt;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Where a pod's token may go, and which token: the store address must be the module's or on the
 * module's allowlist; the token is the one for the dedicated audience, and a token the Kubernetes
 * API accepts is never sent to a store unless the administrator allowed it, and then only to the
 * module's own store. Checked before any connection is made.
 */
public final class StoreAccessPolicy {

  private static final Logger log = LoggerFactory.getLogger(StoreAccessPolicy.class);

  /** The upstream vault provider's audience when a SecretProviderClass names none. */
  static final String UPSTREAM_DEFAULT_AUDIENCE = "vault";

  private static final int MAX_WARNED_ADDRESSES = 1024;

  private final StoreAddressPolicy addresses;
  private final Optional<StoreAddress> moduleAddress;
  private final String defaultAudience;
  private final boolean allowApiServerAudience;
  private final Set<String> apiServerAudiences;
  private final Set<StoreAddress> warnedHttp = ConcurrentHashMap.newKeySet();

  public StoreAccessPolicy(ProviderProperties properties, ConnectionDefaults defaults) {
    this.addresses = defaults.addressPolicy();
    this.moduleAddress =
        defaults.url().isBlank()
            ? Optional.empty()
            : Optional.of(StoreAddress.parse(defaults.url()));
    moduleAddress.ifPresent(this::warnOnHttp);
    this.defaultAudience = properties.defaultAudience();
    this.allowApiServerAudience = properties.allowApiServerAudience();
    this.apiServerAudiences = Set.copyOf(properties.apiServerAudiences());
  }

  /** The token kubelet passed, chosen by audience. */
  public record ChosenToken(String audience, String jwt) {
    @Override
    public String toString() {
      return "ChosenToken[audience=" + audience + "]";
    }
  }

  /**
   * Checks an address the request named itself (the module's own address is not checked here);
   * plain http is warned about once per address.
   */
  public void checkAddress(String address) {
    switch (addresses.check(address)) {
      case StoreAddressPolicy.Decision.Refused refused ->
          throw new MountException(
              ErrorCode.ADDRESS_NOT_ALLOWED, Status.Code.PERMISSION_DENIED, refused.reason());
      case StoreAddressPolicy.Decision.Allowed allowed -> warnOnHttp(allowed.address());
    }
  }

  /** Warns once per plain-http address, the module's included. */
  public void warnOnHttp(StoreAddress address) {
    if (address.isPlainHttp()
        && warnedHttp.size() < MAX_WARNED_ADDRESSES
        && warnedHttp.add(address)) {
      log.warn(
          "INSECURE: store address {} uses plain http: pods' login tokens and their secrets cross"
              + " the network unencrypted; use https",
          address);
    }
  }

  /**
   * The token to log in with: the one for the requested audience; without one, upstream's {@code
   * vault} for a SecretProviderClass (what the upstream provider picks), then {@code
   * default-audience}; if kubelet passed exactly one token and nothing was asked for, that one.
   */
  public ChosenToken chooseToken(MountParameters parameters) {
    Map<String, String> tokens = parameters.tokens();
    List<String> candidates = new ArrayList<>();
    parameters.audience().ifPresent(candidates::add);
    if (parameters.audience().isEmpty()) {
      if (parameters.dialect() == Dialect.SECRET_PROVIDER_CLASS) {
        candidates.add(UPSTREAM_DEFAULT_AUDIENCE);
      }
      candidates.add(defaultAudience);
    }
    for (String audience : candidates) {
      String token = tokens.get(audience);
      if (token != null) {
        return new ChosenToken(audience, token);
      }
    }
    if (parameters.audience().isEmpty() && tokens.size() == 1) {
      var only = tokens.entrySet().iterator().next();
      return new ChosenToken(only.getKey(), only.getValue());
    }
    throw new MountException(
        ErrorCode.MISSING_TOKEN,
        Status.Code.FAILED_PRECONDITION,
        "kubelet passed no service-account token for audience '"
            + candidates.getLast()
            + "' (it passed "
            + (tokens.isEmpty() ? "none" : "audiences " + tokens.keySet())
            + "): the CSIDriver "
            + CsiNames.DRIVER_NAME
            + " must list this audience in spec.tokenRequests; the chart sets it from"
            + " its tokenAudience value");
  }

  /**
   * Refuses a token the Kubernetes API would accept: whoever runs the store at the address could
   * replay it against the API server as the pod. Kubelet's token for audience {@code ""} carries
   * the API server's audiences; so does any token whose {@code aud} names one of them.
   */
  public void checkAudience(
      ChosenToken token, ServiceAccountJwt claims, Optional<String> chosenAddress) {
    boolean apiToken =
        token.audience().isEmpty()
            || claims.audiences().stream().anyMatch(apiServerAudiences::contains);
    if (!apiToken) {
      return;
    }
    String which =
        token.audience().isEmpty()
            ? "kubelet's token for audience \"\" (the API server's)"
            : "the token for audience '" + token.audience() + "'";
    if (!allowApiServerAudience) {
      throw new MountException(
          ErrorCode.API_AUDIENCE_TOKEN,
          Status.Code.PERMISSION_DENIED,
          which
              + " is accepted by the Kubernetes API and is not sent to a store: give store roles"
              + " the dedicated audience '"
              + defaultAudience
              + "' (the chart's tokenAudience, listed in the CSIDriver's tokenRequests) and leave"
              + " 'audience' out, or set it to that audience");
    }
    if (chosenAddress.isPresent() && !isModuleAddress(chosenAddress.get())) {
      throw new MountException(
          ErrorCode.API_AUDIENCE_TOKEN,
          Status.Code.PERMISSION_DENIED,
          which
              + " is accepted by the Kubernetes API; it is sent only to the module's own store"
              + " (secrets-store.provider.allow-api-server-audience), never to an address the"
              + " import names ("
              + chosenAddress.get()
              + ")");
    }
  }

  private boolean isModuleAddress(String address) {
    try {
      return moduleAddress.isPresent() && StoreAddress.parse(address).equals(moduleAddress.get());
    } catch (IllegalArgumentException e) {
      return false;
    }
  }
}
