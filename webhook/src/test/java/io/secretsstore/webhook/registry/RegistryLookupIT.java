package io.secretsstore.webhook.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.google.cloud.tools.jib.api.Containerizer;
import com.google.cloud.tools.jib.api.Jib;
import com.google.cloud.tools.jib.api.RegistryImage;
import com.google.cloud.tools.jib.api.buildplan.Platform;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.api.model.ServiceAccountBuilder;
import io.fabric8.kubernetes.client.NamespacedKubernetesClient;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.secretsstore.testkit.KubernetesApiMock;
import io.secretsstore.testkit.StallingServer;
import io.secretsstore.testkit.TestCertificateAuthority;
import io.secretsstore.webhook.config.SecretNamespaces;
import java.nio.charset.StandardCharsets;
import java.security.KeyStore;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Set;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Entrypoint lookups against a real registry (CNCF distribution, TLS from a test CA, htpasswd),
 * holding images this test pushes with jib-core; pull secrets in the fabric8 mock API.
 */
class RegistryLookupIT {

  static final String NS = "team-r";
  static TestCertificateAuthority ca = new TestCertificateAuthority("registry-ca");
  static TestRegistry registry;
  static KubernetesApiMock kubernetes;
  static NamespacedKubernetesClient api;
  static SSLContext original;
  static SimpleMeterRegistry meters = new SimpleMeterRegistry();

  @BeforeAll
  static void start() throws Exception {
    original = SSLContext.getDefault();
    // jib uses the JVM's default trust; in the webhook that is the system CAs plus configured ones.
    SSLContext.setDefault(trusting(ca));
    registry = new TestRegistry(ca);
    kubernetes = new KubernetesApiMock();
    api = kubernetes.client();
    String auth =
        Base64.getEncoder()
            .encodeToString(
                (TestRegistry.USER + ":" + TestRegistry.PASSWORD).getBytes(StandardCharsets.UTF_8));
    String dockerConfig = "{\"auths\":{\"" + registry.host() + "\":{\"auth\":\"" + auth + "\"}}}";
    api.secrets()
        .inNamespace(NS)
        .resource(
            new SecretBuilder()
                .withNewMetadata()
                .withName("registry-creds")
                .endMetadata()
                .withType("kubernetes.io/dockerconfigjson")
                .addToData(
                    ".dockerconfigjson",
                    Base64.getEncoder()
                        .encodeToString(dockerConfig.getBytes(StandardCharsets.UTF_8)))
                .build())
        .create();
    String originConfig = "{\"auths\":{\"registry.example.com\":{\"auth\":\"" + auth + "\"}}}";
    api.secrets()
        .inNamespace(NS)
        .resource(
            new SecretBuilder()
                .withNewMetadata()
                .withName("origin-creds")
                .endMetadata()
                .withType("kubernetes.io/dockerconfigjson")
                .addToData(
                    ".dockerconfigjson",
                    Base64.getEncoder()
                        .encodeToString(originConfig.getBytes(StandardCharsets.UTF_8)))
                .build())
        .create();
    api.serviceAccounts()
        .inNamespace(NS)
        .resource(
            new ServiceAccountBuilder()
                .withNewMetadata()
                .withName("builder")
                .endMetadata()
                .addNewImagePullSecret("registry-creds")
                .build())
        .create();
    push(
        "team/app:1.0",
        Set.of(new Platform("amd64", "linux")),
        List.of("/app/server"),
        List.of("--port", "8080"));
    push(
        "team/app:latest",
        Set.of(new Platform("amd64", "linux")),
        List.of("/app/server"),
        List.of());
    push(
        "team/multi:2.0",
        Set.of(new Platform("amd64", "linux"), new Platform("arm64", "linux")),
        List.of("/bin/multi"),
        List.of("serve"));
  }

  @AfterAll
  static void stop() throws Exception {
    if (registry != null) {
      registry.close();
    }
    api.close();
    kubernetes.close();
    SSLContext.setDefault(original);
  }

  static void push(
      String repositoryAndTag, Set<Platform> platforms, List<String> entrypoint, List<String> cmd)
      throws Exception {
    Jib.fromScratch()
        .setPlatforms(platforms)
        .setEntrypoint(entrypoint)
        .setProgramArguments(cmd)
        .containerize(
            Containerizer.to(
                RegistryImage.named(registry.host() + "/" + repositoryAndTag)
                    .addCredential(TestRegistry.USER, TestRegistry.PASSWORD)));
  }

  static SSLContext trusting(TestCertificateAuthority authority) throws Exception {
    KeyStore trust = KeyStore.getInstance("PKCS12");
    trust.load(null, null);
    trust.setCertificateEntry("ca", authority.certificate());
    TrustManagerFactory factory = TrustManagerFactory.getInstance("PKIX");
    factory.init(trust);
    SSLContext context = SSLContext.getInstance("TLS");
    context.init(null, factory.getTrustManagers(), null);
    return context;
  }

  /** The test registry is on loopback: internal addresses allowed, as an administrator would. */
  static RegistryImageCommands lookups(Duration timeout, boolean cacheLatest) {
    return lookups(timeout, cacheLatest, List.of(), true, 4 * 1024 * 1024);
  }

  static RegistryImageCommands lookups(
      Duration timeout,
      boolean cacheLatest,
      List<String> allowed,
      boolean allowPrivate,
      long maxConfigBytes) {
    return lookups(timeout, cacheLatest, allowed, allowPrivate, maxConfigBytes, 4 * 1024 * 1024);
  }

  static RegistryImageCommands lookups(
      Duration timeout,
      boolean cacheLatest,
      List<String> allowed,
      boolean allowPrivate,
      long maxConfigBytes,
      long maxManifestBytes) {
    RegistryProperties properties =
        new RegistryProperties(
            timeout,
            100,
            Duration.ofMinutes(10),
            cacheLatest,
            List.of(),
            Map.of(),
            "amd64",
            "",
            allowed,
            allowPrivate,
            8,
            maxConfigBytes,
            maxManifestBytes);
    PullSecretCredentials credentials = new PullSecretCredentials(api, SecretNamespaces.ALL);
    return new RegistryImageCommands(properties, () -> credentials, meters);
  }

  static ImageCommands.PodContext pod(List<String> pullSecrets, String account, String arch) {
    return new ImageCommands.PodContext(NS, pullSecrets, account, arch);
  }

  @Test
  void theEntrypointIsReadWithThePodsPullSecretAndCachedByTag() throws Exception {
    try (RegistryImageCommands lookups = lookups(Duration.ofSeconds(10), false)) {
      var command =
          lookups.lookup(
              registry.host() + "/team/app:1.0", pod(List.of("registry-creds"), "default", null));
      assertThat(command.entrypoint()).containsExactly("/app/server");
      assertThat(command.cmd()).containsExactly("--port", "8080");

      double hits = hits();
      lookups.lookup(
          registry.host() + "/team/app:1.0", pod(List.of("registry-creds"), "default", null));
      assertThat(hits()).isEqualTo(hits + 1);
      // latest moves: asked again every time.
      lookups.lookup(
          registry.host() + "/team/app:latest", pod(List.of("registry-creds"), "default", null));
      lookups.lookup(
          registry.host() + "/team/app:latest", pod(List.of("registry-creds"), "default", null));
      assertThat(hits()).isEqualTo(hits + 1);
    }
  }

  @Test
  void theServiceAccountsPullSecretsCountAndAnIndexGivesThePlatformsManifest() throws Exception {
    try (RegistryImageCommands lookups = lookups(Duration.ofSeconds(10), false)) {
      var amd =
          lookups.lookup(registry.host() + "/team/multi:2.0", pod(List.of(), "builder", "amd64"));
      assertThat(amd.entrypoint()).containsExactly("/bin/multi");
      var arm =
          lookups.lookup(registry.host() + "/team/multi:2.0", pod(List.of(), "builder", "arm64"));
      assertThat(arm.cmd()).containsExactly("serve");
      ImageCommands.LookupException none =
          catchThrowableOfType(
              ImageCommands.LookupException.class,
              () ->
                  lookups.lookup(
                      registry.host() + "/team/multi:2.0", pod(List.of(), "builder", "s390x")));
      assertThat(none.getMessage()).contains("has no linux/s390x variant");
    }
  }

  @Test
  void withoutCredentialsUnknownImagesAndAHangingRegistryTheMessageSaysWhy() throws Exception {
    try (RegistryImageCommands lookups = lookups(Duration.ofSeconds(2), false)) {
      ImageCommands.LookupException unauthorized =
          catchThrowableOfType(
              ImageCommands.LookupException.class,
              () ->
                  lookups.lookup(
                      registry.host() + "/team/app:1.0", pod(List.of(), "default", null)));
      assertThat(unauthorized.getMessage()).contains("refused access").contains("imagePullSecrets");

      ImageCommands.LookupException missing =
          catchThrowableOfType(
              ImageCommands.LookupException.class,
              () ->
                  lookups.lookup(
                      registry.host() + "/team/app:9.9",
                      pod(List.of("registry-creds"), "default", null)));
      assertThat(missing.getMessage()).contains("not found");

      try (StallingServer stalling = new StallingServer()) {
        String host = stalling.address().replaceFirst("^[a-z]+://", "");
        long started = System.nanoTime();
        ImageCommands.LookupException hung =
            catchThrowableOfType(
                ImageCommands.LookupException.class,
                () -> lookups.lookup(host + "/team/app:1.0", pod(List.of(), "default", null)));
        assertThat(hung.getMessage())
            .isEqualTo(
                "the registry "
                    + host
                    + " could not be reached over verified TLS within the lookup deadline (a"
                    + " missing CA goes into registry.ca-file, a registry without TLS into"
                    + " registry.insecure-registries)");
        assertThat((System.nanoTime() - started) / 1_000_000).isLessThan(5_000);
      }
    }
  }

  @Test
  void aMirrorIsAskedInsteadOfTheRegistryTheImageNames() throws Exception {
    RegistryProperties properties =
        new RegistryProperties(
            Duration.ofSeconds(10),
            100,
            Duration.ofMinutes(10),
            false,
            List.of(),
            Map.of("registry.example.com", registry.host()),
            "amd64",
            "",
            List.of(),
            false,
            8,
            4 * 1024 * 1024,
            4 * 1024 * 1024);
    PullSecretCredentials credentials = new PullSecretCredentials(api, SecretNamespaces.ALL);
    try (RegistryImageCommands lookups =
        new RegistryImageCommands(properties, () -> credentials, meters)) {
      // The mirror is named by the administrator: asked although it is on loopback.
      var command =
          lookups.lookup(
              "registry.example.com/team/app:1.0", pod(List.of("registry-creds"), "default", null));
      assertThat(command.entrypoint()).containsExactly("/app/server");

      // Credentials for the origin only: never sent to the mirror, which then refuses.
      ImageCommands.LookupException originOnly =
          catchThrowableOfType(
              ImageCommands.LookupException.class,
              () ->
                  lookups.lookup(
                      "registry.example.com/team/app:1.0",
                      pod(List.of("origin-creds"), "default", null)));
      assertThat(originOnly.getMessage()).contains("refused access");
    }
  }

  @Test
  void registriesOnInternalAddressesOrOffTheAllowlistAreRefusedWithOneText() throws Exception {
    String refused =
        " is not one the webhook may look images up in (registry.allowed-registries; registries"
            + " on internal addresses must be listed, and so must the hosts of their token service"
            + " and redirects)";
    try (RegistryImageCommands lookups =
            lookups(Duration.ofSeconds(5), false, List.of(), false, 4 * 1024 * 1024);
        StallingServer stalling = new StallingServer()) {
      // A tenant's image name pointing at a loopback/cluster address: no connection is made.
      for (String host :
          List.of(registry.host(), stalling.address().replaceFirst("^[a-z]+://", ""))) {
        ImageCommands.LookupException internal =
            catchThrowableOfType(
                ImageCommands.LookupException.class,
                () ->
                    lookups.lookup(
                        host + "/team/app:1.0", pod(List.of("registry-creds"), "default", null)));
        assertThat(internal.getMessage()).isEqualTo("the registry " + host + refused);
      }
    }
    try (RegistryImageCommands onlyOthers =
        lookups(Duration.ofSeconds(5), false, List.of("registry.example.com"), true, 4096)) {
      ImageCommands.LookupException elsewhere =
          catchThrowableOfType(
              ImageCommands.LookupException.class,
              () ->
                  onlyOthers.lookup(
                      registry.host() + "/team/app:1.0",
                      pod(List.of("registry-creds"), "default", null)));
      assertThat(elsewhere.getMessage()).isEqualTo("the registry " + registry.host() + refused);
    }
    // Listed by the administrator: looked up wherever it resolves.
    try (RegistryImageCommands listed =
        lookups(Duration.ofSeconds(10), false, List.of(registry.host()), false, 4096)) {
      assertThat(
              listed
                  .lookup(
                      registry.host() + "/team/app:1.0",
                      pod(List.of("registry-creds"), "default", null))
                  .entrypoint())
          .containsExactly("/app/server");
    }
  }

  @Test
  void anImageConfigLargerThanTheCapIsNotRead() throws Exception {
    try (RegistryImageCommands small =
        lookups(Duration.ofSeconds(10), false, List.of(), true, 16)) {
      ImageCommands.LookupException large =
          catchThrowableOfType(
              ImageCommands.LookupException.class,
              () ->
                  small.lookup(
                      registry.host() + "/team/app:1.0",
                      pod(List.of("registry-creds"), "default", null)));
      assertThat(large.getMessage())
          .isEqualTo(
              "the config of image "
                  + registry.host()
                  + "/team/app:1.0 is larger than registry.max-config-bytes (16)");
    }
  }

  /** The manifest is read through the same cap as any answer: jib never holds more. */
  @Test
  void aManifestLargerThanTheCapIsNotRead() throws Exception {
    try (RegistryImageCommands small =
        lookups(Duration.ofSeconds(10), false, List.of(), true, 4 * 1024 * 1024, 64)) {
      ImageCommands.LookupException large =
          catchThrowableOfType(
              ImageCommands.LookupException.class,
              () ->
                  small.lookup(
                      registry.host() + "/team/app:1.0",
                      pod(List.of("registry-creds"), "default", null)));
      assertThat(large.getMessage())
          .isEqualTo(
              "the manifest of image "
                  + registry.host()
                  + "/team/app:1.0 is larger than registry.max-manifest-bytes (64)");
    }
  }

  @Test
  void aRegistryWhoseCertificateIsNotTrustedIsRefused() throws Exception {
    SSLContext.setDefault(original);
    try (RegistryImageCommands lookups = lookups(Duration.ofSeconds(5), false)) {
      ImageCommands.LookupException untrusted =
          catchThrowableOfType(
              ImageCommands.LookupException.class,
              () ->
                  lookups.lookup(
                      registry.host() + "/team/app:1.0",
                      pod(List.of("registry-creds"), "default", null)));
      // The same text as a hang or a closed port: no probe with distinguishable answers.
      assertThat(untrusted.getMessage())
          .isEqualTo(
              "the registry "
                  + registry.host()
                  + " could not be reached over verified TLS within the lookup deadline (a"
                  + " missing CA goes into registry.ca-file, a registry without TLS into"
                  + " registry.insecure-registries)");
    } finally {
      SSLContext.setDefault(trusting(ca));
    }
  }

  static double hits() {
    var counter =
        meters.find("secrets_store.webhook.registry.lookups").tag("result", "cache_hit").counter();
    return counter == null ? 0 : counter.count();
  }
}
