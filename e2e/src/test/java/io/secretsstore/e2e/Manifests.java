package io.secretsstore.e2e;

/** YAML of the objects e2e tests create, written the way a user writes them. */
final class Manifests {

  static final String IMAGE = "localhost/secrets-store-e2e/busybox:1";

  private Manifests() {}

  /** A CSI import of {@code secret/data/e2e/<secret>#<key>} as file {@code file}. */
  static String importOf(String namespace, String name, String file, String secret, String key) {
    return """
        apiVersion: deckhouse.io/v1alpha1
        kind: SecretsStoreImport
        metadata:
          name: %s
          namespace: %s
        spec:
          type: CSI
          role: myapp
          files:
            - name: %s
              source:
                path: secret/data/e2e/%s
                key: %s
        """
        .formatted(name, namespace, file, secret, key);
  }

  /**
   * A pod that mounts import {@code ssi} at /mnt/secrets and sleeps. {@code readOnly} is written
   * into the volume as given ("true", "false") or left out when null.
   */
  static String podWithImport(
      String namespace, String name, String serviceAccount, String ssi, String readOnly) {
    String readOnlyLine = readOnly == null ? "" : "\n      readOnly: " + readOnly;
    return """
        apiVersion: v1
        kind: Pod
        metadata:
          name: %s
          namespace: %s
        spec:
          serviceAccountName: %s
          terminationGracePeriodSeconds: 1
          containers:
          - name: app
            image: %s
            command: ["sh", "-c", "sleep 36000"]
            volumeMounts:
            - name: secrets
              mountPath: /mnt/secrets
          volumes:
          - name: secrets
            csi:
              driver: secrets-store.csi.deckhouse.io%s
              volumeAttributes:
                secretsStoreImport: %s
        """
        .formatted(name, namespace, serviceAccount, IMAGE, readOnlyLine, ssi);
  }

  static String namespace(String name) {
    return """
        apiVersion: v1
        kind: Namespace
        metadata:
          name: %s
        """
        .formatted(name);
  }

  static String serviceAccount(String namespace, String name) {
    return """
        apiVersion: v1
        kind: ServiceAccount
        metadata:
          name: %s
          namespace: %s
        """
        .formatted(name, namespace);
  }
}
