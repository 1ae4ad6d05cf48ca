package io.secretsstore.helm;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Wrong values are refused by {@code helm template} (values.schema.json, or the template's own
 * checks) with a message that names the setting, and no Go stack trace.
 */
class ValuesSchemaTest {

  static Stream<Arguments> invalid() {
    return Stream.of(
        Arguments.of(List.of("connection.authPath=bad path!"), "authPath"),
        Arguments.of(
            List.of(
                "connectionConfiguration=Manual",
                "connection.authPath=a b",
                "connection.url=https://v.example.com"),
            "authPath"),
        Arguments.of(
            List.of("connectionConfiguration=Manual", "connection.url=http://vault.example.com"),
            "url"),
        Arguments.of(
            List.of(
                "connectionConfiguration=Manual", "connection.url=https://vault.example.com/v1/x"),
            "url"),
        Arguments.of(
            List.of(
                "connectionConfiguration=Manual",
                "connection.url=https://v.example.com",
                "connection.namespace=team a"),
            "namespace"),
        Arguments.of(
            List.of(
                "connectionConfiguration=Manual",
                "connection.url=https://v.example.com",
                "connection.caCert=not a certificate"),
            "caCert"),
        Arguments.of(List.of("connectionConfiguration=Automatic"), "connectionConfiguration"),
        Arguments.of(List.of("connectionConfiguration=Manual"), "url"),
        Arguments.of(List.of("connection.url=https://vault.example.com"), "url"),
        Arguments.of(List.of("webhook.failurePolicy=Sometimes"), "failurePolicy"),
        Arguments.of(List.of("webhook.timeoutSeconds=60"), "timeoutSeconds"),
        Arguments.of(List.of("webhook.reinvocationPolicy=Always"), "reinvocationPolicy"),
        Arguments.of(List.of("webhook.certificate.mode=letsencrypt"), "mode"),
        Arguments.of(List.of("webhook.certificate.mode=provided"), "crt"),
        Arguments.of(
            List.of("webhook.clientConfig.url=https://127.0.0.1:8443/mutate-pods"),
            "clientConfig.url"),
        Arguments.of(
            List.of(
                "webhook.clientConfig.url=http://127.0.0.1:8443/mutate-pods",
                "webhook.certificate.mode=cert-manager"),
            "url"),
        Arguments.of(List.of("webhook.injector.delivery=sidecar"), "delivery"),
        Arguments.of(List.of("csiDriver.registration=none"), "registration"),
        Arguments.of(List.of("csiDriver.rotation.interval=2 minutes"), "interval"),
        Arguments.of(List.of("csiDriver.fileMode=4755"), "fileMode"),
        Arguments.of(List.of("kubeletDir=var/lib/kubelet"), "kubeletDir"),
        Arguments.of(List.of("conection.url=https://typo.example.com"), "conection"),
        Arguments.of(List.of("image.pullPolicy=Sometimes"), "pullPolicy"),
        Arguments.of(List.of("controller.replicas=0"), "replicas"),
        Arguments.of(List.of("tokenAudience="), "tokenAudience"),
        Arguments.of(List.of("controller.secretSync.namespaces={Team A}"), "namespaces"),
        Arguments.of(List.of("controller.secretSync.allowedAudiences={}"), "allowedAudiences"),
        Arguments.of(
            List.of("allowedStoreAddresses={vault.example.com}"), "allowedStoreAddresses"));
  }

  @ParameterizedTest
  @MethodSource("invalid")
  void refusedWithAReadableMessage(List<String> sets, String names) {
    Helm.Result result = Helm.template(List.of(), sets);
    assertThat(result.exitCode()).as("helm template --set " + sets + " must fail").isNotZero();
    assertThat(result.stderr()).contains(names).doesNotContain("goroutine", "panic:");
    assertThat(result.stdout()).isEmpty();
  }
}
