package io.secretsstore.model.names;

/** Names shared by the CSI driver, the provider, the chart and pod authors. */
public final class CsiNames {

  /** The CSI driver name pods put into {@code volumes[].csi.driver}. */
  public static final String DRIVER_NAME = "secrets-store.csi.deckhouse.io";

  /** Volume attribute naming our {@code SecretsStoreImport} (in the pod's namespace). */
  public static final String ATTRIBUTE_SECRETS_STORE_IMPORT = "secretsStoreImport";

  /** Volume attribute naming an upstream {@code SecretProviderClass} (in the pod's namespace). */
  public static final String ATTRIBUTE_SECRET_PROVIDER_CLASS = "secretProviderClass";

  /** kubelet volume context keys (CSIDriver podInfoOnMount / tokenRequests). */
  public static final String POD_NAME = "csi.storage.k8s.io/pod.name";

  public static final String POD_NAMESPACE = "csi.storage.k8s.io/pod.namespace";
  public static final String POD_UID = "csi.storage.k8s.io/pod.uid";
  public static final String SERVICE_ACCOUNT_NAME = "csi.storage.k8s.io/serviceAccount.name";
  public static final String EPHEMERAL = "csi.storage.k8s.io/ephemeral";

  /** JSON {@code {"<audience>": {"token": ..., "expirationTimestamp": ...}}} from tokenRequests. */
  public static final String SERVICE_ACCOUNT_TOKENS = "csi.storage.k8s.io/serviceAccount.tokens";

  /** Socket file name of our provider inside the providers directory. */
  public static final String PROVIDER_SOCKET_NAME = "vault.sock";

  /** Directory where secrets-store providers put their sockets. */
  public static final String PROVIDERS_DIR_DEFAULT = "/var/run/secrets-store-csi-providers";

  /** Label on objects our components create and own. */
  public static final String MANAGED_BY_LABEL = "app.kubernetes.io/managed-by";

  private CsiNames() {}
}
