package io.secretsstore.injector.log;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class MessagesTest {

  @Test
  void classNamesAndLineBreaksGo() {
    assertThat(
            Messages.plain(
                "PKIX path building failed:"
                    + " sun.security.provider.certpath.SunCertPathBuilderException: unable to find"
                    + " valid certification path",
                "x"))
        .isEqualTo("PKIX path building failed: unable to find valid certification path");
    assertThat(Messages.plain("java.io.IOException: Incomplete data\n  at x", "x"))
        .isEqualTo("Incomplete data at x");
    assertThat(Messages.plain("ConnectException: ", "connection failed"))
        .isEqualTo("connection failed");
    assertThat(Messages.plain(null, "fallback")).isEqualTo("fallback");
    assertThat(Messages.plain("the TLS handshake failed: Error in reading", "x"))
        .isEqualTo("the TLS handshake failed: Error in reading");
  }
}
