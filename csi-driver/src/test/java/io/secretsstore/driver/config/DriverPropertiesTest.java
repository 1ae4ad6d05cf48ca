package io.secretsstore.driver.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.springframework.util.unit.DataSize;

class DriverPropertiesTest {

  @Test
  void defaultsAreValid() {
    DriverProperties properties = properties("unix:///csi/csi.sock", "node-1", "0644", 8);
    assertThat(properties.socketPath()).isEqualTo(Path.of("/csi/csi.sock"));
    assertThat(properties.fileModeBits()).isEqualTo(0644);
  }

  @Test
  void kubeletPathsDeriveFromKubeletsRootUnlessSetOnTheirOwn() {
    DriverProperties derived =
        new DriverProperties(
            null,
            "secrets-store.csi.deckhouse.io",
            "node-1",
            Path.of("/var/run/secrets-store-csi-providers"),
            65532,
            Path.of("/data/kubelet"),
            null,
            DataSize.ofMegabytes(16),
            "0644",
            Duration.ofSeconds(30),
            new DriverProperties.Rotation(true, Duration.ofMinutes(2), 8),
            true,
            new DriverProperties.Registration(true, null, null),
            null,
            new DriverProperties.VolumeCalls(16, 128));
    assertThat(derived.socketPath())
        .isEqualTo(Path.of("/data/kubelet/plugins/secrets-store.csi.deckhouse.io/csi.sock"));
    assertThat(derived.kubeletPodsDir()).isEqualTo(Path.of("/data/kubelet/pods"));
    assertThat(derived.registrationSocket())
        .isEqualTo(
            Path.of("/data/kubelet/plugins_registry/secrets-store.csi.deckhouse.io-reg.sock"));
    assertThat(derived.registration().kubeletEndpoint())
        .isEqualTo("/data/kubelet/plugins/secrets-store.csi.deckhouse.io/csi.sock");

    assertThat(derived.stateDir())
        .isEqualTo(Path.of("/data/kubelet/plugins/secrets-store.csi.deckhouse.io/volumes"));

    DriverProperties explicit = properties("unix:///csi/csi.sock", "node-1", "0644", 8);
    assertThat(explicit.registration().kubeletEndpoint()).isEqualTo("/csi/csi.sock");
    assertThat(explicit.stateDir()).isEqualTo(Path.of("/csi/volumes"));
  }

  @Test
  void acceptsBothUnixUrlForms() {
    assertThat(DriverProperties.socketPath("unix:/csi/csi.sock"))
        .isEqualTo(Path.of("/csi/csi.sock"));
    assertThat(DriverProperties.socketPath("unix:///csi/csi.sock"))
        .isEqualTo(Path.of("/csi/csi.sock"));
  }

  @Test
  void badSettingsNameTheSettingAndTheFix() {
    assertThatThrownBy(() -> properties("unix:///csi/csi.sock", "", "0644", 8))
        .hasMessageContaining("secrets-store.driver.node-id is not set")
        .hasMessageContaining("NODE_NAME");
    assertThatThrownBy(() -> properties("tcp://127.0.0.1:10000", "node-1", "0644", 8))
        .hasMessageContaining("secrets-store.driver.endpoint must be a unix socket path");
    assertThatThrownBy(() -> properties("unix://relative.sock", "node-1", "0644", 8))
        .hasMessageContaining("secrets-store.driver.endpoint");
    assertThatThrownBy(() -> properties("unix:///csi/csi.sock", "node-1", "0999", 8))
        .hasMessageContaining("secrets-store.driver.file-mode must be an octal mode");
    assertThatThrownBy(() -> properties("unix:///csi/csi.sock", "node-1", "4755", 8))
        .hasMessageContaining("secrets-store.driver.file-mode");
    assertThatThrownBy(() -> properties("unix:///csi/csi.sock", "node-1", "0644", 0))
        .hasMessageContaining("secrets-store.driver.rotation.parallelism must be at least 1");
  }

  private static DriverProperties properties(
      String endpoint, String nodeId, String fileMode, int parallelism) {
    return new DriverProperties(
        endpoint,
        "secrets-store.csi.deckhouse.io",
        nodeId,
        Path.of("/var/run/secrets-store-csi-providers"),
        65532,
        Path.of("/var/lib/kubelet"),
        Path.of("/var/lib/kubelet/pods"),
        DataSize.ofMegabytes(16),
        fileMode,
        Duration.ofSeconds(30),
        new DriverProperties.Rotation(true, Duration.ofMinutes(2), parallelism),
        true,
        new DriverProperties.Registration(true, null, null),
        null,
        new DriverProperties.VolumeCalls(16, 128));
  }
}
