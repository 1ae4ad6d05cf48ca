package io.secretsstore.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;
import org.testcontainers.junit.jupiter.Testcontainers;

/** The Docker path of the store selection; runs only where a Docker engine answers. */
@Testcontainers(disabledWithoutDocker = true)
class DockerVaultIT {

  @Test
  void aContainerStoreAnswersKvReadsAndWritesAndStopsWithTheServer() {
    try (OpenBaoServer server = DockerVault.start()) {
      StoreAdmin admin = server.admin();
      admin.putKv2("secret", "docker-check", Map.of("key", "value"));

      var answer = admin.request("GET", "secret/data/docker-check", null);

      assertThat(answer.path("data").path("data").path("key").asText()).isEqualTo("value");
      assertThat(server.isExternal()).isTrue();
    }
  }
}
