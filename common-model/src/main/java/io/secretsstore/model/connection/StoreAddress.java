package io.secretsstore.model.connection;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.Locale;

/**
 * A store address, {@code http(s)://host[:port]}, in canonical form: scheme and host in lower case,
 * the scheme's default port left out. Two spellings of one address ({@code https://Vault:443} and
 * {@code https://vault}) are equal, so allowlists and "is this the module's store" cannot be
 * side-stepped by spelling.
 *
 * @param scheme {@code http} or {@code https}
 * @param host the host name or IP literal ({@code [::1]} for IPv6)
 * @param port the port, or -1 for the scheme's default
 */
public record StoreAddress(String scheme, String host, int port) {

  /**
   * Reads {@code text}.
   *
   * @throws IllegalArgumentException naming what is wrong: not a URL, another scheme, no host, user
   *     info, a path, a query or a fragment
   */
  public static StoreAddress parse(String text) {
    if (text == null || text.isBlank()) {
      throw new IllegalArgumentException(
          "the store address is empty; expected https://host[:port]");
    }
    URI uri;
    try {
      uri = new URI(text.trim());
    } catch (URISyntaxException e) {
      throw new IllegalArgumentException(
          "'" + text + "' is not a URL; expected https://host[:port]");
    }
    String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
    if (!scheme.equals("https") && !scheme.equals("http")) {
      throw new IllegalArgumentException(
          "'" + text + "' is not an http(s) URL; expected https://host[:port]");
    }
    if (uri.getHost() == null || uri.getHost().isEmpty()) {
      throw new IllegalArgumentException("'" + text + "' has no host name");
    }
    String path = uri.getRawPath() == null ? "" : uri.getRawPath();
    if (uri.getRawUserInfo() != null
        || uri.getRawQuery() != null
        || uri.getRawFragment() != null
        || !(path.isEmpty() || path.equals("/"))) {
      throw new IllegalArgumentException(
          "'"
              + text
              + "' must be only scheme, host and port (no user, path, query or fragment; /v1 is"
              + " added by the client)");
    }
    int port = uri.getPort();
    if (port == defaultPort(scheme)) {
      port = -1;
    }
    return new StoreAddress(scheme, uri.getHost().toLowerCase(Locale.ROOT), port);
  }

  /** Whether the address uses plain {@code http} (tokens and secrets unencrypted on the wire). */
  public boolean isPlainHttp() {
    return scheme.equals("http");
  }

  /** {@code scheme://host[:port]}. */
  @Override
  public String toString() {
    return scheme + "://" + host + (port < 0 ? "" : ":" + port);
  }

  private static int defaultPort(String scheme) {
    return scheme.equals("https") ? 443 : 80;
  }
}
