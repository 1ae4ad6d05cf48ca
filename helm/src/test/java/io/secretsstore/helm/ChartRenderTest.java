package io.secretsstore.helm;

import static io.secretsstore.helm.RenderedChart.at;
import static io.secretsstore.helm.RenderedChart.str;
import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.MutatingWebhook;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.MutatingWebhookConfiguration;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.fabric8.kubernetes.api.model.rbac.ClusterRole;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBinding;
import io.fabric8.kubernetes.api.model.rbac.PolicyRule;
import io.fabric8.kubernetes.api.model.rbac.Role;
import io.fabric8.kubernetes.api.model.storage.CSIDriver;
import io.secretsstore.model.names.CsiNames;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** {@code helm template} in every profile, and what the rendered objects must say. */
class ChartRenderTest {

  static final String DRIVER = "secrets-store-csi-driver";
  static final String PROVIDER = "secrets-store-csi-provider";
  static final String CONTROLLER = "secrets-store-controller";
  static final String WEBHOOK = "secrets-store-webhook";

  @ParameterizedTest
  @EnumSource(Profile.class)
  void lintsCleanly(Profile profile) {
    Helm.Result lint = Helm.lint(profile.file());
    assertThat(lint.exitCode()).as(lint.stdout() + lint.stderr()).isZero();
  }

  @ParameterizedTest
  @EnumSource(Profile.class)
  void selectorsMatchTheirPods(Profile profile) {
    RenderedChart chart = RenderedChart.render(profile);
    for (DaemonSet ds : chart.all(DaemonSet.class)) {
      assertThat(ds.getSpec().getTemplate().getMetadata().getLabels())
          .containsAllEntriesOf(ds.getSpec().getSelector().getMatchLabels());
    }
    for (Deployment d : chart.all(Deployment.class)) {
      assertThat(d.getSpec().getTemplate().getMetadata().getLabels())
          .containsAllEntriesOf(d.getSpec().getSelector().getMatchLabels());
    }
    Map<String, PodTemplateSpec> pods = chart.podTemplates();
    for (PodDisruptionBudget pdb : chart.all(PodDisruptionBudget.class)) {
      PodTemplateSpec target = pods.get(pdb.getMetadata().getName());
      assertThat(target).as("PDB " + pdb.getMetadata().getName() + " has a workload").isNotNull();
      assertThat(target.getMetadata().getLabels())
          .containsAllEntriesOf(pdb.getSpec().getSelector().getMatchLabels());
    }
    for (Service service : chart.all(Service.class)) {
      long selected =
          pods.values().stream()
              .filter(
                  p ->
                      p.getMetadata()
                          .getLabels()
                          .entrySet()
                          .containsAll(service.getSpec().getSelector().entrySet()))
              .count();
      assertThat(selected).as("pods behind Service " + service.getMetadata().getName()).isOne();
    }
    // Selectors are immutable on upgrade: they carry only name and component.
    for (PodTemplateSpec pod : pods.values()) {
      assertThat(pod.getMetadata().getLabels()).containsKey("app.kubernetes.io/component");
    }
  }

  @ParameterizedTest
  @EnumSource(Profile.class)
  void onlyTheDriverIsPrivilegedAndEverythingElseIsRestricted(Profile profile) {
    RenderedChart chart = RenderedChart.render(profile);
    for (var entry : chart.podTemplates().entrySet()) {
      PodSpec pod = entry.getValue().getSpec();
      for (Container c : allContainers(pod)) {
        String where = entry.getKey() + "/" + c.getName();
        var sc = c.getSecurityContext();
        assertThat(sc).as(where).isNotNull();
        assertThat(sc.getReadOnlyRootFilesystem()).as(where + " read-only root").isTrue();
        if (entry.getKey().equals(DRIVER) && c.getName().equals("csi-driver")) {
          assertThat(sc.getPrivileged()).as(where).isTrue();
          continue;
        }
        assertThat(sc.getPrivileged()).as(where + " privileged").isNotEqualTo(Boolean.TRUE);
        assertThat(sc.getAllowPrivilegeEscalation()).as(where + " escalation").isFalse();
        assertThat(sc.getCapabilities().getDrop())
            .as(where + " capabilities")
            .containsExactly("ALL");
        assertThat(sc.getCapabilities().getAdd()).as(where).isNullOrEmpty();
        if (entry.getKey().equals(DRIVER)) {
          continue; // the upstream sidecars need root for kubelet's root-owned sockets
        }
        assertThat(pod.getSecurityContext().getRunAsNonRoot()).as(where + " non-root").isTrue();
        assertThat(pod.getSecurityContext().getRunAsUser()).as(where).isEqualTo(65532L);
        assertThat(pod.getSecurityContext().getSeccompProfile().getType())
            .as(where + " seccomp")
            .isEqualTo("RuntimeDefault");
        assertThat(sc.getRunAsUser()).as(where).isNull();
      }
      assertThat(pod.getHostPID()).as(entry.getKey()).isNotEqualTo(Boolean.TRUE);
      assertThat(pod.getHostIPC()).as(entry.getKey()).isNotEqualTo(Boolean.TRUE);
    }
  }

  @ParameterizedTest
  @EnumSource(Profile.class)
  void everyContainerHasProbesOnItsHttpPortAndMemoryLimits(Profile profile) {
    RenderedChart chart = RenderedChart.render(profile);
    Map<String, String> portProperty =
        Map.of(
            DRIVER, "server.port",
            PROVIDER, "server.port",
            CONTROLLER, "server.port",
            WEBHOOK, "management.server.port");
    for (var entry : chart.podTemplates().entrySet()) {
      String workload = entry.getKey();
      Container main = entry.getValue().getSpec().getContainers().getFirst();
      int httpPort = port(main, "http");
      assertThat(httpPort)
          .as(workload + ": the probed port is the one the service listens on")
          .isEqualTo(
              Integer.parseInt(str(chart.applicationYaml(workload), portProperty.get(workload))));
      assertThat(main.getReadinessProbe().getHttpGet().getPath())
          .isEqualTo("/actuator/health/readiness");
      assertThat(main.getReadinessProbe().getHttpGet().getPort().getStrVal()).isEqualTo("http");
      if (!(workload.equals(DRIVER) && profile == Profile.MINIMAL)) {
        assertThat(main.getLivenessProbe().getHttpGet().getPath())
            .isEqualTo("/actuator/health/liveness");
        assertThat(main.getStartupProbe()).as(workload + " startup probe").isNotNull();
      }
      for (Container c : allContainers(entry.getValue().getSpec())) {
        assertThat(c.getResources().getRequests())
            .as(workload + "/" + c.getName())
            .containsKeys("cpu", "memory");
        assertThat(c.getResources().getLimits())
            .as(workload + "/" + c.getName())
            .containsKey("memory");
      }
    }
  }

  @Test
  void theWebhooksLookupsEndBeforeTheApiServersDeadline() {
    for (String seconds : List.of("10", "4")) {
      RenderedChart chart =
          RenderedChart.render(Profile.DEFAULT, "webhook.timeoutSeconds=" + seconds);
      MutatingWebhookConfiguration configuration =
          chart.get(MutatingWebhookConfiguration.class, "secrets-store-webhook");
      assertThat(configuration.getWebhooks().getFirst().getTimeoutSeconds())
          .isEqualTo(Integer.parseInt(seconds));
      assertThat(str(chart.applicationYaml(WEBHOOK), "secrets-store.webhook.admission-timeout"))
          .isEqualTo(seconds + "s");
    }
  }

  @Test
  void driverProviderAndKubeletAgreeOnEverySocket() {
    for (Profile profile : List.of(Profile.DEFAULT, Profile.MANUAL_CA, Profile.MINIMAL)) {
      RenderedChart chart = RenderedChart.render(profile);
      String kubeletDir =
          profile == Profile.MANUAL_CA ? "/var/lib/k0s/kubelet" : "/var/lib/kubelet";
      String pluginDir = kubeletDir + "/plugins/" + CsiNames.DRIVER_NAME;
      Map<String, Object> driver = chart.applicationYaml(DRIVER);
      Map<String, Object> provider = chart.applicationYaml(PROVIDER);
      Container driverContainer = chart.container(DRIVER, "csi-driver");
      PodSpec driverPod = chart.pod(DRIVER);
      PodSpec providerPod = chart.pod(PROVIDER);

      // kubelet's socket: the endpoint lies in the mount of the plugin directory.
      String endpoint = str(driver, "secrets-store.driver.endpoint").replaceFirst("^unix://", "");
      String endpointHostPath = hostPathOf(driverPod, driverContainer, endpoint);
      assertThat(endpointHostPath)
          .as(profile + " driver socket on the host")
          .isEqualTo(pluginDir + "/csi.sock");
      assertThat(str(driver, "secrets-store.driver.driver-name")).isEqualTo(CsiNames.DRIVER_NAME);
      assertThat(str(driver, "secrets-store.driver.kubelet-pods-dir"))
          .isEqualTo(kubeletDir + "/pods");
      VolumeMount podsMount = mount(driverContainer, kubeletDir + "/pods");
      assertThat(podsMount.getMountPropagation()).isEqualTo("Bidirectional");
      assertThat(hostPathOf(driverPod, driverContainer, kubeletDir + "/pods"))
          .isEqualTo(kubeletDir + "/pods");

      if (profile == Profile.MINIMAL) {
        // The upstream registrar tells kubelet the same socket.
        Container registrar = chart.container(DRIVER, "node-driver-registrar");
        assertThat(registrar.getArgs())
            .contains("--kubelet-registration-path=" + pluginDir + "/csi.sock");
        String csiAddress = arg(registrar, "--csi-address");
        assertThat(hostPathOf(driverPod, registrar, csiAddress)).isEqualTo(pluginDir + "/csi.sock");
        assertThat(hostPathOf(driverPod, registrar, "/registration/x"))
            .isEqualTo(kubeletDir + "/plugins_registry/x");
        assertThat(at(driver, "secrets-store.driver.registration.enabled")).isEqualTo(false);
        Container liveness = chart.container(DRIVER, "liveness-probe");
        assertThat(hostPathOf(driverPod, liveness, arg(liveness, "--csi-address")))
            .isEqualTo(pluginDir + "/csi.sock");
        assertThat(driverContainer.getLivenessProbe().getHttpGet().getPort().getStrVal())
            .isEqualTo("healthz");
        assertThat(port(liveness, "healthz")).isPositive();
      } else {
        // The driver registers itself: registration socket dir and the endpoint kubelet dials.
        assertThat(at(driver, "secrets-store.driver.registration.enabled")).isEqualTo(true);
        assertThat(str(driver, "secrets-store.driver.registration.kubelet-endpoint"))
            .isEqualTo(pluginDir + "/csi.sock");
        String registry = str(driver, "secrets-store.driver.registration.registry-dir");
        assertThat(hostPathOf(driverPod, driverContainer, registry + "/x"))
            .isEqualTo(kubeletDir + "/plugins_registry/x");
        assertThat(driverPod.getContainers()).hasSize(1);
      }

      // The provider's socket is where the driver looks for providers.
      Container providerContainer = chart.container(PROVIDER, "csi-provider");
      String providerSocket = str(provider, "secrets-store.provider.socket-dir") + "/vault.sock";
      String driverLooksAt = str(driver, "secrets-store.driver.providers-dir") + "/vault.sock";
      assertThat(hostPathOf(providerPod, providerContainer, providerSocket))
          .isEqualTo(hostPathOf(driverPod, driverContainer, driverLooksAt))
          .isEqualTo("/var/run/secrets-store-csi-providers/vault.sock");
      // ...and that directory is the only host path the provider sees.
      assertThat(providerPod.getVolumes().stream().filter(v -> v.getHostPath() != null).count())
          .isOne();
      // The object-version key is not in it: in the provider pod's own memory emptyDir.
      String key = str(provider, "secrets-store.provider.object-version-key-file");
      assertThat(key).isEqualTo("/var/lib/secrets-store-csi-provider/object-version.key");
      VolumeMount keyMount = mount(providerContainer, "/var/lib/secrets-store-csi-provider");
      assertThat(keyMount.getReadOnly()).isNotEqualTo(Boolean.TRUE);
      Volume keyVolume =
          providerPod.getVolumes().stream()
              .filter(v -> v.getName().equals(keyMount.getName()))
              .findFirst()
              .orElseThrow();
      assertThat(keyVolume.getEmptyDir()).as(profile + " key volume").isNotNull();
      assertThat(keyVolume.getEmptyDir().getMedium()).isEqualTo("Memory");
      assertThat(key).doesNotStartWith(str(provider, "secrets-store.provider.socket-dir") + "/");
    }
  }

  @ParameterizedTest
  @EnumSource(Profile.class)
  void oneDedicatedAudienceEverywhere(Profile profile) throws Exception {
    RenderedChart chart = RenderedChart.render(profile);
    CSIDriver csiDriver = chart.get(CSIDriver.class, CsiNames.DRIVER_NAME);
    assertThat(csiDriver.getSpec().getAttachRequired()).isFalse();
    assertThat(csiDriver.getSpec().getPodInfoOnMount()).isTrue();
    assertThat(csiDriver.getSpec().getRequiresRepublish()).isTrue();
    assertThat(csiDriver.getSpec().getVolumeLifecycleModes()).containsExactly("Ephemeral");
    assertThat(csiDriver.getSpec().getTokenRequests()).hasSize(1);
    String audience = csiDriver.getSpec().getTokenRequests().getFirst().getAudience();
    assertThat(audience).as("not the API server's audience").isEqualTo("secrets-store");

    assertThat(str(chart.applicationYaml(PROVIDER), "secrets-store.provider.default-audience"))
        .isEqualTo(audience);
    assertThat(
            str(
                chart.applicationYaml(CONTROLLER),
                "secrets-store.controller.secret-sync.token-audience"))
        .isEqualTo(audience);
    if (chart.has("ConfigMap", WEBHOOK)) {
      assertThat(str(chart.applicationYaml(WEBHOOK), "secrets-store.webhook.token-audience"))
          .isEqualTo(audience);
    }
    // The store setup in the docs tells admins to create roles with exactly this audience.
    String setup = Files.readString(Helm.projectRoot().resolve("docs/store-setup.md"));
    assertThat(setup).contains("audience=" + audience);
  }

  @Test
  void rbacIsExactlyWhatEachComponentUses() {
    RenderedChart chart = RenderedChart.render(Profile.DEFAULT);
    assertThat(rules(chart.get(ClusterRole.class, DRIVER).getRules()))
        .containsExactlyInAnyOrder(
            "deckhouse.io/secretsstoreimports:get",
            "secrets-store.csi.x-k8s.io/secretproviderclasses:get",
            "/events:create,patch",
            "deckhouse.io/secretsstoreimportpodstatuses:create,delete,get,update",
            "deckhouse.io/secretsstoreimportpodstatuses/status:update",
            "storage.k8s.io/csidrivers:get[secrets-store.csi.deckhouse.io]");
    // The webhook's and the controller's grants follow their rbac.yaml lists: RbacListTest.
    // The controller's grants follow controller/rbac.yaml: RbacListTest.
    // The provider talks to no API at all.
    ServiceAccount providerAccount = chart.get(ServiceAccount.class, PROVIDER);
    assertThat(providerAccount.getAutomountServiceAccountToken()).isFalse();
    assertThat(chart.pod(PROVIDER).getAutomountServiceAccountToken()).isFalse();
    assertThat(chart.all(ClusterRoleBinding.class))
        .noneMatch(b -> b.getSubjects().stream().anyMatch(s -> s.getName().equals(PROVIDER)));

    // By default nobody may mint tokens or read Secrets cluster-wide: those rights are per
    // namespace.
    for (ClusterRole role : chart.all(ClusterRole.class)) {
      assertThat(rules(role.getRules()))
          .as(role.getMetadata().getName())
          .noneMatch(r -> r.contains("*"))
          .noneMatch(r -> r.startsWith("/serviceaccounts/token"))
          .noneMatch(r -> r.startsWith("/secrets:"));
    }
  }

  @Test
  void certManagerLeavesTheWebhookCertificateToCertManager() {
    RenderedChart chart = RenderedChart.render(Profile.CERT_MANAGER);
    assertThat(
            str(
                chart.applicationYaml(CONTROLLER),
                "secrets-store.controller.webhook-certificates.mode"))
        .isEqualTo("external");
    // Its Role then holds only the Lease rights (RbacListTest checks them one by one).
    assertThat(rules(chart.get(Role.class, CONTROLLER).getRules()))
        .noneMatch(rule -> rule.startsWith("/secrets"));
  }

  @Test
  void autoDeliveryMeansTheNodesDriverAndEveryDeliveryCanBeChosen() {
    assertThat(
            str(
                RenderedChart.render(Profile.DEFAULT, "webhook.injector.delivery=auto")
                    .applicationYaml(WEBHOOK),
                "secrets-store.webhook.delivery"))
        .isEqualTo("csi");
    assertThat(
            str(
                RenderedChart.render(Profile.DEFAULT).applicationYaml(WEBHOOK),
                "secrets-store.webhook.delivery"))
        .as("the default is auto")
        .isEqualTo("csi");
    for (String delivery : List.of("copy", "image-volume", "csi")) {
      assertThat(
              str(
                  RenderedChart.render(Profile.DEFAULT, "webhook.injector.delivery=" + delivery)
                      .applicationYaml(WEBHOOK),
                  "secrets-store.webhook.delivery"))
          .isEqualTo(delivery);
    }
  }

  @Test
  void secretModeOptInsAndTheAddressRuleReachTheController() {
    Map<String, Object> defaults =
        RenderedChart.render(Profile.DEFAULT).applicationYaml(CONTROLLER);
    // Safe defaults: no namespace opted in, only the dedicated audience, http refused.
    assertThat(RenderedChart.at(defaults, "secrets-store.controller.secret-sync.namespaces"))
        .isEqualTo(List.of());
    assertThat(RenderedChart.at(defaults, "secrets-store.controller.secret-sync.allowed-audiences"))
        .isEqualTo(List.of());
    assertThat(RenderedChart.at(defaults, "secrets-store.connection.allow-insecure-http"))
        .isEqualTo(false);

    RenderedChart chart =
        RenderedChart.render(
            Profile.DEFAULT,
            "controller.secretSync.enabled=true",
            "controller.secretSync.namespaces={team-a,team-b}",
            "controller.secretSync.allowedAudiences={vault}",
            "allowedStoreAddresses={https://vault.team-a.example.com}",
            "allowInsecureHttp=true");
    Map<String, Object> controller = chart.applicationYaml(CONTROLLER);
    assertThat(RenderedChart.at(controller, "secrets-store.controller.secret-sync.namespaces"))
        .isEqualTo(List.of("team-a", "team-b"));
    assertThat(
            RenderedChart.at(controller, "secrets-store.controller.secret-sync.allowed-audiences"))
        .isEqualTo(List.of("vault"));
    assertThat(RenderedChart.at(controller, "secrets-store.connection.allowed-addresses"))
        .isEqualTo(List.of("https://vault.team-a.example.com"));
    assertThat(RenderedChart.at(controller, "secrets-store.connection.allow-insecure-http"))
        .isEqualTo(true);
    assertThat(
            RenderedChart.at(
                chart.applicationYaml(WEBHOOK),
                "secrets-store.webhook.connection.allow-insecure-http"))
        .isEqualTo(true);
    // The webhook enforces the same address list for the addr annotation.
    assertThat(
            RenderedChart.at(
                chart.applicationYaml(WEBHOOK), "secrets-store.webhook.allowed-addresses"))
        .isEqualTo(List.of("https://vault.team-a.example.com"));
  }

  /** The registry lookup limits reach the webhook: defaults, and each value as set. */
  @Test
  void webhookRegistryLimitsAreSettings() {
    Map<String, Object> defaults = RenderedChart.render(Profile.DEFAULT).applicationYaml(WEBHOOK);
    String prefix = "secrets-store.webhook.registry.";
    assertThat(RenderedChart.at(defaults, prefix + "allowed-registries")).isEqualTo(List.of());
    assertThat(RenderedChart.at(defaults, prefix + "allow-private-addresses")).isEqualTo(false);
    assertThat(RenderedChart.at(defaults, prefix + "max-concurrent-lookups")).isEqualTo(8);
    assertThat(RenderedChart.at(defaults, prefix + "max-config-bytes")).isEqualTo(4194304);
    assertThat(RenderedChart.at(defaults, prefix + "max-manifest-bytes")).isEqualTo(4194304);

    Map<String, Object> set =
        RenderedChart.render(
                Profile.DEFAULT,
                "webhook.registry.allowedRegistries={registry.example.com,auth.example.com:5000}",
                "webhook.registry.allowPrivateAddresses=true",
                "webhook.registry.maxConcurrentLookups=3",
                "webhook.registry.maxConfigBytes=1048576",
                "webhook.registry.maxManifestBytes=2097152")
            .applicationYaml(WEBHOOK);
    assertThat(RenderedChart.at(set, prefix + "allowed-registries"))
        .isEqualTo(List.of("registry.example.com", "auth.example.com:5000"));
    assertThat(RenderedChart.at(set, prefix + "allow-private-addresses")).isEqualTo(true);
    assertThat(RenderedChart.at(set, prefix + "max-concurrent-lookups")).isEqualTo(3);
    assertThat(RenderedChart.at(set, prefix + "max-config-bytes")).isEqualTo(1048576);
    assertThat(RenderedChart.at(set, prefix + "max-manifest-bytes")).isEqualTo(2097152);
  }

  @Test
  void webhookConfigurationSelectsPodsSafely() {
    RenderedChart chart = RenderedChart.render(Profile.DEFAULT);
    MutatingWebhook hook =
        chart.get(MutatingWebhookConfiguration.class, WEBHOOK).getWebhooks().getFirst();
    assertThat(hook.getSideEffects()).isEqualTo("None");
    assertThat(hook.getFailurePolicy()).isEqualTo("Fail");
    assertThat(hook.getTimeoutSeconds()).isEqualTo(10);
    assertThat(hook.getReinvocationPolicy()).isEqualTo("Never");
    assertThat(hook.getAdmissionReviewVersions()).containsExactly("v1");
    assertThat(hook.getRules())
        .singleElement()
        .satisfies(
            rule -> {
              assertThat(rule.getOperations()).containsExactly("CREATE");
              assertThat(rule.getResources()).containsExactly("pods");
            });
    var expression = hook.getNamespaceSelector().getMatchExpressions().getFirst();
    assertThat(expression.getKey()).isEqualTo("kubernetes.io/metadata.name");
    assertThat(expression.getOperator()).isEqualTo("NotIn");
    assertThat(expression.getValues()).containsExactlyInAnyOrder("kube-system", Helm.NAMESPACE);
    assertThat(hook.getObjectSelector().getMatchExpressions().getFirst().getKey())
        .isEqualTo("secrets-store.deckhouse.io/mutate");
    // Our own pods opt out, so the webhook never depends on itself.
    for (PodTemplateSpec pod : chart.podTemplates().values()) {
      assertThat(pod.getMetadata().getLabels())
          .containsEntry("secrets-store.deckhouse.io/mutate", "skip");
    }
    var service = hook.getClientConfig().getService();
    assertThat(service.getName()).isEqualTo(WEBHOOK);
    assertThat(service.getNamespace()).isEqualTo(Helm.NAMESPACE);
    assertThat(service.getPath()).isEqualTo("/mutate-pods");
    assertThat(
            chart
                .get(Service.class, WEBHOOK)
                .getSpec()
                .getPorts()
                .getFirst()
                .getTargetPort()
                .getStrVal())
        .isEqualTo("https");
    // The controller fills the caBundle (nothing to keep during a fresh render).
    assertThat(hook.getClientConfig().getCaBundle()).isNull();
    assertThat(
            str(
                chart.applicationYaml(CONTROLLER),
                "secrets-store.controller.webhook-certificates.mode"))
        .isEqualTo("self-signed");

    MutatingWebhook ha =
        RenderedChart.render(Profile.HA)
            .get(MutatingWebhookConfiguration.class, WEBHOOK)
            .getWebhooks()
            .getFirst();
    assertThat(ha.getTimeoutSeconds()).isEqualTo(15);
    assertThat(ha.getReinvocationPolicy()).isEqualTo("IfNeeded");
    assertThat(ha.getNamespaceSelector().getMatchExpressions().getFirst().getValues())
        .containsExactlyInAnyOrder("kube-system", Helm.NAMESPACE, "monitoring");
    assertThat(new String(Base64.getDecoder().decode(ha.getClientConfig().getCaBundle())))
        .startsWith("-----BEGIN CERTIFICATE-----");
  }

  @Test
  void sandboxCallsTheWebhookByUrlOnTheHostNetwork() {
    RenderedChart chart = RenderedChart.render(Profile.SANDBOX);
    MutatingWebhook hook =
        chart.get(MutatingWebhookConfiguration.class, WEBHOOK).getWebhooks().getFirst();
    assertThat(hook.getClientConfig().getUrl()).isEqualTo("https://127.0.0.1:8443/mutate-pods");
    assertThat(hook.getClientConfig().getService()).isNull();
    assertThat(hook.getClientConfig().getCaBundle()).isNotBlank();
    for (var pod : chart.podTemplates().entrySet()) {
      assertThat(pod.getValue().getSpec().getHostNetwork()).as(pod.getKey()).isTrue();
      assertThat(pod.getValue().getSpec().getDnsPolicy()).isEqualTo("ClusterFirstWithHostNet");
    }
    // Host network: the ports of all components on one node must differ.
    List<Integer> ports = new ArrayList<>();
    chart
        .podTemplates()
        .values()
        .forEach(
            p ->
                allContainers(p.getSpec())
                    .forEach(
                        c -> c.getPorts().forEach(port -> ports.add(port.getContainerPort()))));
    assertThat(ports).doesNotHaveDuplicates();
    assertThat(chart.has("Secret", "secrets-store-webhook-tls")).isTrue();
  }

  @Test
  void certManagerModeMakesItsIssuerAndInjectsTheCa() {
    RenderedChart chart = RenderedChart.render(Profile.CERT_MANAGER);
    assertThat(chart.ofKind("Certificate").map(o -> o.getMetadata().getName()))
        .containsExactlyInAnyOrder("secrets-store-webhook", "secrets-store-webhook-ca");
    assertThat(chart.ofKind("Issuer").count()).isEqualTo(2);
    assertThat(
            chart.get(MutatingWebhookConfiguration.class, WEBHOOK).getMetadata().getAnnotations())
        .containsEntry("cert-manager.io/inject-ca-from", Helm.NAMESPACE + "/secrets-store-webhook");
    HasMetadata serving =
        chart
            .ofKind("Certificate")
            .filter(o -> o.getMetadata().getName().equals("secrets-store-webhook"))
            .findFirst()
            .orElseThrow();
    String yaml = RenderedChart.SERIALIZATION.asYaml(serving);
    assertThat(yaml)
        .contains(
            "secretName: \"secrets-store-webhook-tls\"",
            "secrets-store-webhook." + Helm.NAMESPACE + ".svc");
    // The webhook mounts that Secret.
    assertThat(
            chart.pod(WEBHOOK).getVolumes().stream()
                .filter(v -> v.getName().equals("tls"))
                .findFirst()
                .orElseThrow()
                .getSecret()
                .getSecretName())
        .isEqualTo("secrets-store-webhook-tls");
  }

  @Test
  void connectionModesResolveTheSameForEveryService() {
    RenderedChart local = RenderedChart.render(Profile.DEFAULT);
    for (Map<String, Object> c : connections(local)) {
      assertThat(c)
          .containsEntry("url", "https://stronghold.d8-stronghold.svc:8300")
          .containsEntry("auth-path", "kubernetes_local")
          .containsEntry("ca-cert", "");
    }
    RenderedChart manual = RenderedChart.render(Profile.MANUAL_CA);
    for (Map<String, Object> c : connections(manual)) {
      assertThat(c)
          .containsEntry("url", "https://vault.example.com:8200")
          .containsEntry("auth-path", "main-kube")
          .containsEntry("namespace", "team-a/apps");
      assertThat((String) c.get("ca-cert")).startsWith("-----BEGIN CERTIFICATE-----\n");
    }
    // A Deckhouse ModuleConfig's settings (and the platform's local Stronghold CA) win.
    RenderedChart module =
        RenderedChart.render(
            List.of(Profile.DEFAULT.file()),
            "secretsStoreIntegration.connectionConfiguration=Manual",
            "secretsStoreIntegration.connection.url=https://stronghold.example.com",
            "secretsStoreIntegration.connection.authPath=remote-kube-1");
    for (Map<String, Object> c : connections(module)) {
      assertThat(c)
          .containsEntry("url", "https://stronghold.example.com")
          .containsEntry("auth-path", "remote-kube-1");
    }
    RenderedChart localCa =
        RenderedChart.render(
            List.of(Profile.DEFAULT.file()),
            "secretsStoreIntegration.internal.localStrongholdCaCert=PEM-FROM-HOOK");
    for (Map<String, Object> c : connections(localCa)) {
      assertThat(c)
          .containsEntry("ca-cert", "PEM-FROM-HOOK")
          .containsEntry("auth-path", "kubernetes_local");
    }
  }

  @ParameterizedTest
  @EnumSource(Profile.class)
  void imagesAreTheOnesTheBuildProduces(Profile profile) {
    RenderedChart chart = RenderedChart.render(profile);
    String registry =
        profile == Profile.HA ? "registry.example.com/ssi" : "registry.deckhouse.io/secrets-store";
    String tag = profile == Profile.HA ? "1.2.3" : "0.1.0-SNAPSHOT";
    Map<String, String> images =
        Map.of(
            DRIVER,
            "csi-driver",
            PROVIDER,
            "csi-provider",
            CONTROLLER,
            "controller",
            WEBHOOK,
            "webhook");
    for (var pod : chart.podTemplates().entrySet()) {
      assertThat(pod.getValue().getSpec().getContainers().getFirst().getImage())
          .isEqualTo(registry + "/" + images.get(pod.getKey()) + ":" + tag);
      assertThat(pod.getValue().getSpec().getPriorityClassName()).isNotBlank();
      if (profile == Profile.HA) {
        assertThat(pod.getValue().getSpec().getImagePullSecrets())
            .extracting("name")
            .containsExactly("registry-credentials");
      }
    }
    if (chart.has("ConfigMap", WEBHOOK)) {
      assertThat(str(chart.applicationYaml(WEBHOOK), "secrets-store.webhook.injector-image"))
          .isEqualTo(registry + "/injector:" + tag);
    }
    // Each component's settings come only from its rendered ConfigMap (plus the downward API).
    for (var pod : chart.podTemplates().entrySet()) {
      Container main = pod.getValue().getSpec().getContainers().getFirst();
      assertThat(main.getArgs())
          .containsExactly("--spring.config.additional-location=file:/etc/secrets-store/config/");
      assertThat(mount(main, "/etc/secrets-store/config").getReadOnly()).isTrue();
      Volume config =
          pod.getValue().getSpec().getVolumes().stream()
              .filter(v -> v.getName().equals("config"))
              .findFirst()
              .orElseThrow();
      assertThat(config.getConfigMap().getName()).isEqualTo(pod.getKey());
      assertThat(pod.getValue().getMetadata().getAnnotations()).containsKey("checksum/config");
    }
  }

  @Test
  void daemonsTolerateEveryTaintAndDeploymentsSpreadAndSurviveDrains() {
    RenderedChart chart = RenderedChart.render(Profile.HA);
    for (DaemonSet ds : chart.all(DaemonSet.class)) {
      assertThat(ds.getSpec().getTemplate().getSpec().getTolerations())
          .anySatisfy(t -> assertThat(t.getOperator()).isEqualTo("Exists"));
      assertThat(ds.getSpec().getTemplate().getSpec().getPriorityClassName())
          .isEqualTo("system-node-critical");
    }
    for (Deployment d : chart.all(Deployment.class)) {
      assertThat(d.getSpec().getReplicas()).isEqualTo(3);
      assertThat(
              d.getSpec()
                  .getTemplate()
                  .getSpec()
                  .getAffinity()
                  .getPodAntiAffinity()
                  .getPreferredDuringSchedulingIgnoredDuringExecution())
          .isNotEmpty();
      assertThat(
              chart
                  .get(PodDisruptionBudget.class, d.getMetadata().getName())
                  .getSpec()
                  .getMaxUnavailable()
                  .getIntVal())
          .isEqualTo(1);
    }
    assertThat(
            chart
                .get(Deployment.class, WEBHOOK)
                .getSpec()
                .getStrategy()
                .getRollingUpdate()
                .getMaxUnavailable()
                .getIntVal())
        .isZero();
    // One replica: no PDB (it would block every drain).
    assertThat(RenderedChart.render(Profile.MINIMAL).all(PodDisruptionBudget.class)).isEmpty();
  }

  @Test
  void minimalProfileHasNoWebhookAtAll() {
    RenderedChart chart = RenderedChart.render(Profile.MINIMAL);
    assertThat(chart.objects).noneMatch(o -> o.getMetadata().getName().contains("webhook"));
    assertThat(str(chart.applicationYaml(DRIVER), "secrets-store.driver.rotation.enabled"))
        .isEqualTo("false");
  }

  // ------------------------------------------------------------------------------------------

  static List<Container> allContainers(PodSpec pod) {
    List<Container> all = new ArrayList<>(pod.getContainers());
    if (pod.getInitContainers() != null) {
      all.addAll(pod.getInitContainers());
    }
    return all;
  }

  static List<Map<String, Object>> connections(RenderedChart chart) {
    List<Map<String, Object>> out = new ArrayList<>();
    out.add(cast(at(chart.applicationYaml(PROVIDER), "secrets-store.connection")));
    out.add(cast(at(chart.applicationYaml(CONTROLLER), "secrets-store.connection")));
    out.add(cast(at(chart.applicationYaml(WEBHOOK), "secrets-store.webhook.connection")));
    return out;
  }

  @SuppressWarnings("unchecked")
  static Map<String, Object> cast(Object o) {
    return (Map<String, Object>) o;
  }

  static int port(Container c, String name) {
    return c.getPorts().stream()
        .filter(p -> name.equals(p.getName()))
        .map(ContainerPort::getContainerPort)
        .findFirst()
        .orElseThrow(() -> new AssertionError("no port " + name + " on " + c.getName()));
  }

  static String arg(Container c, String flag) {
    return c.getArgs().stream()
        .filter(a -> a.startsWith(flag + "="))
        .map(a -> a.substring(flag.length() + 1))
        .findFirst()
        .orElseThrow(() -> new AssertionError("no " + flag + " on " + c.getName()));
  }

  static VolumeMount mount(Container c, String mountPath) {
    return c.getVolumeMounts().stream()
        .filter(m -> m.getMountPath().equals(mountPath))
        .findFirst()
        .orElseThrow(() -> new AssertionError("no mount at " + mountPath + " in " + c.getName()));
  }

  /** The host path a container path lands on, through the container's hostPath mounts. */
  static String hostPathOf(PodSpec pod, Container c, String containerPath) {
    VolumeMount best = null;
    for (VolumeMount m : c.getVolumeMounts()) {
      if ((containerPath.equals(m.getMountPath())
              || containerPath.startsWith(m.getMountPath() + "/"))
          && (best == null || m.getMountPath().length() > best.getMountPath().length())) {
        best = m;
      }
    }
    assertThat(best).as(containerPath + " is inside a mount of " + c.getName()).isNotNull();
    String volumeName = best.getName();
    Volume volume =
        pod.getVolumes().stream()
            .filter(v -> v.getName().equals(volumeName))
            .findFirst()
            .orElseThrow();
    assertThat(volume.getHostPath()).as(volumeName + " is a hostPath").isNotNull();
    return volume.getHostPath().getPath() + containerPath.substring(best.getMountPath().length());
  }

  /** Rules as "group/resource:verbs[names]" strings, one per resource. */
  static Set<String> rules(List<PolicyRule> rules) {
    Set<String> out = new TreeSet<>();
    for (PolicyRule rule : rules) {
      String verbs = rule.getVerbs().stream().sorted().collect(Collectors.joining(","));
      String names =
          rule.getResourceNames() == null || rule.getResourceNames().isEmpty()
              ? ""
              : "[" + String.join(",", rule.getResourceNames()) + "]";
      for (String group : rule.getApiGroups()) {
        for (String resource : rule.getResources()) {
          out.add(group + "/" + resource + ":" + verbs + names);
        }
      }
    }
    return out;
  }
}
