package io.secretsstore.controller.compat;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.secretsstore.controller.config.ConnectionDefaults;
import io.secretsstore.model.crd.SecretsStoreImport;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps the compatibility {@code SecretProviderClass} of each import in line: created or replaced
 * while the import is a valid CSI import, deleted otherwise (only if it is ours). Does nothing
 * while the SecretProviderClass CRD is not installed (checked at most once a minute).
 */
public final class SecretProviderClasses {

  private static final Logger log = LoggerFactory.getLogger(SecretProviderClasses.class);
  private static final Duration CRD_RECHECK = Duration.ofMinutes(1);

  /** What {@link #sync} did, for metrics and tests. */
  public enum Result {
    UNCHANGED,
    CREATED,
    UPDATED,
    DELETED,
    NO_CRD,
    FOREIGN
  }

  private final KubernetesClient kubernetes;
  private final ConnectionDefaults defaults;
  private final Clock clock;
  private volatile Instant crdCheckedAt = Instant.MIN;
  private volatile boolean crdPresent;

  public SecretProviderClasses(
      KubernetesClient kubernetes, ConnectionDefaults defaults, Clock clock) {
    this.kubernetes = kubernetes;
    this.defaults = defaults;
    this.clock = clock;
  }

  public Result sync(SecretsStoreImport ssi, boolean wanted) {
    if (!crdInstalled()) {
      return Result.NO_CRD;
    }
    // Fixed coordinates: generic objects without them would cost an API discovery per call.
    var classes =
        kubernetes
            .genericKubernetesResources(SecretProviderClassModel.RESOURCE)
            .inNamespace(ssi.getMetadata().getNamespace());
    var resource = classes.withName(ssi.getMetadata().getName());
    GenericKubernetesResource existing = resource.get();
    if (existing != null && !SecretProviderClassModel.isOurs(existing, ssi)) {
      // Somebody's own SecretProviderClass of the same name: never touch it.
      return Result.FOREIGN;
    }
    if (!wanted) {
      if (existing == null) {
        return Result.UNCHANGED;
      }
      resource.delete();
      return Result.DELETED;
    }
    GenericKubernetesResource desired = SecretProviderClassModel.desired(ssi, defaults);
    if (existing == null) {
      classes.resource(desired).create();
      return Result.CREATED;
    }
    if (SecretProviderClassModel.matches(existing, desired)) {
      return Result.UNCHANGED;
    }
    desired.getMetadata().setResourceVersion(existing.getMetadata().getResourceVersion());
    classes.resource(desired).update();
    return Result.UPDATED;
  }

  private boolean crdInstalled() {
    Instant now = clock.instant();
    if (Duration.between(crdCheckedAt, now).compareTo(CRD_RECHECK) >= 0) {
      boolean present =
          kubernetes
                  .apiextensions()
                  .v1()
                  .customResourceDefinitions()
                  .withName(SecretProviderClassModel.CRD_NAME)
                  .get()
              != null;
      if (present != crdPresent || crdCheckedAt.equals(Instant.MIN)) {
        log.info(
            present
                ? "the SecretProviderClass CRD is installed: keeping compatibility objects"
                : "the SecretProviderClass CRD is not installed: no compatibility objects");
      }
      crdPresent = present;
      crdCheckedAt = now;
    }
    return crdPresent;
  }
}
