package io.secretsstore.model.connection;

import io.secretsstore.model.crd.SsiPatterns;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The module's store connection with defaults applied, checked: what pods and imports get when they
 * name no store of their own.
 *
 * <p>{@code DiscoverLocalStronghold} means what it means in the Deckhouse module: the Stronghold
 * Service of the cluster ({@value #LOCAL_STRONGHOLD_URL}), trusted through its CA ({@code ca.crt}
 * of the Secret {@code d8-stronghold/stronghold-tls}, passed in by the chart), with the auth mount
 * the Stronghold module configures for its own cluster, {@value #LOCAL_AUTH_PATH}. {@code
 * connection.url} is refused in this mode (the module's schema forbids it too); {@code caCert},
 * {@code authPath} and {@code namespace} may still be set and win.
 *
 * @param configuration the mode
 * @param url the store's address
 * @param caCert the PEM CA that verifies it; empty means the system CAs
 * @param authPath the Kubernetes auth mount
 * @param namespace the store namespace, if any
 * @param addresses which addresses pods and imports may name
 * @param warnings what the service should log at start (plain http allowed, no CA for Stronghold)
 */
public record ModuleConnection(
    ConnectionConfiguration configuration,
    StoreAddress url,
    Optional<String> caCert,
    String authPath,
    Optional<String> namespace,
    StoreAddressPolicy addresses,
    List<String> warnings) {

  /** The in-cluster address of Deckhouse Stronghold (its Service in {@code d8-stronghold}). */
  public static final String LOCAL_STRONGHOLD_URL = "https://stronghold.d8-stronghold.svc:8300";

  /** The auth mount Stronghold sets up for the cluster it runs in. */
  public static final String LOCAL_AUTH_PATH = "kubernetes_local";

  /** The auth mount of a {@code Manual} store unless {@code connection.authPath} says otherwise. */
  public static final String MANUAL_AUTH_PATH = "kubernetes";

  /** Whether {@code address} is the module's own store (however it is spelled). */
  public boolean isModuleAddress(String address) {
    try {
      return StoreAddress.parse(address).equals(url);
    } catch (IllegalArgumentException e) {
      return false;
    }
  }

  static ModuleConnection resolve(ModuleConnectionSettings settings) {
    ConnectionConfiguration mode;
    try {
      mode =
          settings.configuration().isEmpty()
              ? ConnectionConfiguration.DiscoverLocalStronghold
              : ConnectionConfiguration.valueOf(settings.configuration());
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(
          "connectionConfiguration '"
              + settings.configuration()
              + "' is not DiscoverLocalStronghold or Manual");
    }
    List<String> warnings = new ArrayList<>();
    String urlText;
    String caCert = settings.caCert();
    String authPath = settings.authPath();
    if (mode == ConnectionConfiguration.DiscoverLocalStronghold) {
      if (!settings.url().isEmpty()) {
        throw new IllegalArgumentException(
            "connection.url is set but connectionConfiguration is DiscoverLocalStronghold (the"
                + " default), which uses the cluster's Stronghold: set connectionConfiguration to"
                + " Manual to use "
                + settings.url());
      }
      urlText = LOCAL_STRONGHOLD_URL;
      if (caCert.isEmpty()) {
        caCert = settings.localStrongholdCaCert();
      }
      if (caCert.isEmpty()) {
        warnings.add(
            "connectionConfiguration is DiscoverLocalStronghold but the local Stronghold's CA"
                + " (d8-stronghold/stronghold-tls ca.crt) was not passed in: its certificate is"
                + " verified against the system CAs only");
      }
      if (authPath.isEmpty()) {
        authPath = LOCAL_AUTH_PATH;
      }
    } else {
      if (settings.url().isEmpty()) {
        throw new IllegalArgumentException(
            "connectionConfiguration is Manual but connection.url is not set: name the store,"
                + " e.g. https://vault.example.com:8200");
      }
      urlText = settings.url();
      if (authPath.isEmpty()) {
        authPath = MANUAL_AUTH_PATH;
      }
    }
    StoreAddress url;
    try {
      url = StoreAddress.parse(urlText);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("connection.url " + e.getMessage());
    }
    if (url.isPlainHttp()) {
      if (!settings.allowInsecureHttp()) {
        throw new IllegalArgumentException(
            "connection.url '"
                + url
                + "' uses plain http: set an https address, or allow http explicitly with "
                + StoreAddressPolicy.ALLOW_HTTP_SETTING);
      }
      warnings.add(StoreAddressPolicy.httpWarning(url));
    }
    if (!caCert.isEmpty()) {
      requirePem(
          caCert,
          mode == ConnectionConfiguration.DiscoverLocalStronghold && settings.caCert().isEmpty()
              ? "the local Stronghold CA"
              : "connection.caCert");
    }
    if (!SsiPatterns.isCleanMountPath(authPath)) {
      throw new IllegalArgumentException(
          "connection.authPath '"
              + authPath
              + "' is not an auth mount path (letters, digits, '-', '_', '.', '/'; no empty, '.'"
              + " or '..' segments)");
    }
    if (!settings.namespace().isEmpty() && !SsiPatterns.isCleanMountPath(settings.namespace())) {
      throw new IllegalArgumentException(
          "connection.namespace '"
              + settings.namespace()
              + "' is not a store namespace (letters, digits, '-', '_', '.', '/'; no empty, '.' or"
              + " '..' segments)");
    }
    List<StoreAddress> allowed = new ArrayList<>();
    for (String entry : settings.allowedAddresses()) {
      try {
        allowed.add(StoreAddress.parse(entry));
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException(
            StoreAddressPolicy.ALLOWED_ADDRESSES_SETTING + ": " + e.getMessage());
      }
    }
    return new ModuleConnection(
        mode,
        url,
        caCert.isEmpty() ? Optional.empty() : Optional.of(caCert),
        authPath,
        settings.namespace().isEmpty() ? Optional.empty() : Optional.of(settings.namespace()),
        new StoreAddressPolicy(url, allowed, settings.allowInsecureHttp()),
        List.copyOf(warnings));
  }

  /** The PEM holds at least one X.509 certificate. */
  static void requirePem(String pem, String setting) {
    try {
      if (CertificateFactory.getInstance("X.509")
          .generateCertificates(new ByteArrayInputStream(pem.getBytes(StandardCharsets.US_ASCII)))
          .isEmpty()) {
        throw new IllegalArgumentException(setting + " holds no PEM certificate");
      }
    } catch (CertificateException e) {
      throw new IllegalArgumentException(setting + " is not a PEM X.509 certificate");
    }
  }
}
