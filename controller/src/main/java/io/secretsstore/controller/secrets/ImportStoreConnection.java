package io.secretsstore.controller.secrets;

import io.secretsstore.controller.config.ConnectionDefaults;
import io.secretsstore.controller.imports.ImportOutcome;
import io.secretsstore.model.connection.StoreAddressPolicy;
import io.secretsstore.model.crd.SecretsStoreImportSpec;
import io.secretsstore.vault.StoreConnection;
import io.secretsstore.vault.TlsOptions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The store an import's Secret mode talks to: its own address or the module's, only where the
 * module's address policy allows (checked before any token is requested), with the TLS trust the
 * import or the module sets.
 */
final class ImportStoreConnection {

  private static final Logger log = LoggerFactory.getLogger(ImportStoreConnection.class);

  private final ConnectionDefaults defaults;

  ImportStoreConnection(ConnectionDefaults defaults) {
    this.defaults = defaults;
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
    TlsOptions tls;
    if (Boolean.TRUE.equals(spec.getSkipTLSVerify())) {
      tls = TlsOptions.insecureSkipVerify();
    } else if (spec.getCaCert() != null && !spec.getCaCert().isBlank()) {
      tls = TlsOptions.trustPem(spec.getCaCert());
    } else if (spec.getAddress() == null && !defaults.caCert().isBlank()) {
      // The module's CA belongs to the module's store, not to an address the import chose.
      tls = TlsOptions.trustPem(defaults.caCert());
    } else {
      tls = TlsOptions.SYSTEM_CAS;
    }
    return StoreConnection.builder(address)
        .namespace(firstSet(spec.getNamespace(), defaults.namespace()))
        .tls(tls)
        .build();
  }

  private static String firstSet(String own, String fallback) {
    return own != null && !own.isBlank() ? own : fallback;
  }
}
