package io.secretsstore.driver.publish;

import io.grpc.Status;
import io.secretsstore.driver.fs.MountTable;
import io.secretsstore.linux.Mounts;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * The injector's CSI delivery (issue 16 item 3, contract in the team's requests file): an inline
 * volume with {@code volumeAttributes: {injectorBundle: v1}} gets the injector bundle this driver's
 * image ships, bind-mounted read-only, {@code nosuid,nodev}, at kubelet's target (with the flags
 * set before the mount is attached, so the host's propagated copy has them too). Nothing is copied
 * per pod and nothing secret is involved: no provider call, no token, no state file. A target that
 * is already a mount point is left as it is: a restarted driver's bundle directory is a new mount
 * (another device than the one its predecessor bound), so the kernel's identity of the bundle would
 * not recognise the predecessor's mount and every republish would stack one more. Unpublish removes
 * whatever is mounted at the target ({@link io.secretsstore.driver.fs.MountTable#unmountAll}).
 */
public final class InjectorBundleMount {

  /** The volume attribute that selects this volume kind; its value is the bundle layout. */
  public static final String ATTRIBUTE = "injectorBundle";

  /** Layouts served: {@code v1} = bin/java + launch.args, built for /secrets-store/injector. */
  public static final List<String> VERSIONS = List.of("v1");

  /** Where the driver image carries the bundle (the injector image's layout). */
  public static final Path DEFAULT_DIR = Path.of("/secrets-store/injector");

  private final Path bundleDir;
  private final MountTable mountTable;

  public InjectorBundleMount(Path bundleDir, MountTable mountTable) {
    this.bundleDir = bundleDir.toAbsolutePath().normalize();
    this.mountTable = mountTable;
  }

  /** Whether kubelet's volume context asks for the injector bundle. */
  public static boolean requested(Map<String, String> volumeContext) {
    return volumeContext.containsKey(ATTRIBUTE);
  }

  /**
   * Bind-mounts the bundle read-only at {@code target} (already checked by the caller: inside
   * kubelet's pods directory, the pod's own, ephemeral, read-only). A repeated publish of a mounted
   * target does nothing.
   */
  public void publish(Path target, Map<String, String> volumeContext) throws PublishException {
    String version = volumeContext.get(ATTRIBUTE);
    if (!VERSIONS.contains(version)) {
      throw PublishException.invalid(
          ATTRIBUTE + " '" + version + "' is not a bundle layout this driver serves: " + VERSIONS);
    }
    if (volumeContext.containsKey("secretsStoreImport")
        || volumeContext.containsKey("secretProviderClass")) {
      throw PublishException.invalid(
          "the volume names " + ATTRIBUTE + " and an import; an injector volume holds no secrets");
    }
    if (!Files.isRegularFile(bundleDir.resolve("launch.args"))
        || !Files.isExecutable(bundleDir.resolve("bin/java"))) {
      throw new PublishException(
          Status.Code.FAILED_PRECONDITION,
          "no_injector_bundle",
          "this driver image carries no injector bundle at "
              + bundleDir
              + ": use the webhook's copy delivery",
          null);
    }
    try {
      if (mountTable.isMountPoint(target)) {
        return; // a repeated publish, also one after a driver restart
      }
      boolean created = !Files.exists(target);
      Files.createDirectories(target);
      try {
        bind(target);
      } catch (IOException e) {
        if (created) {
          Files.deleteIfExists(target); // kubelet's retry starts clean
        }
        throw e;
      }
    } catch (IOException e) {
      throw new PublishException(
          Status.Code.INTERNAL, "mount_failed", "injector bundle: " + e.getMessage(), e);
    }
  }

  private void bind(Path target) throws IOException {
    // The flags are set on the detached copy before it is attached, so the copies that
    // propagate to the host (kubelet's directory is Bidirectional) carry them too; a remount
    // after a plain bind would change only this namespace's copy.
    Mounts.bind(
        bundleDir,
        target,
        Mounts.MOUNT_ATTR_RDONLY | Mounts.MOUNT_ATTR_NOSUID | Mounts.MOUNT_ATTR_NODEV);
  }
}
