package io.secretsstore.webhook.registry;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Which registries a pod spec may make the webhook contact. The image names come from tenants, so
 * without limits a pod spec is a way to make the webhook connect to any host and port of the
 * cluster's network. Every refusal has one text, so the answer says nothing about what is there.
 */
final class RegistryAccess {

  private final RegistryProperties properties;

  RegistryAccess(RegistryProperties properties) {
    this.properties = properties;
  }

  /** Throws when {@code registry} (host[:port], after the mirror mapping) may not be asked. */
  void check(String registry) throws ImageCommands.LookupException {
    check(registry, List.of(registry), host(registry));
  }

  /**
   * The same rule for one HTTP request of a lookup: to the registry, to the bearer-token realm its
   * {@code WWW-Authenticate} names, to where a redirect points. {@code port} -1 means the scheme's.
   */
  void checkRequest(String scheme, String host, int port) throws ImageCommands.LookupException {
    String name = host.toLowerCase(Locale.ROOT);
    if (name.contains(":") && !name.startsWith("[")) {
      name = "[" + name + "]";
    }
    int defaultPort = "http".equalsIgnoreCase(scheme) ? 80 : 443;
    List<String> spellings = new ArrayList<>();
    if (port > 0) {
      spellings.add(name + ":" + port);
    }
    if (port <= 0 || port == defaultPort) {
      spellings.add(name);
    }
    if (name.equals("registry-1.docker.io") || name.equals("index.docker.io")) {
      spellings.add("docker.io");
    }
    check(spellings.getFirst(), spellings, host);
  }

  /**
   * At connection time, the addresses a host resolved to: a host nobody named that now resolves to
   * an internal address (it resolved to a public one for {@link #check}) is refused.
   */
  void checkResolved(String host, InetAddress[] addresses) throws ImageCommands.LookupException {
    if (properties.allowPrivateAddresses() || namedHost(host)) {
      return;
    }
    for (InetAddress address : addresses) {
      if (isInternal(address)) {
        throw refused(host);
      }
    }
  }

  private void check(String registry, List<String> spellings, String host)
      throws ImageCommands.LookupException {
    if (spellings.stream().anyMatch(properties::namedByAdministrator)) {
      return;
    }
    if (!properties.allowedRegistries().isEmpty()) {
      throw refused(registry);
    }
    if (properties.allowPrivateAddresses()) {
      return;
    }
    try {
      for (InetAddress address : InetAddress.getAllByName(host)) {
        if (isInternal(address)) {
          throw refused(registry);
        }
      }
    } catch (UnknownHostException e) {
      throw new ImageCommands.LookupException(unreachable(registry));
    }
  }

  /** Whether an administrator named a registry on {@code host} (any port). */
  private boolean namedHost(String host) {
    String name = host.toLowerCase(Locale.ROOT);
    return java.util.stream.Stream.of(
            properties.allowedRegistries().stream(),
            properties.insecureRegistries().stream(),
            properties.mirrors().values().stream())
        .flatMap(s -> s)
        .map(RegistryAccess::host)
        .map(h -> h.toLowerCase(Locale.ROOT))
        .anyMatch(name::equals);
  }

  static ImageCommands.LookupException refused(String registry) {
    return new ImageCommands.LookupException(
        "the registry "
            + registry
            + " is not one the webhook may look images up in (registry.allowed-registries;"
            + " registries on internal addresses must be listed, and so must the hosts of their"
            + " token service and redirects)");
  }

  /** One text for every way of not getting an answer: closed port, hang, untrusted TLS, no host. */
  static String unreachable(String registry) {
    return "the registry "
        + registry
        + " could not be reached over verified TLS within the lookup deadline (a missing CA goes"
        + " into registry.ca-file, a registry without TLS into registry.insecure-registries)";
  }

  static String host(String registry) {
    if (registry.startsWith("[")) {
      int end = registry.indexOf(']');
      return end > 0 ? registry.substring(1, end) : registry;
    }
    int colon = registry.lastIndexOf(':');
    String host = colon > 0 ? registry.substring(0, colon) : registry;
    return host.equals("docker.io") ? "registry-1.docker.io" : host;
  }

  static boolean isInternal(InetAddress address) {
    if (address.isLoopbackAddress()
        || address.isLinkLocalAddress()
        || address.isSiteLocalAddress()
        || address.isAnyLocalAddress()
        || address.isMulticastAddress()) {
      return true;
    }
    byte[] bytes = address.getAddress();
    if (address instanceof Inet6Address) {
      // fc00::/7 unique local addresses (the IPv6 private ranges).
      return (bytes[0] & 0xfe) == 0xfc;
    }
    // 100.64.0.0/10 (carrier-grade NAT, used by some pod networks).
    return (bytes[0] & 0xff) == 100 && (bytes[1] & 0xc0) == 64;
  }
}
