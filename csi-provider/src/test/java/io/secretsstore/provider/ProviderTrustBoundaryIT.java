package io.secretsstore.provider;

import static io.secretsstore.provider.ProviderClient.attributes;
import static io.secretsstore.provider.ProviderClient.failure;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.sun.net.httpserver.HttpServer;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.secretsstore.model.provider.v1alpha1.File;
import io.secretsstore.model.provider.v1alpha1.MountResponse;
import io.secretsstore.testkit.KubernetesApiMock;
import io.secretsstore.testkit.OpenBaoServer;
import io.secretsstore.testkit.RequestCountingProxy;
import io.secretsstore.testkit.ServiceAccountTokens;
import io.secretsstore.testkit.SharedStore;
import io.secretsstore.testkit.StoreAdmin;
import io.secretsstore.testkit.TestCertificateAuthority;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * The tenant as attacker (issue 14 item 6): an import or SecretProviderClass that names its own
 * store address to collect pods' tokens, and tokens the Kubernetes API would accept. The provider
 * runs with the chart's settings (dedicated audience, an allowlist) against a real OpenBao; the
 * attacker's "store" is a real HTTP server that counts what reaches it.
 */
// No servlet container: the health/metrics port is the JDK HTTP server, on a free port here.
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.NONE, properties = "server.port=0")
@ExtendWith(OutputCaptureExtension.class)
class ProviderTrustBoundaryIT {

  static final String NAMESPACE = "team-t";
  static final String ACCOUNT = "app";
  static final String AUDIENCE = "secrets-store";

  static OpenBaoServer store;
  static KubernetesApiMock kubernetes;
  static StoreAdmin admin;

  /** The module's store (secrets-store.connection.url). */
  static RequestCountingProxy module;

  /** Another store the administrator listed in connection.allowed-addresses. */
  static RequestCountingProxy listed;

  /** A second listed store, used by the warning test only (each address is warned about once). */
  static RequestCountingProxy listedHttp;

  /** The tenant's own server, posing as a store. */
  static HttpServer attacker;

  static final AtomicInteger attackerRequests = new AtomicInteger();
  static Path socketDir;
  static Path caDir;
  static String auth;
  static String prefix;
  static ProviderClient client;

  @DynamicPropertySource
  static void properties(DynamicPropertyRegistry registry) throws Exception {
    store = SharedStore.store();
    kubernetes = SharedStore.kubernetes();
    admin = store.admin();
    module = new RequestCountingProxy(store.address());
    listed = new RequestCountingProxy(store.address());
    listedHttp = new RequestCountingProxy(store.address());
    attacker = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    attacker.createContext(
        "/",
        exchange -> {
          attackerRequests.incrementAndGet();
          byte[] body =
              "{\"auth\":{\"client_token\":\"s.x\",\"lease_duration\":600}}"
                  .getBytes(StandardCharsets.UTF_8);
          exchange.sendResponseHeaders(200, body.length);
          exchange.getResponseBody().write(body);
          exchange.close();
        });
    attacker.start();
    socketDir = Files.createTempDirectory("provider-trust");
    caDir = Files.createTempDirectory("provider-ca");
    auth = SharedStore.unique("kube");
    prefix = SharedStore.unique("t");
    admin.enableKubernetesAuth(auth, kubernetes.url());
    admin.writePolicy(prefix, List.of("secret/data/" + prefix + "/*"), "read");
    admin.createKubernetesRole(
        auth,
        "app",
        List.of(ACCOUNT),
        List.of(NAMESPACE),
        List.of(prefix),
        Duration.ofMinutes(10),
        AUDIENCE);
    // A role that accepts the API server's own audience: the store would take such a token.
    admin.createKubernetesRole(
        auth,
        "api-audience",
        List.of(ACCOUNT),
        List.of(NAMESPACE),
        List.of(prefix),
        Duration.ofMinutes(10),
        null);
    admin.putKv2("secret", prefix + "/db", Map.of("password", "trust-value"));
    registry.add("secrets-store.provider.socket-dir", socketDir::toString);
    registry.add(
        "secrets-store.provider.object-version-key-file",
        () -> socketDir + "-state/object-version.key");
    registry.add("secrets-store.connection.url", module::address);
    registry.add("secrets-store.connection.auth-path", () -> auth);
    registry.add("secrets-store.connection.allowed-addresses[0]", listed::address);
    registry.add("secrets-store.connection.allowed-addresses[1]", listedHttp::address);
    registry.add("secrets-store.provider.ca-cert-dir", caDir::toString);
    client = new ProviderClient(socketDir.resolve("vault.sock"));
  }

  @AfterAll
  static void tearDown() throws Exception {
    client.close();
    module.close();
    listed.close();
    listedHttp.close();
    attacker.stop(0);
  }

  @BeforeEach
  void reset() {
    module.reset();
    listed.reset();
    attackerRequests.set(0);
  }

  static String attackerAddress() {
    return "http://127.0.0.1:" + attacker.getAddress().getPort();
  }

  static String token(List<String> audiences) {
    return kubernetes.tokens().mint(NAMESPACE, ACCOUNT, audiences, Duration.ofMinutes(10));
  }

  static Map<String, String> dedicatedTokens() {
    return Map.of(AUDIENCE, token(List.of(AUDIENCE)));
  }

  static Map<String, String> spc(String role, Map<String, String> tokens, Map<String, String> p) {
    Map<String, String> parameters = new LinkedHashMap<>(p);
    parameters.put("roleName", role);
    parameters.put(
        "objects",
        "- objectName: db\n  secretPath: secret/data/" + prefix + "/db\n  secretKey: password\n");
    return attributes(NAMESPACE, ACCOUNT, tokens, parameters);
  }

  static Map<String, String> ssi(String role, Map<String, String> tokens, Map<String, String> p) {
    Map<String, String> parameters = new LinkedHashMap<>(p);
    parameters.put("secretsStoreImport", "trust");
    parameters.put("role", role);
    parameters.put(
        "files",
        "[{\"name\":\"db\",\"source\":{\"path\":\"secret/data/"
            + prefix
            + "/db\",\"key\":\"password\"}}]");
    return attributes(NAMESPACE, ACCOUNT, tokens, parameters);
  }

  static Map<String, String> contents(MountResponse response) {
    return response.getFilesList().stream()
        .collect(
            Collectors.toMap(File::getPath, f -> f.getContents().toString(StandardCharsets.UTF_8)));
  }

  static ProviderClient.Failure refused(Map<String, String> attributes) {
    StatusRuntimeException e =
        catchThrowableOfType(StatusRuntimeException.class, () -> client.mount(attributes));
    assertThat(e).as("the mount must be refused").isNotNull();
    return failure(e);
  }

  @Test
  void aStoreAddressOffTheAllowlistNeverSeesAToken() {
    String port = Integer.toString(attacker.getAddress().getPort());
    for (String spelling :
        List.of(
            attackerAddress(),
            attackerAddress() + "/",
            "HTTP://127.0.0.1:" + port,
            "http://localhost:" + port)) {
      ProviderClient.Failure upstream =
          refused(spc("app", dedicatedTokens(), Map.of("vaultAddress", spelling)));
      assertThat(upstream.status()).isEqualTo(Status.Code.PERMISSION_DENIED);
      assertThat(upstream.code()).isEqualTo("address_not_allowed");
      assertThat(upstream.message()).contains("connection.allowedAddresses");
      ProviderClient.Failure ours =
          refused(ssi("app", dedicatedTokens(), Map.of("address", spelling)));
      assertThat(ours.code()).isEqualTo("address_not_allowed");
    }
    assertThat(attackerRequests).as("requests that reached the tenant's server").hasValue(0);
    assertThat(module.counts()).isEmpty();

    // The listed store and the module's own store work.
    assertThat(
            contents(
                client.mount(
                    spc("app", dedicatedTokens(), Map.of("vaultAddress", listed.address())))))
        .containsEntry("db", "trust-value");
    // (At most one login: another test may have left this identity's login in the cache.)
    assertThat(listed.count("POST", "/v1/auth/" + auth + "/login")).isLessThanOrEqualTo(1);
    assertThat(contents(client.mount(ssi("app", dedicatedTokens(), Map.of()))))
        .containsEntry("db", "trust-value");
    assertThat(module.count("POST", "/v1/auth/" + auth + "/login")).isLessThanOrEqualTo(1);
  }

  @Test
  void aTokenTheApiServerAcceptsIsNeverSentToAStore() {
    String apiToken = token(List.of(ServiceAccountTokens.DEFAULT_AUDIENCE));
    // kubelet's token for audience "" (a CSIDriver that lists ""), alone or next to others.
    for (Map<String, String> attributes :
        List.of(
            ssi("api-audience", Map.of("", apiToken), Map.of()),
            spc("api-audience", Map.of("", apiToken), Map.of()),
            spc("api-audience", Map.of("", apiToken), Map.of("vaultAddress", listed.address())),
            // A dedicated-looking key whose token the API server accepts.
            ssi("api-audience", Map.of(AUDIENCE, apiToken), Map.of()),
            ssi(
                "api-audience",
                Map.of("other", token(List.of("other", ServiceAccountTokens.DEFAULT_AUDIENCE))),
                Map.of("audience", "other")))) {
      ProviderClient.Failure failure = refused(attributes);
      assertThat(failure.status()).isEqualTo(Status.Code.PERMISSION_DENIED);
      assertThat(failure.code()).isEqualTo("api_audience_token");
      assertThat(failure.message())
          .contains("accepted by the Kubernetes API")
          .contains("'" + AUDIENCE + "'")
          .doesNotContain(apiToken);
    }
    assertThat(module.counts()).as("requests at the module's store").isEmpty();
    assertThat(listed.counts()).as("requests at the listed store").isEmpty();
  }

  /** An SPC's vaultCACertPath is read by the provider: only regular files under ca-cert-dir. */
  @Test
  void vaultCaCertPathReadsOnlyRegularFilesUnderTheConfiguredDirectory() throws Exception {
    String pem = new TestCertificateAuthority("spc-path-ca").certificatePem();
    Files.writeString(caDir.resolve("store-ca.pem"), pem);
    Path outside = Files.createTempFile("outside-ca", ".pem");
    Files.writeString(outside, pem);
    Files.createSymbolicLink(caDir.resolve("link.pem"), outside);
    Files.createDirectories(caDir.resolve("sub"));
    Files.createSymbolicLink(caDir.resolve("linked-dir"), outside.getParent());
    Files.write(caDir.resolve("huge.pem"), new byte[300 * 1024]);
    for (String hostile :
        List.of(
            "/etc/passwd",
            outside.toString(),
            caDir + "/../" + outside.getFileName(),
            caDir.resolve("link.pem").toString(),
            caDir.resolve("linked-dir").resolve(outside.getFileName()).toString(),
            caDir.resolve("sub").toString(),
            caDir.resolve("huge.pem").toString(),
            caDir.resolve("absent.pem").toString())) {
      ProviderClient.Failure failure =
          refused(
              spc(
                  "app",
                  dedicatedTokens(),
                  Map.of("vaultAddress", listed.address(), "vaultCACertPath", hostile)));
      assertThat(failure.code()).as(hostile).isEqualTo("invalid_parameters");
      assertThat(failure.message()).as(hostile).contains("vaultCACertPath");
    }
    assertThat(listed.counts()).as("no request was made for a refused CA path").isEmpty();
    // The administrator's file is used.
    assertThat(
            contents(
                client.mount(
                    spc(
                        "app",
                        dedicatedTokens(),
                        Map.of(
                            "vaultAddress",
                            listed.address(),
                            "vaultCACertPath",
                            caDir.resolve("store-ca.pem").toString())))))
        .containsEntry("db", "trust-value");
  }

  @Test
  void plainHttpStoresAreWarnedAboutLoudly(CapturedOutput output) {
    client.mount(spc("app", dedicatedTokens(), Map.of("vaultAddress", listedHttp.address())));
    client.mount(spc("app", dedicatedTokens(), Map.of("vaultAddress", listedHttp.address())));
    String warning = "INSECURE: store address " + listedHttp.address() + " uses plain http";
    assertThat(output.getAll()).contains(warning);
    assertThat(output.getAll().split(java.util.regex.Pattern.quote(warning), -1))
        .as("warned once per address")
        .hasSizeLessThanOrEqualTo(2);
  }
}
