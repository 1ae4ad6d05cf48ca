package io.secretsstore.webhook.mutation;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.client.NamespacedKubernetesClient;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.fabric8.zjsonpatch.JsonDiff;
import io.fabric8.zjsonpatch.JsonPatch;
import io.secretsstore.testkit.KubernetesApiMock;
import io.secretsstore.webhook.config.SecretNamespaces;
import io.secretsstore.webhook.config.WebhookProperties;
import io.secretsstore.webhook.envsource.KubernetesEnvSources;
import io.secretsstore.webhook.registry.ImageCommands;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The mutation on pod fixtures, with ConfigMaps and Secrets in the fabric8 mock API server: the
 * patch is computed and applied with a JSON-Patch library and the resulting pod is checked.
 */
class PodMutatorTest {

  static final String NS = "team-w";
  static KubernetesApiMock kubernetes;
  static NamespacedKubernetesClient api;
  static PodMutator mutator;
  static final ObjectMapper JSON = Serialization.jsonMapper();

  static WebhookProperties properties(List<String> allowed) {
    return properties(allowed, "copy");
  }

  static WebhookProperties properties(List<String> allowed, String delivery) {
    return new WebhookProperties(
        "registry.example.com/injector:1.0",
        "IfNotPresent",
        "/secrets-store",
        "secrets-store",
        Duration.ofMinutes(10),
        allowed,
        Duration.ofSeconds(2),
        new WebhookProperties.Connection(
            "https://stronghold.internal:8200", "kubernetes", "", "MODULE-CA", false),
        delivery,
        Duration.ofSeconds(10),
        List.of("*"));
  }

  @BeforeAll
  static void start() {
    kubernetes = new KubernetesApiMock();
    api = kubernetes.client();
    api.configMaps()
        .inNamespace(NS)
        .resource(
            new ConfigMapBuilder()
                .withNewMetadata()
                .withName("with-refs")
                .endMetadata()
                .addToData("DB_PASSWORD", "secrets-store:secret/data/db#password")
                .build())
        .create();
    api.configMaps()
        .inNamespace(NS)
        .resource(
            new ConfigMapBuilder()
                .withNewMetadata()
                .withName("plain")
                .endMetadata()
                .addToData("LEVEL", "debug")
                .build())
        .create();
    api.secrets()
        .inNamespace(NS)
        .resource(
            new SecretBuilder()
                .withNewMetadata()
                .withName("secret-refs")
                .endMetadata()
                .addToData(
                    "token",
                    Base64.getEncoder()
                        .encodeToString("secrets-store:secret/data/api#token".getBytes()))
                .build())
        .create();
    mutator =
        new PodMutator(
            properties(List.of()),
            new KubernetesEnvSources(api, SecretNamespaces.ALL),
            ImageCommands.disabled());
  }

  @AfterAll
  static void stop() {
    api.close();
    kubernetes.close();
  }

  static Pod pod(Map<String, String> annotations, Container... containers) {
    return new PodBuilder()
        .withNewMetadata()
        .withName("app")
        .withNamespace(NS)
        .withAnnotations(annotations)
        .endMetadata()
        .withNewSpec()
        .withContainers(containers)
        .endSpec()
        .build();
  }

  static Container app(String name, EnvVar... env) {
    return new ContainerBuilder()
        .withName(name)
        .withImage("registry.example.com/app:1")
        .withCommand("/app/server")
        .withArgs("--port", "8080")
        .withEnv(env)
        .build();
  }

  /** Runs the webhook's decision and applies its patch like the API server does. */
  static Pod admit(Pod pod) throws Exception {
    PodMutator.Result result = mutator.mutate(pod, NS);
    if (!(result instanceof PodMutator.Result.Mutated mutated)) {
      return null;
    }
    JsonNode original = JSON.valueToTree(pod);
    JsonNode patch = JsonDiff.asJson(original, JSON.valueToTree(mutated.pod()));
    return JSON.treeToValue(JsonPatch.apply(patch, original), Pod.class);
  }

  static Map<String, String> env(Container container) {
    return container.getEnv().stream()
        .filter(e -> e.getValue() != null)
        .collect(Collectors.toMap(EnvVar::getName, EnvVar::getValue, (a, b) -> b));
  }

  @Test
  void aPodWithoutTheRoleAnnotationIsLeftAlone() throws Exception {
    Pod pod = pod(Map.of(), app("app", new EnvVar("X", "secrets-store:secret/data/db#x", null)));
    assertThat(mutator.mutate(pod, NS)).isInstanceOf(PodMutator.Result.Unchanged.class);
  }

  @Test
  void aReferencingContainerStartsThroughTheInjectorWithTheEnvContract() throws Exception {
    Pod pod =
        pod(
            Map.of("secrets-store.deckhouse.io/role", "myapp"),
            app(
                "app",
                new EnvVar("DB_PASSWORD", "secrets-store:secret/data/db#password", null),
                new EnvVar("VAULT_ADDR", "http://evil:8200", null)),
            app("sidecar", new EnvVar("LEVEL", "debug", null)));

    Pod mutated = admit(pod);

    Container copy = mutated.getSpec().getInitContainers().getFirst();
    assertThat(copy.getName()).isEqualTo("secrets-store-injector");
    assertThat(copy.getImage()).isEqualTo("registry.example.com/injector:1.0");
    assertThat(copy.getCommand())
        .containsExactly(
            "/secrets-store/injector/bin/java",
            "@/secrets-store/injector/launch.args",
            "--self-copy",
            "/mnt/secrets-store");
    Container app = mutated.getSpec().getContainers().get(0);
    assertThat(app.getCommand())
        .containsExactly(
            "/secrets-store/injector/bin/java",
            "@/secrets-store/injector/launch.args",
            "--",
            "/app/server",
            "--port",
            "8080");
    assertThat(app.getArgs()).isNullOrEmpty();
    assertThat(env(app))
        .containsEntry("DB_PASSWORD", "secrets-store:secret/data/db#password")
        .containsEntry("VAULT_ADDR", "https://stronghold.internal:8200")
        .containsEntry("VAULT_ROLE", "myapp")
        .containsEntry("VAULT_PATH", "kubernetes")
        .containsEntry("VAULT_CACERT_BYTES", "MODULE-CA")
        .containsEntry("VAULT_CLIENT_TIMEOUT", "10s")
        .containsEntry(
            "VAULT_TOKEN_PATH", "/var/run/secrets/secrets-store.deckhouse.io/serviceaccount/token")
        .containsEntry("VAULT_RESTART_MODE", "none")
        .containsEntry("VAULT_POLL_INTERVAL", "2m");
    assertThat(app.getEnv().stream().filter(e -> e.getName().equals("VAULT_ADDR"))).hasSize(1);
    assertThat(app.getVolumeMounts())
        .extracting(m -> m.getName() + ":" + m.getMountPath())
        .contains(
            "secrets-store-injector:/secrets-store",
            "secrets-store-token:/var/run/secrets/secrets-store.deckhouse.io/serviceaccount");
    // The sidecar has no references: untouched.
    assertThat(mutated.getSpec().getContainers().get(1))
        .isEqualTo(pod.getSpec().getContainers().get(1));

    Map<String, Volume> volumes = new HashMap<>();
    mutated.getSpec().getVolumes().forEach(v -> volumes.put(v.getName(), v));
    assertThat(volumes.get("secrets-store-injector").getEmptyDir().getMedium()).isEqualTo("Memory");
    var token =
        volumes
            .get("secrets-store-token")
            .getProjected()
            .getSources()
            .getFirst()
            .getServiceAccountToken();
    assertThat(token.getAudience()).isEqualTo("secrets-store");
    assertThat(token.getExpirationSeconds()).isEqualTo(600L);
  }

  /**
   * The module's CA goes with the module's own store however the addr annotation spells it, and the
   * injector's failure message goes where the kubelet reads this container's termination message.
   */
  @Test
  void theModulesCaFollowsItsAddressAndTheTerminationMessageItsPath() throws Exception {
    Container moved =
        new ContainerBuilder(app("app", new EnvVar("X", "secrets-store:secret/data/x#y", null)))
            .withTerminationMessagePath("/tmp/why")
            .build();
    Pod pod =
        pod(
            Map.of(
                "secrets-store.deckhouse.io/role", "myapp",
                "secrets-store.deckhouse.io/addr", "https://STRONGHOLD.internal:8200/"),
            moved,
            app("plain", new EnvVar("X", "secrets-store:secret/data/x#y", null)));

    Pod mutated = admit(pod);

    assertThat(env(mutated.getSpec().getContainers().get(0)))
        .containsEntry("VAULT_CACERT_BYTES", "MODULE-CA")
        .containsEntry("VAULT_TERMINATION_LOG", "/tmp/why");
    assertThat(env(mutated.getSpec().getContainers().get(1)))
        .containsEntry("VAULT_CACERT_BYTES", "MODULE-CA")
        .doesNotContainKey("VAULT_TERMINATION_LOG");
  }

  @Test
  void referencesInConfigMapsAndSecretsCountPlainOnesDoNot() throws Exception {
    Container fromConfigMap =
        new ContainerBuilder(app("cm"))
            .addNewEnvFrom()
            .withNewConfigMapRef()
            .withName("with-refs")
            .endConfigMapRef()
            .endEnvFrom()
            .build();
    Container fromSecretKey =
        new ContainerBuilder(app("secret"))
            .addNewEnv()
            .withName("API_TOKEN")
            .withNewValueFrom()
            .withNewSecretKeyRef()
            .withName("secret-refs")
            .withKey("token")
            .endSecretKeyRef()
            .endValueFrom()
            .endEnv()
            .build();
    Container plain =
        new ContainerBuilder(app("plain"))
            .addNewEnvFrom()
            .withNewConfigMapRef()
            .withName("plain")
            .endConfigMapRef()
            .endEnvFrom()
            .addNewEnvFrom()
            .withNewSecretRef()
            .withName("does-not-exist")
            .endSecretRef()
            .endEnvFrom()
            .build();
    Container fromConfigMapKey =
        new ContainerBuilder(app("cm-key"))
            .addNewEnv()
            .withName("DB_PASSWORD")
            .withNewValueFrom()
            .withNewConfigMapKeyRef()
            .withName("with-refs")
            .withKey("DB_PASSWORD")
            .endConfigMapKeyRef()
            .endValueFrom()
            .endEnv()
            .build();
    Container fromSecret =
        new ContainerBuilder(app("secret-all"))
            .addNewEnvFrom()
            .withNewSecretRef()
            .withName("secret-refs")
            .endSecretRef()
            .endEnvFrom()
            .build();
    PodMutator.Result result =
        mutator.mutate(
            pod(
                Map.of("secrets-store.deckhouse.io/role", "myapp"),
                fromConfigMap,
                fromSecretKey,
                plain,
                fromConfigMapKey,
                fromSecret),
            NS);
    assertThat(result).isInstanceOf(PodMutator.Result.Mutated.class);
    assertThat(((PodMutator.Result.Mutated) result).containers())
        .containsExactly("cm", "secret", "cm-key", "secret-all");
  }

  @Test
  void envFromPathMutatesEveryContainerButTheSkippedOnesAndInitContainersToo() throws Exception {
    Pod pod =
        new PodBuilder(
                pod(
                    Map.of(
                        "secrets-store.deckhouse.io/role", "myapp",
                        "secrets-store.deckhouse.io/env-from-path",
                            "secret/data/common,secret/data/app",
                        "secrets-store.deckhouse.io/skip-mutate-containers", "metrics"),
                    app("app"),
                    app("metrics"),
                    app("istio-proxy")))
            .editSpec()
            .addNewInitContainer()
            .withName("migrate")
            .withImage("registry.example.com/app:1")
            .withCommand("/app/migrate")
            .endInitContainer()
            .addNewEphemeralContainer()
            .withName("debugger")
            .withImage("busybox")
            .withCommand("sh")
            .endEphemeralContainer()
            .endSpec()
            .build();

    Pod mutated = admit(pod);

    assertThat(mutated.getSpec().getInitContainers())
        .extracting(Container::getName)
        .containsExactly("secrets-store-injector", "migrate");
    assertThat(mutated.getSpec().getInitContainers().get(1).getCommand())
        .contains("/app/migrate")
        .hasSize(4);
    assertThat(env(mutated.getSpec().getContainers().get(0)))
        .containsEntry("VAULT_ENV_FROM_PATH", "secret/data/common,secret/data/app");
    assertThat(mutated.getSpec().getContainers().get(1))
        .isEqualTo(pod.getSpec().getContainers().get(1));
    assertThat(mutated.getSpec().getContainers().get(2))
        .isEqualTo(pod.getSpec().getContainers().get(2));
    assertThat(mutated.getSpec().getEphemeralContainers())
        .isEqualTo(pod.getSpec().getEphemeralContainers());
  }

  @Test
  void everyAnnotationReachesTheInjector() throws Exception {
    Container probed =
        new ContainerBuilder(
                app("app", new EnvVar("X", "prefix-${secrets-store:secret/data/x#y}", null)))
            .withNewLivenessProbe()
            .withNewExec()
            .withCommand("/app/health")
            .endExec()
            .endLivenessProbe()
            .withNewReadinessProbe()
            .withNewHttpGet()
            .withPath("/ready")
            .withNewPort(8080)
            .endHttpGet()
            .endReadinessProbe()
            .build();
    Map<String, String> annotations = new HashMap<>();
    annotations.put("secrets-store.deckhouse.io/role", "myapp");
    annotations.put("secrets-store.deckhouse.io/addr", "https://vault.team:8200");
    annotations.put("secrets-store.deckhouse.io/auth-path", "kubernetes_team");
    annotations.put("secrets-store.deckhouse.io/namespace", "team-ns");
    annotations.put("secrets-store.deckhouse.io/tls-secret", "store-ca");
    annotations.put("secrets-store.deckhouse.io/tls-skip-verify", "false");
    annotations.put("secrets-store.deckhouse.io/ignore-missing-secrets", "true");
    annotations.put("secrets-store.deckhouse.io/client-timeout", "30s");
    annotations.put("secrets-store.deckhouse.io/mutate-probes", "true");
    annotations.put("secrets-store.deckhouse.io/log-level", "debug");
    annotations.put("secrets-store.deckhouse.io/enable-json-log", "true");
    annotations.put(
        "secrets-store.deckhouse.io/service-account-token-path",
        "/var/run/secrets/kubernetes.io/serviceaccount/token");
    annotations.put("secrets-store.deckhouse.io/restart-on-secret-change", "watch-for-data");
    annotations.put("secrets-store.deckhouse.io/secret-poll-interval", "5m");
    annotations.put("secrets-store.deckhouse.io/env-injector-pull-policy", "Always");

    Pod mutated = admit(pod(annotations, probed));

    Container app = mutated.getSpec().getContainers().getFirst();
    assertThat(env(app))
        .containsEntry("VAULT_ADDR", "https://vault.team:8200")
        .containsEntry("VAULT_PATH", "kubernetes_team")
        .containsEntry("VAULT_NAMESPACE", "team-ns")
        .containsEntry("VAULT_CACERT", "/var/run/secrets/secrets-store.deckhouse.io/tls/ca.crt")
        .containsEntry("VAULT_SKIP_VERIFY", "false")
        .containsEntry("VAULT_IGNORE_MISSING_SECRETS", "true")
        .containsEntry("VAULT_CLIENT_TIMEOUT", "30s")
        .containsEntry("VAULT_LOG_LEVEL", "debug")
        .containsEntry("VAULT_JSON_LOG", "true")
        .containsEntry("VAULT_TOKEN_PATH", "/var/run/secrets/kubernetes.io/serviceaccount/token")
        .containsEntry("VAULT_RESTART_MODE", "watch-for-data")
        .containsEntry("VAULT_POLL_INTERVAL", "5m")
        .doesNotContainKey("VAULT_CACERT_BYTES");
    assertThat(app.getLivenessProbe().getExec().getCommand())
        .containsExactly(
            "/secrets-store/injector/bin/java",
            "@/secrets-store/injector/launch.args",
            "--",
            "/app/health");
    assertThat(app.getReadinessProbe().getHttpGet().getPath()).isEqualTo("/ready");
    assertThat(mutated.getSpec().getInitContainers().getFirst().getImagePullPolicy())
        .isEqualTo("Always");
    assertThat(mutated.getSpec().getVolumes())
        .extracting(Volume::getName)
        .contains("secrets-store-injector", "secrets-store-tls")
        .doesNotContain("secrets-store-token");
  }

  @Test
  void invalidAnnotationsAreDeniedNamingTheAnnotationAndAllowedValues() {
    Map<String, String> annotations = new HashMap<>();
    annotations.put("secrets-store.deckhouse.io/role", "my app");
    annotations.put("secrets-store.deckhouse.io/addr", "vault:8200");
    annotations.put("secrets-store.deckhouse.io/restart-on-secret-change", "always");
    annotations.put("secrets-store.deckhouse.io/client-timeout", "soon");
    annotations.put("secrets-store.deckhouse.io/mutate-probes", "yes");
    annotations.put("secrets-store.deckhouse.io/log-level", "loud");
    annotations.put("secrets-store.deckhouse.io/env-from-path", "/abs#x");
    PodMutator.Result result =
        mutator.mutate(
            pod(annotations, app("app", new EnvVar("X", "secrets-store:a#b", null))), NS);
    assertThat(result).isInstanceOf(PodMutator.Result.Denied.class);
    assertThat(((PodMutator.Result.Denied) result).message())
        .contains("secrets-store.deckhouse.io/role must be a store role name")
        .contains("secrets-store.deckhouse.io/addr must be an http(s) URL")
        .contains(
            "secrets-store.deckhouse.io/restart-on-secret-change must be one of none, watch-for-lease, watch-for-data, not \"always\"")
        .contains(
            "secrets-store.deckhouse.io/client-timeout must be a duration such as 10s, 2m or 1h30m"
                + " between 1s and 5m, not \"soon\"")
        .contains(
            "secrets-store.deckhouse.io/mutate-probes must be true or false (also 1/0, t/f,"
                + " TRUE/FALSE, True/False), not \"yes\"")
        .contains("secrets-store.deckhouse.io/log-level must be one of error, warn, info, debug")
        .contains("secrets-store.deckhouse.io/env-from-path is malformed");
  }

  @Test
  void onlyAllowedStoreAddressesAndContainersWithACommand() {
    PodMutator strict =
        new PodMutator(
            properties(List.of("https://stronghold.internal:8200")),
            new KubernetesEnvSources(api, SecretNamespaces.ALL),
            ImageCommands.disabled());
    PodMutator.Result elsewhere =
        strict.mutate(
            pod(
                Map.of(
                    "secrets-store.deckhouse.io/role",
                    "myapp",
                    "secrets-store.deckhouse.io/addr",
                    "https://attacker:8200"),
                app("app", new EnvVar("X", "secrets-store:a#b", null))),
            NS);
    assertThat(((PodMutator.Result.Denied) elsewhere).message())
        .contains(
            "secrets-store.deckhouse.io/addr: store address 'https://attacker:8200' is not one the"
                + " cluster allows");

    Container noCommand =
        new ContainerBuilder(app("app", new EnvVar("X", "secrets-store:a#b", null)))
            .withCommand((List<String>) null)
            .build();
    PodMutator.Result denied =
        mutator.mutate(pod(Map.of("secrets-store.deckhouse.io/role", "myapp"), noCommand), NS);
    assertThat(((PodMutator.Result.Denied) denied).message())
        .contains(
            "container 'app' has no command and the entrypoint of image registry.example.com/app:1")
        .contains("registry lookups are turned off")
        .contains("set spec.containers[].command (and args) explicitly");
  }

  /**
   * Issue 15 item 7: a plain-http store is refused unless the module allows it, then admitted with
   * an admission warning (as is tls-skip-verify); authPath and namespace follow v1.4.3's pattern.
   */
  @Test
  void plainHttpStoresNeedTheModuleSettingAndAreWarnedAbout() {
    Map<String, String> http =
        Map.of(
            "secrets-store.deckhouse.io/role",
            "myapp",
            "secrets-store.deckhouse.io/addr",
            "http://vault.team.svc:8200");
    PodMutator.Result refused =
        mutator.mutate(pod(http, app("app", new EnvVar("X", "secrets-store:a#b", null))), NS);
    assertThat(((PodMutator.Result.Denied) refused).message())
        .contains("store address 'http://vault.team.svc:8200' uses plain http")
        .contains("connection.allowInsecureHttp");

    WebhookProperties base = properties(List.of());
    WebhookProperties allowing =
        new WebhookProperties(
            base.injectorImage(),
            base.injectorPullPolicy(),
            base.mountPath(),
            base.tokenAudience(),
            base.tokenLifetime(),
            base.allowedAddresses(),
            base.lookupTimeout(),
            new WebhookProperties.Connection(
                base.connection().url(), "kubernetes", "", "MODULE-CA", true),
            base.delivery(),
            base.admissionTimeout(),
            base.secretNamespaces());
    PodMutator lenient =
        new PodMutator(
            allowing,
            new KubernetesEnvSources(api, SecretNamespaces.ALL),
            ImageCommands.disabled());
    PodMutator.Result allowed =
        lenient.mutate(pod(http, app("app", new EnvVar("X", "secrets-store:a#b", null))), NS);
    assertThat(((PodMutator.Result.Mutated) allowed).warnings())
        .singleElement()
        .asString()
        .contains("uses plain http (allowed by connection.allowInsecureHttp)");

    Map<String, String> skip = new HashMap<>();
    skip.put("secrets-store.deckhouse.io/role", "myapp");
    skip.put("secrets-store.deckhouse.io/tls-skip-verify", "true");
    skip.put("secrets-store.deckhouse.io/auth-path", "kube/sub-path");
    skip.put("secrets-store.deckhouse.io/namespace", "team-a/sub");
    PodMutator.Result skipping =
        mutator.mutate(pod(skip, app("app", new EnvVar("X", "secrets-store:a#b", null))), NS);
    assertThat(((PodMutator.Result.Mutated) skipping).warnings())
        .singleElement()
        .asString()
        .contains("tls-skip-verify is true: the store's certificate is not verified");

    skip.put("secrets-store.deckhouse.io/auth-path", "kube/../sys");
    PodMutator.Result escaping =
        mutator.mutate(pod(skip, app("app", new EnvVar("X", "secrets-store:a#b", null))), NS);
    assertThat(((PodMutator.Result.Denied) escaping).message())
        .contains("secrets-store.deckhouse.io/auth-path must be an auth mount path");
  }

  @Test
  void withImageVolumesNothingIsCopiedTheInjectorImageIsMounted() throws Exception {
    PodMutator volumes =
        new PodMutator(
            properties(List.of(), "image-volume"),
            new KubernetesEnvSources(api, SecretNamespaces.ALL),
            ImageCommands.disabled());
    Pod pod =
        pod(
            Map.of("secrets-store.deckhouse.io/role", "myapp"),
            app("app", new EnvVar("X", "secrets-store:secret/data/x#y", null)));
    PodMutator.Result result = volumes.mutate(pod, NS);
    Pod mutated = ((PodMutator.Result.Mutated) result).pod();
    assertThat(mutated.getSpec().getInitContainers()).isNullOrEmpty();
    Volume injector =
        mutated.getSpec().getVolumes().stream()
            .filter(v -> v.getName().equals("secrets-store-injector"))
            .findFirst()
            .orElseThrow();
    assertThat(injector.getImage().getReference()).isEqualTo("registry.example.com/injector:1.0");
    assertThat(injector.getImage().getPullPolicy()).isEqualTo("IfNotPresent");
    assertThat(injector.getEmptyDir()).isNull();
    assertThat(mutated.getSpec().getContainers().getFirst().getVolumeMounts())
        .filteredOn(m -> m.getName().equals("secrets-store-injector"))
        .singleElement()
        .satisfies(
            m -> {
              assertThat(m.getMountPath()).isEqualTo("/secrets-store");
              assertThat(m.getSubPath()).isEqualTo("secrets-store");
              assertThat(m.getReadOnly()).isTrue();
            });
    assertThat(volumes.mutate(mutated, NS)).isInstanceOf(PodMutator.Result.Unchanged.class);
  }

  @Test
  void withTheCsiDeliveryTheNodesDriverServesTheBundleNothingIsCopied() throws Exception {
    PodMutator csi =
        new PodMutator(
            properties(List.of(), "csi"),
            new KubernetesEnvSources(api, SecretNamespaces.ALL),
            ImageCommands.disabled());
    Pod pod =
        pod(
            Map.of("secrets-store.deckhouse.io/role", "myapp"),
            app("app", new EnvVar("X", "secrets-store:secret/data/x#y", null)));
    Pod mutated = ((PodMutator.Result.Mutated) csi.mutate(pod, NS)).pod();
    assertThat(mutated.getSpec().getInitContainers()).isNullOrEmpty();
    Volume injector =
        mutated.getSpec().getVolumes().stream()
            .filter(v -> v.getName().equals("secrets-store-injector"))
            .findFirst()
            .orElseThrow();
    assertThat(injector.getCsi().getDriver()).isEqualTo("secrets-store.csi.deckhouse.io");
    assertThat(injector.getCsi().getReadOnly()).isTrue();
    assertThat(injector.getCsi().getVolumeAttributes()).isEqualTo(Map.of("injectorBundle", "v1"));
    assertThat(injector.getEmptyDir()).isNull();
    assertThat(injector.getImage()).isNull();
    var app = mutated.getSpec().getContainers().getFirst();
    assertThat(app.getVolumeMounts())
        .filteredOn(m -> m.getName().equals("secrets-store-injector"))
        .singleElement()
        .satisfies(
            m -> {
              assertThat(m.getMountPath()).isEqualTo("/secrets-store/injector");
              assertThat(m.getSubPath()).isNull();
              assertThat(m.getReadOnly()).isTrue();
            });
    assertThat(app.getCommand())
        .startsWith(
            "/secrets-store/injector/bin/java", "@/secrets-store/injector/launch.args", "--");
    assertThat(csi.mutate(mutated, NS)).isInstanceOf(PodMutator.Result.Unchanged.class);
  }

  @Test
  void malformedReferencesAreDeniedAtAdmissionNamingContainerVariableAndSource() {
    api.configMaps()
        .inNamespace(NS)
        .resource(
            new ConfigMapBuilder()
                .withNewMetadata()
                .withName("broken-refs")
                .endMetadata()
                .addToData("TOKEN", "secrets-store:secret/data/api")
                .build())
        .create();
    PodMutator.Result direct =
        mutator.mutate(
            pod(
                Map.of("secrets-store.deckhouse.io/role", "myapp"),
                app("app", new EnvVar("DB", "secrets-store:secret/data/db#pw#0", null))),
            NS);
    assertThat(((PodMutator.Result.Denied) direct).message())
        .isEqualTo(
            "container 'app', variable DB: malformed secrets-store reference: the version '0' must"
                + " be a positive whole number without leading zeros (at position 32)");
    Container fromMap =
        new ContainerBuilder(app("api"))
            .addNewEnvFrom()
            .withPrefix("APP_")
            .withNewConfigMapRef()
            .withName("broken-refs")
            .endConfigMapRef()
            .endEnvFrom()
            .build();
    PodMutator.Result viaConfigMap =
        mutator.mutate(pod(Map.of("secrets-store.deckhouse.io/role", "myapp"), fromMap), NS);
    assertThat(((PodMutator.Result.Denied) viaConfigMap).message())
        .startsWith(
            "container 'api', variable APP_TOKEN (ConfigMap 'broken-refs'): malformed"
                + " secrets-store reference: missing '#<key>'");
  }

  @Test
  void everyBooleanAnnotationReadsTheSameGrammar() throws Exception {
    Map<String, String> annotations = new HashMap<>();
    annotations.put("secrets-store.deckhouse.io/role", "myapp");
    annotations.put("secrets-store.deckhouse.io/mutate-probes", "TRUE");
    annotations.put("secrets-store.deckhouse.io/enable-json-log", "1");
    annotations.put("secrets-store.deckhouse.io/tls-skip-verify", "t");
    annotations.put("secrets-store.deckhouse.io/ignore-missing-secrets", "False");
    Container app =
        admit(pod(annotations, app("app", new EnvVar("X", "secrets-store:a#b", null))))
            .getSpec()
            .getContainers()
            .getFirst();
    assertThat(env(app))
        .containsEntry("VAULT_JSON_LOG", "true")
        .containsEntry("VAULT_SKIP_VERIFY", "true")
        .containsEntry("VAULT_IGNORE_MISSING_SECRETS", "false");

    for (String name : List.of("mutate-probes", "enable-json-log", "tls-skip-verify")) {
      PodMutator.Result result =
          mutator.mutate(
              pod(
                  Map.of(
                      "secrets-store.deckhouse.io/role",
                      "myapp",
                      "secrets-store.deckhouse.io/" + name,
                      "tRuE"),
                  app("app", new EnvVar("X", "secrets-store:a#b", null))),
              NS);
      assertThat(((PodMutator.Result.Denied) result).message())
          .as(name)
          .contains("secrets-store.deckhouse.io/" + name + " must be true or false");
    }
  }

  @Test
  void durationsAreBoundedAndHandedOnInTheInjectorsGrammar() throws Exception {
    for (String timeout : List.of("99999999999h", "0s", "500ms", "6m", "1d", "-1s")) {
      PodMutator.Result result =
          mutator.mutate(
              pod(
                  Map.of(
                      "secrets-store.deckhouse.io/role",
                      "myapp",
                      "secrets-store.deckhouse.io/client-timeout",
                      timeout),
                  app("app", new EnvVar("X", "secrets-store:a#b", null))),
              NS);
      assertThat(result).as(timeout).isInstanceOf(PodMutator.Result.Denied.class);
      assertThat(((PodMutator.Result.Denied) result).message())
          .as(timeout)
          .contains("client-timeout must be a duration such as 10s, 2m or 1h30m between 1s and 5m");
    }
    PodMutator.Result fastPolls =
        mutator.mutate(
            pod(
                Map.of(
                    "secrets-store.deckhouse.io/role",
                    "myapp",
                    "secrets-store.deckhouse.io/secret-poll-interval",
                    "5s"),
                app("app", new EnvVar("X", "secrets-store:a#b", null))),
            NS);
    assertThat(((PodMutator.Result.Denied) fastPolls).message())
        .contains(
            "secret-poll-interval must be a duration such as 10s, 2m or 1h30m between 10s and 24h");

    Container app =
        admit(
                pod(
                    Map.of(
                        "secrets-store.deckhouse.io/role",
                        "myapp",
                        "secrets-store.deckhouse.io/client-timeout",
                        "1.5m",
                        "secrets-store.deckhouse.io/secret-poll-interval",
                        "3600"),
                    app("app", new EnvVar("X", "secrets-store:a#b", null))))
            .getSpec()
            .getContainers()
            .getFirst();
    assertThat(env(app))
        .containsEntry("VAULT_CLIENT_TIMEOUT", "1m30s")
        .containsEntry("VAULT_POLL_INTERVAL", "1h");
  }

  @Test
  void namesAndPathsTheMutationAddsAreDeniedNamingTheCollision() throws Exception {
    Map<String, String> role = Map.of("secrets-store.deckhouse.io/role", "myapp");
    Container app = app("app", new EnvVar("X", "secrets-store:a#b", null));

    for (String volume : List.of("secrets-store-token", "secrets-store-injector")) {
      Pod pod =
          new PodBuilder(pod(role, app))
              .editSpec()
              .addNewVolume()
              .withName(volume)
              .withNewEmptyDir()
              .endEmptyDir()
              .endVolume()
              .endSpec()
              .build();
      assertThat(mutator.mutate(pod, NS))
          .as(volume)
          .isEqualTo(
              new PodMutator.Result.Denied(
                  "the pod already has a volume named '"
                      + volume
                      + "', which the secrets-store webhook adds: rename that volume"));
    }

    Pod mountsOurPath =
        pod(
            role,
            new ContainerBuilder(app)
                .addNewVolumeMount()
                .withName("data")
                .withMountPath("/secrets-store/")
                .endVolumeMount()
                .build());
    assertThat(mutator.mutate(mountsOurPath, NS))
        .isEqualTo(
            new PodMutator.Result.Denied(
                "container 'app' already mounts volume 'data' at /secrets-store, where the"
                    + " secrets-store webhook mounts its 'secrets-store-injector' volume: use"
                    + " another mount path"));

    // A user's init container of our name used to make the pod count as mutated: admitted
    // unpatched, with literal secrets-store: strings for the app.
    Pod namesakeInit =
        new PodBuilder(pod(role, app))
            .editSpec()
            .addNewInitContainer()
            .withName("secrets-store-injector")
            .withImage("busybox")
            .withCommand("true")
            .endInitContainer()
            .endSpec()
            .build();
    assertThat(mutator.mutate(namesakeInit, NS))
        .isEqualTo(
            new PodMutator.Result.Denied(
                "the pod already has a container named 'secrets-store-injector', which the"
                    + " secrets-store webhook adds: rename that container"));

    // With its own token path the pod gets no token volume: that name is free.
    Pod ownToken =
        new PodBuilder(
                pod(
                    Map.of(
                        "secrets-store.deckhouse.io/role",
                        "myapp",
                        "secrets-store.deckhouse.io/service-account-token-path",
                        "/var/run/secrets/kubernetes.io/serviceaccount/token"),
                    app))
            .editSpec()
            .addNewVolume()
            .withName("secrets-store-token")
            .withNewEmptyDir()
            .endEmptyDir()
            .endVolume()
            .endSpec()
            .build();
    assertThat(mutator.mutate(ownToken, NS)).isInstanceOf(PodMutator.Result.Mutated.class);
  }

  static Pod withCsiVolume(Pod pod, String driver, Boolean readOnly) {
    return new PodBuilder(pod)
        .editSpec()
        .addNewVolume()
        .withName("secrets")
        .withNewCsi()
        .withDriver(driver)
        .withReadOnly(readOnly)
        .withVolumeAttributes(Map.of("secretsStoreImport", "db"))
        .endCsi()
        .endVolume()
        .endSpec()
        .build();
  }

  @Test
  void secretsVolumesAreReadOnlyByDefaultAndAWritableOneIsDenied() throws Exception {
    String driver = "secrets-store.csi.deckhouse.io";
    // No role annotation: only the volume is defaulted, nothing else changes.
    Pod plain = withCsiVolume(pod(Map.of(), app("app")), driver, null);
    Pod admitted = admit(plain);
    assertThat(admitted.getSpec().getVolumes().getFirst().getCsi().getReadOnly()).isTrue();
    assertThat(admitted.getSpec().getContainers()).isEqualTo(plain.getSpec().getContainers());
    assertThat(admitted.getMetadata().getAnnotations())
        .doesNotContainKey("secrets-store.deckhouse.io/injected");

    assertThat(mutator.mutate(withCsiVolume(pod(Map.of(), app("app")), driver, true), NS))
        .isInstanceOf(PodMutator.Result.Unchanged.class);
    assertThat(mutator.mutate(withCsiVolume(pod(Map.of(), app("app")), "other.csi.io", null), NS))
        .isInstanceOf(PodMutator.Result.Unchanged.class);
    assertThat(mutator.mutate(withCsiVolume(pod(Map.of(), app("app")), driver, false), NS))
        .isEqualTo(
            new PodMutator.Result.Denied(
                "volume 'secrets' of driver secrets-store.csi.deckhouse.io sets readOnly: false;"
                    + " secrets volumes are read-only: set readOnly: true or leave it out"));

    // With injection too: both in one patch.
    Pod both =
        admit(
            withCsiVolume(
                pod(
                    Map.of("secrets-store.deckhouse.io/role", "myapp"),
                    app("app", new EnvVar("X", "secrets-store:a#b", null))),
                driver,
                null));
    assertThat(both.getSpec().getVolumes().getFirst().getCsi().getReadOnly()).isTrue();
    assertThat(both.getSpec().getInitContainers().getFirst().getName())
        .isEqualTo("secrets-store-injector");
  }

  @Test
  void theWebhookAppliedToItsOwnOutputChangesNothingAndGenerateNamePodsWork() throws Exception {
    Pod pod =
        new PodBuilder(
                pod(
                    Map.of("secrets-store.deckhouse.io/role", "myapp"),
                    app("app", new EnvVar("X", "secrets-store:a#b", null))))
            .editMetadata()
            .withName(null)
            .withGenerateName("app-7d9f-")
            .endMetadata()
            .build();
    Pod once = admit(pod);
    assertThat(once).isNotNull();
    assertThat(once.getMetadata().getAnnotations())
        .containsEntry("secrets-store.deckhouse.io/injected", "true");
    assertThat(mutator.mutate(once, NS))
        .isEqualTo(new PodMutator.Result.Unchanged("already mutated"));
  }

  @Test
  void aHugePodIsMutatedQuickly() throws Exception {
    List<Container> containers = new ArrayList<>();
    for (int i = 0; i < 200; i++) {
      List<EnvVar> env = new ArrayList<>();
      for (int j = 0; j < 50; j++) {
        env.add(
            new EnvVar(
                "VAR_" + j,
                j % 10 == 0 ? "secrets-store:secret/data/x#k" + j : "value-" + j,
                null));
      }
      containers.add(new ContainerBuilder(app("c" + i)).withEnv(env).build());
    }
    long started = System.nanoTime();
    Pod mutated =
        admit(
            pod(
                Map.of("secrets-store.deckhouse.io/role", "myapp"),
                containers.toArray(Container[]::new)));
    long millis = (System.nanoTime() - started) / 1_000_000;
    assertThat(mutated.getSpec().getContainers())
        .hasSize(200)
        .allSatisfy(
            c ->
                assertThat(c.getCommand().getFirst())
                    .isEqualTo("/secrets-store/injector/bin/java"));
    System.out.println("200 containers x 50 variables mutated and patched in " + millis + " ms");
  }

  @Test
  void theAddedInitContainerAndVolumesPassTheRestrictedPodSecurityStandard() throws Exception {
    Pod mutated =
        admit(
            pod(
                Map.of("secrets-store.deckhouse.io/role", "myapp"),
                app("app", new EnvVar("X", "secrets-store:a#b", null))));
    assertThat(RestrictedPodSecurity.violations(mutated.getSpec().getInitContainers().getFirst()))
        .isEmpty();
    assertThat(RestrictedPodSecurity.volumeViolations(mutated.getSpec().getVolumes())).isEmpty();
    // The checker itself catches what it should.
    Container bad =
        new ContainerBuilder()
            .withName("bad")
            .withNewSecurityContext()
            .withPrivileged(true)
            .endSecurityContext()
            .build();
    assertThat(RestrictedPodSecurity.violations(bad)).isNotEmpty();
  }
}
