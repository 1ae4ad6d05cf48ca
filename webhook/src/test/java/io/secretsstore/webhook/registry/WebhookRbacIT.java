package io.secretsstore.webhook.registry;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.api.model.ServiceAccountBuilder;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.NamespacedKubernetesClient;
import io.fabric8.kubernetes.client.http.BasicBuilder;
import io.fabric8.kubernetes.client.http.HttpRequest;
import io.fabric8.kubernetes.client.http.Interceptor;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.secretsstore.model.rbac.ApiRequest;
import io.secretsstore.model.rbac.RbacRules;
import io.secretsstore.testkit.KubernetesApiMock;
import io.secretsstore.testkit.TestCertificateAuthority;
import io.secretsstore.webhook.config.SecretNamespaces;
import io.secretsstore.webhook.config.WebhookProperties;
import io.secretsstore.webhook.envsource.KubernetesEnvSources;
import io.secretsstore.webhook.mutation.PodMutator;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.Test;

/**
 * Least privilege of the webhook, playing two tenants: pods whose env names ConfigMaps and Secrets
 * with references, and a container without command whose image is private (pull secrets of the pod
 * and of its service account, on a real registry). Every request of the webhook's Kubernetes client
 * is allowed by the checked-in {@code rbac.yaml} as the chart binds it: ConfigMaps anywhere,
 * Secrets and service accounts only in {@code secret-namespaces} ({@code team-r} here). In the
 * other tenant's namespace the webhook reads no Secret and no service account at all, and a lookup
 * that needed credentials is denied with one line naming the setting.
 */
class WebhookRbacIT {

  static final String ALLOWED = "team-r";
  static final String OTHER = "team-x";
  static final String REF = "secrets-store:secret/data/db#password";

  /** Every request the client sends, as RBAC attributes. */
  static final class Recorder implements Interceptor {
    final List<ApiRequest> requests = Collections.synchronizedList(new ArrayList<>());

    @Override
    public void before(BasicBuilder builder, HttpRequest request, RequestTags tags) {
      requests.add(ApiRequest.of(request.method(), request.uri()));
    }
  }

  @Test
  void onlyConfigMapsClusterWideSecretsAndServiceAccountsOnlyWhereTheAdministratorAllows()
      throws Exception {
    SSLContext original = SSLContext.getDefault();
    TestCertificateAuthority ca = new TestCertificateAuthority("rbac-registry-ca");
    SSLContext.setDefault(RegistryLookupIT.trusting(ca));
    Recorder recorder = new Recorder();
    try (TestRegistry registry = new TestRegistry(ca);
        KubernetesApiMock kubernetes = new KubernetesApiMock();
        NamespacedKubernetesClient api = kubernetes.client();
        KubernetesClient webhookClient =
            new KubernetesClientBuilder()
                .withConfig(
                    new io.fabric8.kubernetes.client.ConfigBuilder(Config.empty())
                        .withMasterUrl(kubernetes.url())
                        .build())
                .withHttpClientBuilderConsumer(b -> b.addOrReplaceInterceptor("rbac", recorder))
                .build()) {
      com.google.cloud.tools.jib.api.Jib.fromScratch()
          .setEntrypoint(List.of("/app/server"))
          .containerize(
              com.google.cloud.tools.jib.api.Containerizer.to(
                  com.google.cloud.tools.jib.api.RegistryImage.named(
                          registry.host() + "/team/app:1.0")
                      .addCredential(TestRegistry.USER, TestRegistry.PASSWORD)));
      for (String namespace : List.of(ALLOWED, OTHER)) {
        tenantObjects(api, namespace, registry.host());
      }
      SecretNamespaces reads = SecretNamespaces.of(List.of(ALLOWED));
      RegistryProperties registryProperties =
          new RegistryProperties(
              Duration.ofSeconds(10),
              100,
              Duration.ofMinutes(10),
              false,
              List.of(),
              Map.of(),
              "amd64",
              "",
              List.of(),
              true,
              8,
              4 * 1024 * 1024,
              4 * 1024 * 1024);
      PullSecretCredentials credentials = new PullSecretCredentials(webhookClient, reads);
      try (RegistryImageCommands images =
          new RegistryImageCommands(
              registryProperties, () -> credentials, new SimpleMeterRegistry())) {
        PodMutator mutator =
            new PodMutator(
                properties(List.of(ALLOWED)),
                new KubernetesEnvSources(webhookClient, reads),
                images);
        String image = registry.host() + "/team/app:1.0";

        // The allowed tenant: the Secret's reference counts, the private image's command is read.
        PodMutator.Result allowed = mutator.mutate(pod(ALLOWED, image), ALLOWED);
        assertThat(allowed).isInstanceOf(PodMutator.Result.Mutated.class);
        assertThat(((PodMutator.Result.Mutated) allowed).containers())
            .containsExactlyInAnyOrder("from-secret", "from-config-map", "no-command");

        // The other tenant: nothing of its Secrets is read; the ConfigMap still is.
        PodMutator.Result other = mutator.mutate(pod(OTHER, null), OTHER);
        assertThat(other).isInstanceOf(PodMutator.Result.Mutated.class);
        assertThat(((PodMutator.Result.Mutated) other).containers())
            .containsExactly("from-config-map");
        PodMutator.Result privateImage = mutator.mutate(pod(OTHER, image), OTHER);
        assertThat(privateImage).isInstanceOf(PodMutator.Result.Denied.class);
        assertThat(((PodMutator.Result.Denied) privateImage).message())
            .contains("refused access to team/app without credentials")
            .contains("the webhook reads no Secrets in namespace 'team-x'")
            .contains("secretNamespaces")
            .doesNotContain("\n");
      }
    } finally {
      SSLContext.setDefault(original);
    }

    List<ApiRequest> made = List.copyOf(recorder.requests);
    RbacRules rules = RbacRules.parse(Files.readString(Path.of("rbac.yaml")));
    Map<String, Set<String>> scopes = Map.of("secretNamespaces", Set.of(ALLOWED));
    assertThat(made).as("requests recorded").hasSizeGreaterThanOrEqualTo(5);
    assertThat(rules.refused(made, Set.of(), scopes))
        .as("requests no rule of webhook/rbac.yaml allows (add a rule, with its reason)")
        .isEmpty();
    assertThat(rules.unused(made, Set.of(), scopes)).as("rules no request used").isEmpty();
    assertThat(made)
        .as("no Secret and no service account of the other tenant is read")
        .noneMatch(
            r ->
                OTHER.equals(r.namespace())
                    && ("secrets".equals(r.resource()) || "serviceaccounts".equals(r.resource())));
    assertThat(made)
        .as("get by name only, nothing listed or written")
        .allMatch(r -> r.verb().equals("get") && r.name() != null);
    assertThat(
            RbacRules.parse(Files.readString(Path.of("rbac.yaml")))
                .refused(made, Set.of(), Map.of("secretNamespaces", Set.of())))
        .as("the check: without the namespace binding these reads are refused")
        .contains("get \"\" secrets \"app-secret\" in team-r");
  }

  private static void tenantObjects(NamespacedKubernetesClient api, String namespace, String host) {
    api.configMaps()
        .inNamespace(namespace)
        .resource(
            new ConfigMapBuilder()
                .withNewMetadata()
                .withName("app-config")
                .endMetadata()
                .addToData("DB_PASSWORD", REF)
                .build())
        .create();
    api.secrets()
        .inNamespace(namespace)
        .resource(
            new SecretBuilder()
                .withNewMetadata()
                .withName("app-secret")
                .endMetadata()
                .addToData("password", b64(REF))
                .build())
        .create();
    String auth = b64(TestRegistry.USER + ":" + TestRegistry.PASSWORD);
    api.secrets()
        .inNamespace(namespace)
        .resource(
            new SecretBuilder()
                .withNewMetadata()
                .withName("registry-creds")
                .endMetadata()
                .withType("kubernetes.io/dockerconfigjson")
                .addToData(
                    ".dockerconfigjson",
                    b64("{\"auths\":{\"" + host + "\":{\"auth\":\"" + auth + "\"}}}"))
                .build())
        .create();
    api.serviceAccounts()
        .inNamespace(namespace)
        .resource(
            new ServiceAccountBuilder()
                .withNewMetadata()
                .withName("builder")
                .endMetadata()
                .addNewImagePullSecret("registry-creds")
                .build())
        .create();
  }

  /** Env from a Secret and from a ConfigMap; with {@code image}, a container without command. */
  private static Pod pod(String namespace, String image) {
    List<Container> containers = new ArrayList<>();
    containers.add(
        new ContainerBuilder()
            .withName("from-secret")
            .withImage("app:1")
            .withCommand("/app/server")
            .addNewEnv()
            .withName("DB_PASSWORD")
            .withNewValueFrom()
            .withNewSecretKeyRef()
            .withName("app-secret")
            .withKey("password")
            .endSecretKeyRef()
            .endValueFrom()
            .endEnv()
            .build());
    containers.add(
        new ContainerBuilder()
            .withName("from-config-map")
            .withImage("app:1")
            .withCommand("/app/server")
            .addNewEnvFrom()
            .withNewConfigMapRef()
            .withName("app-config")
            .endConfigMapRef()
            .endEnvFrom()
            .build());
    if (image != null) {
      containers.add(
          new ContainerBuilder()
              .withName("no-command")
              .withImage(image)
              .addNewEnv()
              .withName("TOKEN")
              .withValue(REF)
              .endEnv()
              .build());
    }
    return new PodBuilder()
        .withNewMetadata()
        .withName("app")
        .withNamespace(namespace)
        .withAnnotations(Map.of("secrets-store.deckhouse.io/role", "app"))
        .endMetadata()
        .withNewSpec()
        .withServiceAccountName("builder")
        .withContainers(containers)
        .endSpec()
        .build();
  }

  static WebhookProperties properties(List<String> secretNamespaces) {
    return new WebhookProperties(
        "registry.example.com/injector:1.0",
        "IfNotPresent",
        "/secrets-store",
        "secrets-store",
        Duration.ofMinutes(10),
        List.of(),
        Duration.ofSeconds(2),
        new WebhookProperties.Connection(
            "https://stronghold.internal:8200", "kubernetes", "", "", false),
        "copy",
        Duration.ofSeconds(10),
        secretNamespaces);
  }

  private static String b64(String text) {
    return Base64.getEncoder().encodeToString(text.getBytes(StandardCharsets.UTF_8));
  }
}
