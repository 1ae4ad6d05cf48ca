package io.secretsstore.model.provider;

import java.util.Arrays;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * The one closed set of error codes of a mount: the CSI driver's own, our provider's (sent in the
 * {@link ProviderProtocol#ERROR_CODE_TRAILER} trailer and {@code MountResponse.error.code}) and the
 * store's (common-vault {@code StoreErrorKind}). The snake_case {@link #code()} is a wire contract
 * and the {@code error_type} metric label; a code from elsewhere (an upstream provider may send any
 * string) is {@link #PROVIDER_ERROR} as a label ({@link #label}), so the label's cardinality stays
 * bounded and no provider writes arbitrary text into metrics.
 */
public enum ErrorCode {
  // the CSI driver's own
  INVALID_REQUEST("invalid_request", Origin.DRIVER),
  INVALID_IMPORT("invalid_import", Origin.DRIVER),
  IMPORT_NOT_FOUND("import_not_found", Origin.DRIVER),
  INVALID_PROVIDER_RESPONSE("invalid_provider_response", Origin.DRIVER),
  KUBERNETES_API("kubernetes_api", Origin.DRIVER),
  MOUNT_FAILED("mount_failed", Origin.DRIVER),
  UNMOUNT_FAILED("unmount_failed", Origin.DRIVER),
  WRITE_FAILED("write_failed", Origin.DRIVER),
  TOKEN_EXPIRED("token_expired", Origin.DRIVER),
  PROVIDER_NOT_FOUND("provider_not_found", Origin.DRIVER),
  PROVIDER_UNAVAILABLE("provider_unavailable", Origin.DRIVER),
  PROVIDER_TIMEOUT("provider_timeout", Origin.DRIVER),
  PROVIDER_ERROR("provider_error", Origin.DRIVER),
  // our provider's (trailer x-secrets-store-error-code)
  INVALID_ATTRIBUTES("invalid_attributes", Origin.PROVIDER),
  INVALID_PARAMETERS("invalid_parameters", Origin.PROVIDER),
  INVALID_FILE_NAME("invalid_file_name", Origin.PROVIDER),
  DUPLICATE_FILE_NAME("duplicate_file_name", Origin.PROVIDER),
  MISSING_TOKEN("missing_token", Origin.PROVIDER),
  INVALID_TOKEN("invalid_token", Origin.PROVIDER),
  API_AUDIENCE_TOKEN("api_audience_token", Origin.PROVIDER),
  ADDRESS_NOT_ALLOWED("address_not_allowed", Origin.PROVIDER),
  MISSING_CONNECTION("missing_connection", Origin.PROVIDER),
  DECODE_FAILED("decode_failed", Origin.PROVIDER),
  RESPONSE_TOO_LARGE("response_too_large", Origin.PROVIDER),
  INTERNAL("internal", Origin.PROVIDER),
  // the store's, through common-vault StoreErrorKind
  LOGIN_DENIED("login_denied", Origin.STORE),
  PERMISSION_DENIED("permission_denied", Origin.STORE),
  NOT_FOUND("not_found", Origin.STORE),
  VERSION_DELETED("version_deleted", Origin.STORE),
  VERSION_DESTROYED("version_destroyed", Origin.STORE),
  KEY_NOT_FOUND("key_not_found", Origin.STORE),
  BAD_REQUEST("bad_request", Origin.STORE),
  RATE_LIMITED("rate_limited", Origin.STORE),
  SERVER_ERROR("server_error", Origin.STORE),
  UNREACHABLE("unreachable", Origin.STORE),
  TIMEOUT("timeout", Origin.STORE),
  TLS("tls", Origin.STORE),
  INVALID_RESPONSE("invalid_response", Origin.STORE),
  /** The caller cancelled the mount, or its deadline passed: its store work was stopped. */
  CANCELLED("cancelled", Origin.STORE);

  /** Who emits the code. */
  public enum Origin {
    DRIVER,
    PROVIDER,
    STORE
  }

  private static final Map<String, ErrorCode> BY_CODE =
      Arrays.stream(values())
          .collect(Collectors.toUnmodifiableMap(ErrorCode::code, Function.identity()));

  private final String code;
  private final Origin origin;

  ErrorCode(String code, Origin origin) {
    this.code = code;
    this.origin = origin;
  }

  /** The wire form, e.g. {@code login_denied}. */
  public String code() {
    return code;
  }

  public Origin origin() {
    return origin;
  }

  /** The code of that wire form, if it is one of ours. */
  public static Optional<ErrorCode> of(String code) {
    return Optional.ofNullable(code == null ? null : BY_CODE.get(code));
  }

  /** The metric label of any received code: ours as is, anything else {@code provider_error}. */
  public static String label(String code) {
    if (code == null) {
      return null;
    }
    return of(code).map(ErrorCode::code).orElse(PROVIDER_ERROR.code);
  }
}
