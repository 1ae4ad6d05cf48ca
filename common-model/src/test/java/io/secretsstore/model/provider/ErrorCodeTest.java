package io.secretsstore.model.provider;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class ErrorCodeTest {

  /** The wire strings are a contract (trailer, metric label): pinned here, one by one. */
  @Test
  void theWireCodesArePinned() {
    assertThat(Arrays.stream(ErrorCode.values()).map(ErrorCode::code).toList())
        .containsExactlyElementsOf(
            List.of(
                "invalid_request",
                "invalid_import",
                "import_not_found",
                "invalid_provider_response",
                "kubernetes_api",
                "mount_failed",
                "unmount_failed",
                "write_failed",
                "token_expired",
                "provider_not_found",
                "provider_unavailable",
                "provider_timeout",
                "provider_error",
                "invalid_attributes",
                "invalid_parameters",
                "invalid_file_name",
                "duplicate_file_name",
                "missing_token",
                "invalid_token",
                "api_audience_token",
                "address_not_allowed",
                "missing_connection",
                "decode_failed",
                "response_too_large",
                "internal",
                "login_denied",
                "permission_denied",
                "not_found",
                "version_deleted",
                "version_destroyed",
                "key_not_found",
                "bad_request",
                "rate_limited",
                "server_error",
                "unreachable",
                "timeout",
                "tls",
                "invalid_response",
                "cancelled"));
    assertThat(ErrorCode.values()).allMatch(e -> e.code().matches("^[a-z]+(_[a-z]+)*$"));
  }

  @Test
  void unknownCodesAreOneBoundedLabel() {
    assertThat(ErrorCode.label("login_denied")).isEqualTo("login_denied");
    assertThat(ErrorCode.label("Something\nelse")).isEqualTo("provider_error");
    assertThat(ErrorCode.label(null)).isNull();
    assertThat(ErrorCode.of("tls")).contains(ErrorCode.TLS);
    assertThat(ErrorCode.of("TLS")).isEmpty();
    assertThat(ErrorCode.API_AUDIENCE_TOKEN.origin()).isEqualTo(ErrorCode.Origin.PROVIDER);
  }
}
