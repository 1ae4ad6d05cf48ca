package io.secretsstore.driver.registration;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.storage.CSIDriverBuilder;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.secretsstore.driver.registration.CsiDriverCheck.Outcome;
import io.secretsstore.testkit.KubernetesApiMock;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;

/**
 * The start-up check of the driver's CSIDriver against the fabric8 mock API server: one WARN line
 * when {@code requiresRepublish} is not true, the object is missing or cannot be read; none when it
 * is true; never an exception (issue 14 item 9).
 */
@ExtendWith(OutputCaptureExtension.class)
class CsiDriverCheckTest {

  static final String NAME = "secrets-store.csi.deckhouse.io";

  static KubernetesApiMock api;
  static KubernetesClient client;

  @BeforeAll
  static void start() {
    api = new KubernetesApiMock();
    client = api.client();
  }

  @AfterAll
  static void stop() {
    client.close();
    api.close();
  }

  @Test
  void eachOutcomeLogsAtMostOneLineNamingTheDriver(CapturedOutput output) {
    int before = output.getAll().length();
    assertThat(new CsiDriverCheck(client, NAME).check()).isEqualTo(Outcome.MISSING);
    assertThat(warnings(output, before))
        .singleElement()
        .asString()
        .contains("CSIDriver '" + NAME + "' does not exist");

    csiDriver(null);
    before = output.getAll().length();
    assertThat(new CsiDriverCheck(client, NAME).check()).isEqualTo(Outcome.NO_REPUBLISH);
    assertThat(warnings(output, before))
        .singleElement()
        .asString()
        .contains("CSIDriver '" + NAME + "' does not set spec.requiresRepublish: true")
        .contains("never republishes")
        .contains("stop rotating");

    csiDriver(false);
    before = output.getAll().length();
    assertThat(new CsiDriverCheck(client, NAME).check()).isEqualTo(Outcome.NO_REPUBLISH);
    assertThat(warnings(output, before)).hasSize(1);

    csiDriver(true);
    before = output.getAll().length();
    CsiDriverCheck check = new CsiDriverCheck(client, NAME);
    assertThat(check.check()).isEqualTo(Outcome.REPUBLISHES);
    assertThat(check.done()).isCompletedWithValue(Outcome.REPUBLISHES);
    assertThat(warnings(output, before)).isEmpty();
  }

  @Test
  void anApiServerThatCannotBeAskedIsLoggedNotThrown(CapturedOutput output) throws IOException {
    Config config =
        new ConfigBuilder(Config.empty())
            .withMasterUrl("http://127.0.0.1:" + closedPort())
            .withRequestRetryBackoffLimit(0)
            .build();
    try (KubernetesClient unreachable = new KubernetesClientBuilder().withConfig(config).build()) {
      int before = output.getAll().length();
      assertThat(new CsiDriverCheck(unreachable, NAME).check()).isEqualTo(Outcome.UNREADABLE);
      assertThat(warnings(output, before))
          .singleElement()
          .asString()
          .contains("cannot read CSIDriver '" + NAME + "' to check spec.requiresRepublish");
    }
  }

  private static void csiDriver(Boolean requiresRepublish) {
    client
        .storage()
        .v1()
        .csiDrivers()
        .resource(
            new CSIDriverBuilder()
                .withNewMetadata()
                .withName(NAME)
                .endMetadata()
                .withNewSpec()
                .withPodInfoOnMount(true)
                .withRequiresRepublish(requiresRepublish)
                .endSpec()
                .build())
        .createOr(existing -> existing.update());
  }

  /** The WARN lines of the check logged since {@code before}. */
  private static List<String> warnings(CapturedOutput output, int before) {
    return output
        .getAll()
        .substring(before)
        .lines()
        .filter(line -> line.contains("WARN") && line.contains("CSIDriver '" + NAME + "'"))
        .toList();
  }

  private static int closedPort() throws IOException {
    try (ServerSocket socket = new ServerSocket()) {
      socket.bind(new InetSocketAddress("127.0.0.1", 0));
      return socket.getLocalPort();
    }
  }
}
