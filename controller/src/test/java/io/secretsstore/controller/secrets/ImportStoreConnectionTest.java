package io.secretsstore.controller.secrets;

import static io.secretsstore.controller.Imports.file;
import static org.assertj.core.api.Assertions.assertThat;

import io.secretsstore.controller.Imports;
import io.secretsstore.controller.config.ConnectionDefaults;
import io.secretsstore.model.crd.SecretsStoreImportSpec;
import io.secretsstore.testkit.TestCertificateAuthority;
import io.secretsstore.vault.TlsOptions;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The Secret mode's TLS trust is common-model's one rule (TlsTrust), case by case. */
class ImportStoreConnectionTest {

  static final String MODULE_URL = "https://vault.example.com:8200";
  static final String MODULE_CA =
      new TestCertificateAuthority("module-ca").certificatePem().strip();
  static final String IMPORT_CA = new TestCertificateAuthority("import-ca").certificatePem();

  static final ImportStoreConnection CONNECTIONS =
      new ImportStoreConnection(
          new ConnectionDefaults(
              MODULE_URL,
              MODULE_CA,
              "kubernetes",
              "",
              List.of("https://other.example.com:8200"),
              false));

  static SecretsStoreImportSpec spec(String address, Boolean skip, String caCert) {
    SecretsStoreImportSpec spec =
        Imports.secret("team-a", "db", "syncer", file("user", "secret/data/db", "user")).getSpec();
    spec.setAddress(address);
    spec.setSkipTLSVerify(skip);
    spec.setCaCert(caCert);
    return spec;
  }

  static TlsOptions tls(SecretsStoreImportSpec spec) throws SyncFailure {
    return CONNECTIONS.of(spec).tls();
  }

  @Test
  void theModulesCaVerifiesTheModulesStoreHoweverTheImportSpellsIt() throws Exception {
    assertThat(tls(spec(null, null, null))).isEqualTo(TlsOptions.trustPem(MODULE_CA));
    // The module's own address written out by the import (another spelling): still its CA.
    assertThat(tls(spec("https://VAULT.example.com:8200/", null, null)))
        .isEqualTo(TlsOptions.trustPem(MODULE_CA));
  }

  @Test
  void anotherAddressNeverGetsTheModulesCa() throws Exception {
    assertThat(tls(spec("https://other.example.com:8200", null, null)))
        .isEqualTo(TlsOptions.SYSTEM_CAS);
    assertThat(tls(spec("https://other.example.com:8200", false, IMPORT_CA)))
        .isEqualTo(TlsOptions.trustPem(IMPORT_CA));
  }

  @Test
  void skipVerifyWinsOverACaTheImportGives() throws Exception {
    assertThat(tls(spec(null, true, IMPORT_CA))).isEqualTo(TlsOptions.insecureSkipVerify());
    assertThat(tls(spec("https://other.example.com:8200", true, null)))
        .isEqualTo(TlsOptions.insecureSkipVerify());
  }
}
