package io.secretsstore.webhook.config;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.secretsstore.model.names.CsiNames;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code secrets-store.webhook.delivery: auto}, resolved once at start-up: {@code csi} when the
 * cluster has our csi-driver's {@code CSIDriver} object (the driver then serves the injector bundle
 * on every node it runs on), {@code copy} otherwise, also when the webhook may not read {@code
 * csidrivers} (said in the log). The chart renders {@code csi} itself for {@code auto}: it installs
 * the driver, so an installed webhook never needs that read.
 */
public final class InjectorDeliveryChoice {

  public static final String AUTO = "auto";

  private static final Logger log = LoggerFactory.getLogger(InjectorDeliveryChoice.class);

  private InjectorDeliveryChoice() {}

  /** {@code properties} with {@code auto} replaced by what this cluster supports. */
  public static WebhookProperties resolve(
      WebhookProperties properties, KubernetesClient kubernetes) {
    if (!AUTO.equals(properties.delivery())) {
      return properties;
    }
    String chosen;
    try {
      boolean installed =
          kubernetes.storage().v1().csiDrivers().withName(CsiNames.DRIVER_NAME).get() != null;
      chosen = installed ? "csi" : "copy";
      log.info(
          "injector delivery auto: {} (CSIDriver {} {})",
          chosen,
          CsiNames.DRIVER_NAME,
          installed ? "installed" : "not installed");
    } catch (KubernetesClientException e) {
      chosen = "copy";
      log.warn(
          "injector delivery auto: copy, since the CSIDriver {} could not be read ({}); set"
              + " secrets-store.webhook.delivery to csi or copy, or allow get on"
              + " storage.k8s.io csidrivers",
          CsiNames.DRIVER_NAME,
          e.getCode() == 0 ? e.getMessage() : "HTTP " + e.getCode());
    }
    return properties.withDelivery(chosen);
  }
}
