package io.secretsstore.model.provider;

/**
 * What our CSI driver and our provider add to the upstream provider API ({@code v1alpha1}) without
 * changing it: a trailer and an attribute that upstream peers ignore.
 */
public final class ProviderProtocol {

  /** gRPC trailer in which our provider sends the stable error code of a failed mount. */
  public static final String ERROR_CODE_TRAILER = "x-secrets-store-error-code";

  /**
   * Mount attribute our driver sets on every rotation call: the id of the rotation cycle. The
   * provider shares one store read per (verified identity, path, version) among the calls of one
   * cycle, whatever their timing. Upstream providers ignore unknown attributes. The driver removes
   * anything under {@link #RESERVED_PREFIX} from an import's parameters, so a tenant cannot set it.
   */
  public static final String ROTATION_CYCLE_ATTRIBUTE = "secrets-store.deckhouse.io/rotation-cycle";

  /** Attribute names our driver sets itself and never takes from an import's parameters. */
  public static final String RESERVED_PREFIX = "secrets-store.deckhouse.io/";

  /** kubelet's attribute names; an import may not set them either. */
  public static final String KUBELET_PREFIX = "csi.storage.k8s.io/";

  private ProviderProtocol() {}
}
