package io.secretsstore.vault;

import java.nio.file.Path;
import java.util.Objects;
import java.util.Optional;

/**
 * How to verify the store's TLS certificate.
 *
 * <p>Exactly one trust source applies: a PEM string (from an import, an annotation or the module
 * configuration), a PEM file, or the JVM's system CAs when neither is given. {@code skipVerify}
 * turns verification off entirely (certificate chain and host name); it exists for compatibility
 * and callers must warn when it is used.
 *
 * @param caCertPem one or more PEM certificates to trust instead of the system CAs
 * @param caCertFile a file with PEM certificates to trust instead of the system CAs
 * @param serverName the name to verify the server certificate against instead of the address host
 *     (the upstream provider's {@code vaultTLSServerName})
 * @param skipVerify accept any server certificate
 */
public record TlsOptions(
    Optional<String> caCertPem,
    Optional<Path> caCertFile,
    Optional<String> serverName,
    boolean skipVerify) {

  /** Verify against the system CAs. */
  public static final TlsOptions SYSTEM_CAS =
      new TlsOptions(Optional.empty(), Optional.empty(), Optional.empty(), false);

  public TlsOptions {
    Objects.requireNonNull(caCertPem, "caCertPem");
    Objects.requireNonNull(caCertFile, "caCertFile");
    Objects.requireNonNull(serverName, "serverName");
    if (caCertPem.isPresent() && caCertFile.isPresent()) {
      throw new IllegalArgumentException(
          "give the CA certificate either as PEM text or as a file, not both");
    }
    if (caCertPem.isPresent() && caCertPem.get().isBlank()) {
      caCertPem = Optional.empty();
    }
    serverName = serverName.filter(name -> !name.isBlank());
  }

  public static TlsOptions trustPem(String pem) {
    return new TlsOptions(Optional.of(pem), Optional.empty(), Optional.empty(), false);
  }

  public static TlsOptions trustFile(Path file) {
    return new TlsOptions(Optional.empty(), Optional.of(file), Optional.empty(), false);
  }

  public static TlsOptions insecureSkipVerify() {
    return new TlsOptions(Optional.empty(), Optional.empty(), Optional.empty(), true);
  }

  public TlsOptions withServerName(String name) {
    return new TlsOptions(caCertPem, caCertFile, Optional.ofNullable(name), skipVerify);
  }

  /** Never prints certificate contents: they are not secret, but they are long and noisy. */
  @Override
  public String toString() {
    String trust =
        skipVerify
            ? "skip-verify"
            : caCertPem.isPresent()
                ? "pem"
                : caCertFile.map(path -> "file:" + path).orElse("system-cas");
    return "TlsOptions[" + trust + serverName.map(name -> ", serverName=" + name).orElse("") + "]";
  }
}
