package io.secretsstore.driver.publish;

import io.secretsstore.model.provider.ErrorCode;
import java.util.Arrays;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The closed set of {@code error_type} metric labels: common-model's {@link ErrorCode}, the one
 * list of the driver's, the provider's and the store's codes. Codes come from the driver itself and
 * from providers (our provider's trailer, an upstream provider's {@code MountResponse.error.code});
 * a provider may send any string, and a label that takes any string is unbounded cardinality for
 * Prometheus and a way to write arbitrary text into metrics. Anything outside the set is {@code
 * provider_error}.
 */
public final class ErrorTypes {

  /** The label of a provider code the driver does not know. */
  public static final String OTHER = ErrorCode.PROVIDER_ERROR.code();

  /** Every label value there can be. */
  public static final Set<String> KNOWN =
      Arrays.stream(ErrorCode.values())
          .map(ErrorCode::code)
          .collect(Collectors.toUnmodifiableSet());

  private ErrorTypes() {}

  /** A provider's code for a message: at most 64 characters, control characters replaced. */
  public static String printable(String code) {
    String cut = code.length() > 64 ? code.substring(0, 64) + "..." : code;
    return cut.replaceAll("\\p{Cntrl}", "?");
  }

  /** {@code code} if it is one of the set, else {@code provider_error}; null stays null. */
  public static String label(String code) {
    return ErrorCode.label(code);
  }
}
