package io.secretsstore.model.connection;

import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Which store addresses a pod or an import may name: the module's own store always; any other only
 * when the module's allowlist is empty or lists it; plain {@code http://} only when the module
 * allows it, and then with a warning. A store at a chosen address receives a service-account token
 * and answers with what lands in the pod, so this decides where tenants' tokens may go.
 */
public final class StoreAddressPolicy {

  /** The module settings this policy comes from, as users and messages name them. */
  public static final String ALLOWED_ADDRESSES_SETTING = "connection.allowedAddresses";

  public static final String ALLOW_HTTP_SETTING = "connection.allowInsecureHttp";

  /** What {@link #check} says about an address. */
  public sealed interface Decision {
    /** The address may be used; a {@code warning} is logged and shown where the user looks. */
    record Allowed(StoreAddress address, Optional<String> warning) implements Decision {}

    /** The address is refused; the reason is a complete sentence naming the address. */
    record Refused(String reason) implements Decision {}
  }

  private final StoreAddress moduleAddress;
  private final Set<StoreAddress> allowed;
  private final boolean allowHttp;

  /**
   * @param moduleAddress the module's own store (always allowed, if its scheme is)
   * @param allowed the allowlist; empty allows any address
   * @param allowHttp whether plain http addresses may be used at all
   */
  public StoreAddressPolicy(
      StoreAddress moduleAddress, List<StoreAddress> allowed, boolean allowHttp) {
    this.moduleAddress = moduleAddress;
    this.allowed = Set.copyOf(new LinkedHashSet<>(allowed));
    this.allowHttp = allowHttp;
  }

  public boolean allowsHttp() {
    return allowHttp;
  }

  /** The allowlist (empty: any address). */
  public Set<StoreAddress> allowlist() {
    return allowed;
  }

  /** Whether {@code address} (as written by a pod or an import) may be used. */
  public Decision check(String address) {
    StoreAddress parsed;
    try {
      parsed = StoreAddress.parse(address);
    } catch (IllegalArgumentException e) {
      return new Decision.Refused("store address " + e.getMessage());
    }
    if (!allowed.isEmpty() && !allowed.contains(parsed) && !parsed.equals(moduleAddress)) {
      return new Decision.Refused(
          "store address '"
              + parsed
              + "' is not one the cluster allows (module setting "
              + ALLOWED_ADDRESSES_SETTING
              + "): use the module's store, or ask the cluster administrator to add it");
    }
    if (parsed.isPlainHttp()) {
      if (!allowHttp) {
        return new Decision.Refused(
            "store address '"
                + parsed
                + "' uses plain http: the login token and the secrets would cross the network"
                + " unencrypted; use https (the module setting "
                + ALLOW_HTTP_SETTING
                + " allows http)");
      }
      return new Decision.Allowed(parsed, Optional.of(httpWarning(parsed)));
    }
    return new Decision.Allowed(parsed, Optional.empty());
  }

  /** The warning for an allowed plain-http address. */
  public static String httpWarning(StoreAddress address) {
    return "store address '"
        + address
        + "' uses plain http (allowed by "
        + ALLOW_HTTP_SETTING
        + "): the login token and the secrets cross the network unencrypted";
  }
}
