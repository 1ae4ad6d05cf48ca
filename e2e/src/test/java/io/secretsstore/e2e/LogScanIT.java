package io.secretsstore.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.secretsstore.e2e.store.SeedStore;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * After everything else ran: no secret value the suite wrote and no token appears in any log of our
 * components (current and previous containers), in any event of the cluster, or in the status of an
 * import or a pod volume.
 */
@ExtendWith(E2eSystem.class)
@Order(Integer.MAX_VALUE - 1)
class LogScanIT {

  /**
   * A JWT (service-account tokens) or a store token as OpenBao/Vault issue them: {@code s.} or
   * {@code b.} and exactly 24 base62 characters (OpenBao), or Vault's long {@code hvs.}/{@code
   * hvb.} form. The exact length keeps Spring's abbreviated class names in log lines ({@code
   * o.s.b.w.s.WebApplicationContextInitializer}) from matching.
   */
  private static final Pattern TOKEN =
      Pattern.compile(
          "eyJ[A-Za-z0-9_-]{8,}\\.eyJ[A-Za-z0-9_-]{8,}"
              + "|\\b[sb]\\.[A-Za-z0-9]{24}\\b"
              + "|\\bhv[sb]\\.[A-Za-z0-9_-]{60,}");

  @Test
  void noSecretValueOrTokenLeavesTheStoreThroughOurComponents(InstalledSystem system) {
    // The scanner finds a token of the form OpenBao issues, and not Spring's abbreviated class
    // names.
    assertThat(TOKEN.matcher("token=s.83ZWtqE6LGLqFwH9fIlntPXE,").find()).isTrue();
    assertThat(TOKEN.matcher("o.s.b.w.s.WebApplicationContextInitializer : Root").find()).isFalse();
    KubernetesClient client = system.cluster().client();
    Map<String, String> texts = new LinkedHashMap<>();
    for (Pod pod : client.pods().inNamespace(InstalledSystem.MODULE_NAMESPACE).list().getItems()) {
      for (var container : pod.getSpec().getContainers()) {
        var resource =
            client
                .pods()
                .inNamespace(InstalledSystem.MODULE_NAMESPACE)
                .withName(pod.getMetadata().getName())
                .inContainer(container.getName());
        texts.put(pod.getMetadata().getName() + "/" + container.getName(), resource.getLog());
        try {
          texts.put(
              pod.getMetadata().getName() + "/" + container.getName() + " (previous)",
              resource.getLog(true));
        } catch (RuntimeException noPreviousContainer) {
          // never restarted
        }
      }
    }
    StringBuilder events = new StringBuilder();
    client
        .v1()
        .events()
        .inAnyNamespace()
        .list()
        .getItems()
        .forEach(
            e -> events.append(e.getReason()).append(": ").append(e.getMessage()).append('\n'));
    texts.put("events", events.toString());
    texts.put(
        "import statuses",
        system.kubectl("get", "secretsstoreimports", "-A", "-o", "yaml").orThrow().stdout());
    texts.put(
        "pod volume statuses",
        system.kubectl("get", "secretsstoreimportpodstatuses", "-A", "-o", "yaml").stdout());

    Set<String> secrets = new java.util.HashSet<>(SuiteSecrets.all());
    secrets.add(SeedStore.DB_PASS);
    secrets.add(system.store().rootToken());
    List<String> findings = new ArrayList<>();
    texts.forEach(
        (source, text) -> {
          for (String secret : secrets) {
            if (text.contains(secret)) {
              findings.add(source + " contains the secret value " + secret);
            }
          }
          Matcher token = TOKEN.matcher(text);
          while (token.find()) {
            findings.add(source + " contains a token: " + token.group().substring(0, 12) + "...");
          }
        });

    assertThat(texts).hasSizeGreaterThan(4);
    assertThat(String.join("", texts.values())).as("the component logs were read").isNotBlank();
    assertThat(findings).isEmpty();
  }
}
