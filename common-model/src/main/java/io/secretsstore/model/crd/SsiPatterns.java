package io.secretsstore.model.crd;

/**
 * The validation patterns of the {@code SecretsStoreImport} schema, identical to the Deckhouse
 * module's CRD. The CRD is generated from these constants, and the CSI driver and provider validate
 * file names with {@link #FILE_NAME} too (a hostile provider must not write outside the volume).
 */
public final class SsiPatterns {

  public static final String ROLE = "^[-_\\.a-zA-Z0-9]+$";
  public static final String AUTH_PATH = "^[-_.a-zA-Z0-9]+$";
  public static final String NAMESPACE = "^[-_./a-zA-Z0-9]+$";
  public static final String ADDRESS = "^https?://[.:0-9a-zA-Z-]+$";

  /** Upstream writes the newlines as real newline characters (a YAML double-quoted "\n"). */
  public static final String CA_CERT = "^-----BEGIN CERTIFICATE-----\n(.+\n){5}";

  public static final String FILE_NAME = "^[-_a-zA-Z0-9.]+$";
  public static final String SOURCE_PATH = "^[-a-zA-Z0-9_.\\/]+$";
  public static final String SOURCE_KEY = "^[-a-zA-Z0-9_.]+$";

  public static final java.util.regex.Pattern FILE_NAME_PATTERN =
      java.util.regex.Pattern.compile(FILE_NAME);

  private SsiPatterns() {}

  /**
   * Whether {@code name} is safe as a file name in a secrets volume: matches {@link #FILE_NAME} and
   * is not {@code .} or {@code ..} (which the pattern alone would allow).
   */
  public static boolean isSafeFileName(String name) {
    return name != null
        && FILE_NAME_PATTERN.matcher(name).matches()
        && !name.equals(".")
        && !name.equals("..");
  }
}
