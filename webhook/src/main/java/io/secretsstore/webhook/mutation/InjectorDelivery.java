package io.secretsstore.webhook.mutation;

import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeBuilder;
import io.secretsstore.model.names.CsiNames;
import java.util.Map;

/**
 * How the injector bundle reaches a pod ({@code secrets-store.webhook.delivery}): {@code copy} (an
 * init container copies it into an in-memory volume), {@code image-volume} (the injector image,
 * mounted read-only), {@code csi} (the csi-driver of the node serves the bundle its image carries
 * as a read-only inline volume, {@code volumeAttributes: {injectorBundle: v1}}: nothing copied,
 * nothing per pod; contract in the team's requests file, issue 16 item 3).
 */
final class InjectorDelivery {

  static final String COPY = "copy";
  static final String IMAGE_VOLUME = "image-volume";
  static final String CSI = "csi";

  /** The driver's volume attribute and the bundle layout (bin/java, launch.args). */
  static final String BUNDLE_ATTRIBUTE = "injectorBundle";

  static final String BUNDLE_LAYOUT = "v1";

  private InjectorDelivery() {}

  /** Only the copy delivery needs an init container. */
  static boolean copies(String delivery) {
    return COPY.equals(delivery);
  }

  static boolean csi(String delivery) {
    return CSI.equals(delivery);
  }

  /**
   * The csi-driver's read-only volume with the bundle. It is mounted at {@code <mount
   * path>/injector}, the path the bundle's java was built for.
   */
  static Volume csiVolume(String name) {
    return new VolumeBuilder()
        .withName(name)
        .withNewCsi()
        .withDriver(CsiNames.DRIVER_NAME)
        .withReadOnly(true)
        .withVolumeAttributes(Map.of(BUNDLE_ATTRIBUTE, BUNDLE_LAYOUT))
        .endCsi()
        .build();
  }
}
