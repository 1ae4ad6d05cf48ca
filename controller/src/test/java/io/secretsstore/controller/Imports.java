package io.secretsstore.controller;

import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.secretsstore.model.crd.ImportType;
import io.secretsstore.model.crd.SecretFile;
import io.secretsstore.model.crd.SecretSource;
import io.secretsstore.model.crd.SecretTarget;
import io.secretsstore.model.crd.SecretsStoreImport;
import io.secretsstore.model.crd.SecretsStoreImportSpec;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/** SecretsStoreImports for tests, as users write them. */
public final class Imports {

  private Imports() {}

  public static SecretFile file(String name, String path, String key) {
    return new SecretFile(name, new SecretSource(path, key));
  }

  public static SecretsStoreImport csi(String namespace, String name, SecretFile... files) {
    SecretsStoreImportSpec spec = new SecretsStoreImportSpec();
    spec.setType(ImportType.CSI);
    spec.setRole("app");
    spec.setFiles(new ArrayList<>(List.of(files)));
    SecretsStoreImport ssi = new SecretsStoreImport();
    ssi.setMetadata(
        new ObjectMetaBuilder()
            .withName(name)
            .withNamespace(namespace)
            .withUid(UUID.randomUUID().toString())
            .withGeneration(1L)
            .build());
    ssi.setSpec(spec);
    return ssi;
  }

  public static SecretsStoreImport secret(
      String namespace, String name, String serviceAccount, SecretFile... files) {
    SecretsStoreImport ssi = csi(namespace, name, files);
    ssi.getSpec().setType(ImportType.Secret);
    SecretTarget target = new SecretTarget();
    target.setServiceAccountName(serviceAccount);
    ssi.getSpec().setSecret(target);
    return ssi;
  }
}
