package io.secretsstore.provider.mount;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.secretsstore.model.provider.ErrorCode;
import io.secretsstore.provider.mount.MountParameters.Dialect;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;

class MountParametersParserTest {

  static final String POD =
      "\"csi.storage.k8s.io/pod.namespace\":\"ns\",\"csi.storage.k8s.io/serviceAccount.name\":\"sa\","
          + "\"csi.storage.k8s.io/pod.name\":\"p\","
          + "\"csi.storage.k8s.io/serviceAccount.tokens\":\"{\\\"vault\\\":{\\\"token\\\":\\\"jwt\\\",\\\"expirationTimestamp\\\":\\\"x\\\"}}\"";

  @Test
  void ourDialect() {
    MountParameters parameters =
        MountParametersParser.parse(
            "{"
                + POD
                + ",\"role\":\"r\",\"authPath\":\"main-kube\",\"skipTLSVerify\":\"false\","
                + "\"files\":\"[{\\\"name\\\":\\\"a\\\",\\\"decodeBase64\\\":true,\\\"source\\\":{\\\"path\\\":\\\"secret/data/x\\\",\\\"key\\\":\\\"k\\\"}}]\"}");
    assertThat(parameters.dialect()).isEqualTo(Dialect.SECRETS_STORE_IMPORT);
    assertThat(parameters.role()).isEqualTo("r");
    assertThat(parameters.authPath()).contains("main-kube");
    assertThat(parameters.tokens()).containsEntry("vault", "jwt");
    assertThat(parameters.pod().serviceAccount().subject())
        .isEqualTo("system:serviceaccount:ns:sa");
    FileRequest file = parameters.files().getFirst();
    assertThat(file.encoding()).isEqualTo(ValueEncoding.BASE64);
    assertThat(file.source().path()).isEqualTo("secret/data/x");
    assertThat(parameters.toString()).doesNotContain("jwt");
  }

  @Test
  void upstreamDialect() {
    String objects =
        "- objectName: a\\n  secretPath: secret/data/x?version=3\\n  secretKey: k\\n  filePermission: 0600\\n"
            + "- objectName: b\\n  secretPath: pki/issue/web\\n  method: post\\n  secretArgs:\\n    common_name: a.example.com\\n";
    MountParameters parameters =
        MountParametersParser.parse(
            "{"
                + POD
                + ",\"roleName\":\"r\",\"vaultAuthMountPath\":\"auth/k8s\",\"objects\":\""
                + objects
                + "\"}");
    assertThat(parameters.dialect()).isEqualTo(Dialect.SECRET_PROVIDER_CLASS);
    assertThat(parameters.authPath()).contains("k8s");
    FileRequest a = parameters.files().get(0);
    assertThat(a.source().version()).isEqualTo(OptionalInt.of(3));
    assertThat(a.mode()).isEqualTo(OptionalInt.of(0600));
    FileRequest b = parameters.files().get(1);
    assertThat(b.source().method()).isEqualTo("POST");
    assertThat(b.source().arguments()).containsEntry("common_name", "a.example.com");
    assertThat(b.key()).isNull();
  }

  @Test
  void badInputsAreNamed() {
    assertThatThrownBy(() -> MountParametersParser.parse("[]"))
        .hasMessage("the mount attributes are not a JSON object");
    assertThatThrownBy(() -> MountParametersParser.parse("{\"role\":1}"))
        .hasMessage("attribute 'role' must be a string");
    assertThatThrownBy(() -> MountParametersParser.parse("{\"role\":\"r\",\"files\":\"[]\"}"))
        .hasMessageContaining("podInfoOnMount: true");
    assertThatThrownBy(() -> MountParametersParser.parse("{" + POD + ",\"role\":\"r\"}"))
        .hasMessageContaining("expected 'files' (SecretsStoreImport) or 'objects'");
    assertThatThrownBy(
            () -> MountParametersParser.parse("{" + POD + ",\"files\":\"[]\",\"objects\":\"[]\"}"))
        .hasMessageContaining("both 'objects'");
    assertThatThrownBy(
            () -> MountParametersParser.parse("{" + POD + ",\"files\":\"[]\",\"role\":\"r\"}"))
        .hasMessage("'files' must be a non-empty JSON array");
    assertThatThrownBy(
            () ->
                MountParametersParser.parse(
                    "{"
                        + POD
                        + ",\"roleName\":\"r\",\"objects\":\"- objectName: a\\n  secretPath: p\\n  filePermission: 999\\n\"}"))
        .hasMessageContaining("filePermission must be an octal mode");
    assertThatThrownBy(
            () ->
                MountParametersParser.parse(
                    "{"
                        + POD
                        + ",\"roleName\":\"r\",\"objects\":\"- objectName: a\\n  secretPath: p?x=1\\n\"}"))
        .hasMessageContaining("the only query the secretPath may carry is ?version=N");
    assertThatThrownBy(
            () ->
                MountParametersParser.parse(
                    "{"
                        + POD
                        + ",\"roleName\":\"r\",\"objects\":\"- objectName: a\\n  secretPath: p\\n  secretArgs:\\n    ttl: 1h\\n\"}"))
        .hasMessageContaining("secretArgs other than version need method POST or PUT");
    assertThatThrownBy(
            () ->
                MountParametersParser.parse(
                    "{"
                        + POD
                        + ",\"roleName\":\"r\",\"vaultSkipTLSVerify\":\"yes\",\"objects\":\"- objectName: a\\n  secretPath: p\\n\"}"))
        .hasMessage("parameter 'vaultSkipTLSVerify' must be true or false");
  }

  /**
   * Names starting with {@code ..} are where the volume keeps its own entries ({@code ..data}, the
   * generation directories): refused in both dialects with the one common-model rule, before any
   * store work, with code {@code invalid_file_name}.
   */
  @Test
  void namesStartingWithTwoDotsOrContainingASlashAreRefusedInBothDialects() {
    for (String name : new String[] {"..x", "..data", "a/../b", "..", "."}) {
      String ours =
          "{"
              + POD
              + ",\"role\":\"r\",\"files\":\"[{\\\"name\\\":\\\""
              + name
              + "\\\",\\\"source\\\":{\\\"path\\\":\\\"secret/data/x\\\",\\\"key\\\":\\\"k\\\"}}]\"}";
      String upstream =
          "{"
              + POD
              + ",\"roleName\":\"r\",\"objects\":\"- objectName: '"
              + name
              + "'\\n  secretPath: secret/data/x\\n  secretKey: k\\n\"}";
      for (String attributes : new String[] {ours, upstream}) {
        assertThatThrownBy(() -> MountParametersParser.parse(attributes))
            .as(name + " in " + attributes)
            .isInstanceOfSatisfying(
                MountException.class,
                e -> assertThat(e.code()).isEqualTo(ErrorCode.INVALID_FILE_NAME))
            .hasMessage(
                "file name '"
                    + name
                    + "' is not allowed: letters, digits, '-', '_' and '.', at most 255"
                    + " characters, no '/', not '.' or '..' and not starting with '..' (the"
                    + " volume keeps its own entries there)");
      }
    }
    // A single leading dot is a plain (hidden) file name.
    assertThat(
            MountParametersParser.parse(
                    "{"
                        + POD
                        + ",\"roleName\":\"r\",\"objects\":\"- objectName: .x\\n  secretPath: secret/data/x\\n\"}")
                .files()
                .getFirst()
                .name())
        .isEqualTo(".x");
  }

  @Test
  void defaultModeFromThePermissionField() {
    assertThat(MountService.defaultMode("420")).isEqualTo(0644);
    assertThat(MountService.defaultMode("")).isEqualTo(0644);
    assertThatThrownBy(() -> MountService.defaultMode("rw"))
        .hasMessageContaining("is not a file mode");
  }
}
