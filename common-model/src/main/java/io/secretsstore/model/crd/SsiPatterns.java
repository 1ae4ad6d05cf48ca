package io.secretsstore.model.crd;

import java.util.regex.Pattern;

/**
 * The validation patterns of the {@code SecretsStoreImport} schema: the Deckhouse module's (v1.4.3:
 * {@code authPath} and {@code namespace} accept {@code /} and {@code .}), with one deliberate
 * tightening, {@link #FILE_NAME}. The CRD is generated from these constants, and the CSI driver,
 * the provider and the controller check file names with {@link #isSafeVolumeFileName} (a hostile
 * import must not write outside the volume or over the volume's own {@code ..data} entries).
 */
public final class SsiPatterns {

  public static final String ROLE = "^[-_\\.a-zA-Z0-9]+$";
  public static final String AUTH_PATH = "^[-_./A-Za-z0-9]+$";
  public static final String NAMESPACE = "^[-_./A-Za-z0-9]+$";
  public static final String ADDRESS = "^https?://[.:0-9a-zA-Z-]+$";

  /** Upstream writes the newlines as real newline characters (a YAML double-quoted "\n"). */
  public static final String CA_CERT = "^-----BEGIN CERTIFICATE-----\n(.+\n){5}";

  /**
   * The module's {@code ^[-_a-zA-Z0-9.]+$} minus the names every mount refuses anyway (Kubernetes'
   * atomic writer, ours and upstream's): {@code .}, {@code ..} and anything starting with {@code
   * ..}, which is where the volume keeps its own entries. Written without look-ahead, which the API
   * server's regular expressions do not have: an optional dot, then one non-dot, then anything.
   */
  public static final String FILE_NAME = "^\\.?[-_a-zA-Z0-9][-_a-zA-Z0-9.]*$";

  /** Longest file name a Linux file system (tmpfs included) takes. */
  public static final int FILE_NAME_MAX_LENGTH = 255;

  public static final String SOURCE_PATH = "^[-a-zA-Z0-9_.\\/]+$";
  public static final String SOURCE_KEY = "^[-a-zA-Z0-9_.]+$";

  /**
   * {@link #isSafeVolumeFileName} in words, for the messages of every component that refuses a name
   * (driver, provider, controller), so a user reads the same rule wherever it is enforced.
   */
  public static final String FILE_NAME_RULE =
      "letters, digits, '-', '_' and '.', at most "
          + FILE_NAME_MAX_LENGTH
          + " characters, no '/', not '.' or '..' and not starting with '..' (the volume keeps"
          + " its own entries there)";

  private static final Pattern FILE_NAME_PATTERN = Pattern.compile(FILE_NAME);
  private static final Pattern MOUNT_PATH_PATTERN = Pattern.compile(AUTH_PATH);

  private SsiPatterns() {}

  /**
   * The one file-name rule for secrets volumes, applied before any write by the driver and the
   * provider and reported by the controller: {@link #FILE_NAME} and at most {@link
   * #FILE_NAME_MAX_LENGTH} characters. Refuses {@code /}, {@code .}, {@code ..}, {@code ..data},
   * {@code ..anything}, empty and null.
   */
  public static boolean isSafeVolumeFileName(String name) {
    return name != null
        && name.length() <= FILE_NAME_MAX_LENGTH
        && FILE_NAME_PATTERN.matcher(name).matches();
  }

  /**
   * Whether {@code path} is a clean auth mount path or store namespace: {@link #AUTH_PATH}, and no
   * empty, {@code .} or {@code ..} segment ({@code kube/sub-path} yes; {@code ../sys}, {@code
   * a//b}, {@code /a} no), so it cannot step out of {@code auth/} in the store's API.
   */
  public static boolean isCleanMountPath(String path) {
    if (path == null || !MOUNT_PATH_PATTERN.matcher(path).matches()) {
      return false;
    }
    for (String segment : path.split("/", -1)) {
      if (segment.isEmpty() || segment.equals(".") || segment.equals("..")) {
        return false;
      }
    }
    return true;
  }
}
