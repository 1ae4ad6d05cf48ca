package io.secretsstore.controller.secrets;

import io.secretsstore.controller.config.ConnectionDefaults;
import io.secretsstore.controller.imports.ImportOutcome;
import io.secretsstore.model.connection.StoreAddressPolicy;
import io.secretsstore.model.connection.TlsTrust;
import io.secretsstore.model.crd.SecretsStoreImportSpec;
import io.secretsstore.vault.StoreConnection;
import io.secretsstore.vault.TlsOptions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The store an import's Secret mode talks to: its own address or the module's, only where the
 * module's address policy allows (checked before any token is requested), with the TLS trust of
 * common-model's one rule ({@link TlsTrust}: skip-verify, the import's CA, the module's CA for the
 * module's own address however spelled, the system CAs).
 */
final class ImportStoreConnection {

  private static final Logger log = LoggerFactory.getLogger(ImportStoreConnection.class);

  private final ConnectionDefaults defaults;
  private final TlsTrust.Module module;

  ImportStoreConnection(ConnectionDefaults defaults) {
    this.defaults = defaults;
    this.module = TlsTrust.Module.of(defaults.url(), defaults.caCert());
  }

  String authPath(SecretsStoreImportSpec spec) {
    return firstSet(spec.getAuthPath(), defaults.authPath());
  }

  StoreConnection of(SecretsStoreImportSpec spec) throws SyncFailure {
    String address = firstSet(spec.getAddress(), defaults.url());
    if (address == null || address.isBlank()) {
      throw new SyncFailure(
          ImportOutcome.SYNC_FAILED,
          "no store address: set spec.address or connection.url in the module settings",
          false);
    }
    switch (defaults.addressPolicy().check(address)) {
      case StoreAddressPolicy.Decision.Refused refused ->
          throw new SyncFailure(ImportOutcome.SYNC_FAILED, refused.reason(), false);
      case StoreAddressPolicy.Decision.Allowed allowed ->
          allowed.warning().ifPresent(warning -> log.warn("import store address: {}", warning));
    }
    TlsTrust.Decision trust =
        TlsTrust.decide(
            new TlsTrust.Request(
                address, Boolean.TRUE.equals(spec.getSkipTLSVerify()), spec.getCaCert(), null),
            module);
    trust.warning().ifPresent(warning -> log.warn("import store TLS: {}", warning));
    TlsOptions tls =
        switch (trust.source()) {
          case SKIP_VERIFY -> TlsOptions.insecureSkipVerify();
          case REQUEST_PEM, MODULE_CA -> TlsOptions.trustPem(trust.pem().orElseThrow());
          case REQUEST_FILE ->
              TlsOptions.trustFile(java.nio.file.Path.of(trust.file().orElseThrow()));
          case SYSTEM_CAS -> TlsOptions.SYSTEM_CAS;
        };
    return StoreConnection.builder(address)
        .namespace(firstSet(spec.getNamespace(), defaults.namespace()))
        .tls(tls)
        .build();
  }

  private static String firstSet(String own, String fallback) {
    return own != null && !own.isBlank() ? own : fallback;
  }
}
