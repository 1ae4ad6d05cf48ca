package io.secretsstore.helm;

import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.Objects;

/** The values files the chart is tested with ({@code src/test/resources/profiles}). */
enum Profile {
  DEFAULT("default"),
  MANUAL_CA("manual-ca"),
  CERT_MANAGER("cert-manager"),
  MINIMAL("minimal"),
  HA("ha"),
  SANDBOX("sandbox");

  final String file;

  Profile(String file) {
    this.file = file;
  }

  Path file() {
    try {
      return Path.of(
          Objects.requireNonNull(Profile.class.getResource("/profiles/" + file + ".yaml"), file)
              .toURI());
    } catch (URISyntaxException e) {
      throw new IllegalStateException(e);
    }
  }
}
