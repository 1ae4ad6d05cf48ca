package io.secretsstore.provider;

import static io.secretsstore.provider.ProviderClient.attributes;
import static io.secretsstore.provider.ProviderClient.failure;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.grpc.Context;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.secretsstore.model.provider.ProviderProtocol;
import io.secretsstore.model.provider.v1alpha1.File;
import io.secretsstore.model.provider.v1alpha1.MountResponse;
import io.secretsstore.model.provider.v1alpha1.ObjectVersion;
import io.secretsstore.model.provider.v1alpha1.VersionRequest;
import io.secretsstore.provider.mount.ProviderMetrics;
import io.secretsstore.testkit.KubernetesApiMock;
import io.secretsstore.testkit.OpenBaoServer;
import io.secretsstore.testkit.RequestCountingProxy;
import io.secretsstore.testkit.ServiceAccountTokens;
import io.secretsstore.testkit.SharedStore;
import io.secretsstore.testkit.StoreAdmin;
import io.secretsstore.testkit.TestCertificateAuthority;
import io.secretsstore.vault.StoreMetrics;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * The provider as a Spring Boot application on a real unix socket, reading from a real OpenBao
 * through a request-counting proxy; the driver side is a gRPC client on the socket.
 */
// No servlet container: the health/metrics port is the JDK HTTP server, on a free port here.
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.NONE, properties = "server.port=0")
@ExtendWith(OutputCaptureExtension.class)
class ProviderMountIT {

  static final String NAMESPACE = "team-a";
  static final String ACCOUNT = "app";

  /** The chart's dedicated token audience (tokenAudience), the provider's default-audience. */
  static final String AUDIENCE = "secrets-store";

  static OpenBaoServer store;
  static KubernetesApiMock kubernetes;
  static StoreAdmin admin;
  static RequestCountingProxy proxy;
  static Path socketDir;
  static String auth;
  static String prefix;
  static String kv1;
  static ProviderClient client;

  @Autowired ProviderMetrics providerMetrics;
  @Autowired StoreMetrics storeMetrics;

  @DynamicPropertySource
  static void properties(DynamicPropertyRegistry registry) throws Exception {
    setUpStore();
    registry.add("secrets-store.provider.socket-dir", socketDir::toString);
    registry.add(
        "secrets-store.provider.object-version-key-file",
        () -> socketDir + "-state/object-version.key");
    registry.add("secrets-store.connection.url", proxy::address);
    registry.add("secrets-store.connection.auth-path", () -> auth);
    // Publish-time sharing is bounded by freshness; a long bound lets tests assert exact counts
    // however slowly a loaded machine runs them. Rotations use cycle ids instead.
    registry.add("secrets-store.provider.coalesce-window", () -> "1h");
  }

  static void setUpStore() throws Exception {
    store = SharedStore.store();
    kubernetes = SharedStore.kubernetes();
    admin = store.admin();
    proxy = new RequestCountingProxy(store.address());
    socketDir = Files.createTempDirectory("provider-socket");
    auth = SharedStore.unique("kube");
    prefix = SharedStore.unique("p");
    kv1 = SharedStore.unique("kv1");
    admin.enableKubernetesAuth(auth, kubernetes.url());
    admin.enableKv(kv1, 1);
    admin.request("POST", "sys/mounts/" + prefix + "-pki", Map.of("type", "pki"));
    admin.request(
        "POST",
        prefix + "-pki/root/generate/internal",
        Map.of("common_name", "example.com", "ttl", "24h"));
    admin.request(
        "POST",
        prefix + "-pki/roles/example-dot-com",
        Map.of("allowed_domains", "example.com", "allow_subdomains", true, "max_ttl", "1h"));
    admin.writePolicy(
        prefix,
        List.of("secret/data/" + prefix + "/*", kv1 + "/" + prefix + "/*", prefix + "-pki/issue/*"),
        "read",
        "create",
        "update");
    // The dedicated audience on the role: the module's documented setup.
    admin.createKubernetesRole(
        auth,
        "app",
        List.of(ACCOUNT),
        List.of(NAMESPACE),
        List.of(prefix),
        Duration.ofMinutes(10),
        AUDIENCE);
    admin.createKubernetesRole(
        auth,
        "bound-audience",
        List.of(ACCOUNT),
        List.of(NAMESPACE),
        List.of(prefix),
        Duration.ofMinutes(10),
        "vault");
    client = new ProviderClient(socketDir.resolve("vault.sock"));
  }

  @AfterAll
  static void tearDown() throws Exception {
    client.close();
    proxy.close();
  }

  @BeforeEach
  void resetCounts() {
    proxy.reset();
  }

  static Map<String, String> tokens() {
    return Map.of(
        AUDIENCE,
        kubernetes.tokens().mint(NAMESPACE, ACCOUNT, List.of(AUDIENCE), Duration.ofMinutes(10)));
  }

  static Map<String, String> ssi(String role, String filesJson, Map<String, String> extra) {
    Map<String, String> parameters = new java.util.LinkedHashMap<>(extra);
    parameters.put("secretsStoreImport", "myapp");
    parameters.put("role", role);
    parameters.put("files", filesJson);
    return attributes(NAMESPACE, ACCOUNT, tokens(), parameters);
  }

  static String file(String name, String path, String key) {
    return "{\"name\":\""
        + name
        + "\",\"source\":{\"path\":\""
        + path
        + "\",\"key\":\""
        + key
        + "\"}}";
  }

  static Map<String, String> contents(MountResponse response) {
    return response.getFilesList().stream()
        .collect(
            Collectors.toMap(File::getPath, f -> f.getContents().toString(StandardCharsets.UTF_8)));
  }

  static Map<String, String> versions(MountResponse response) {
    return response.getObjectVersionList().stream()
        .collect(Collectors.toMap(ObjectVersion::getId, ObjectVersion::getVersion));
  }

  @Test
  void mountsSeveralFilesWithOneStoreReadPerSecret() {
    admin.putKv2(
        "secret", prefix + "/db", Map.of("user", "svc", "password", "s3cret", "port", 5432));
    admin.putKv2("secret", prefix + "/api", Map.of("token", "api-token-value"));
    String db = "secret/data/" + prefix + "/db";
    String api = "secret/data/" + prefix + "/api";

    MountResponse response =
        client.mount(
            ssi(
                "app",
                "["
                    + String.join(
                        ",",
                        file("db-user", db, "user"),
                        file("db-password", db, "password"),
                        file("db-port", db, "port"),
                        file("api-token", api, "token"))
                    + "]",
                Map.of()));

    assertThat(contents(response))
        .containsExactlyInAnyOrderEntriesOf(
            Map.of(
                "db-user",
                "svc",
                "db-password",
                "s3cret",
                "db-port",
                "5432",
                "api-token",
                "api-token-value"));
    assertThat(response.getFilesList()).allSatisfy(f -> assertThat(f.getMode()).isEqualTo(0644));
    assertThat(response.getFilesList())
        .extracting(File::getPath)
        .containsExactly("db-user", "db-password", "db-port", "api-token");
    assertThat(versions(response))
        .hasSize(4)
        .allSatisfy((name, version) -> assertThat(version).hasSize(32).doesNotContain("s3cret"));
    assertThat(proxy.count("GET", "/v1/" + db)).isEqualTo(1);
    assertThat(proxy.count("GET", "/v1/" + api)).isEqualTo(1);
  }

  @Test
  void versionsChangeOnlyForFilesWhoseContentChanged() {
    String path = "secret/data/" + prefix + "/rotating";
    admin.putKv2("secret", path.replace("secret/data/", ""), Map.of("a", "1", "b", "2"));
    String files = "[" + file("a", path, "a") + "," + file("b", path, "b") + "]";
    Map<String, String> first = versions(client.mount(ssi("app", files, Map.of())));
    Map<String, String> again = versions(client.mount(ssi("app", files, Map.of())));
    assertThat(again).isEqualTo(first);

    admin.putKv2("secret", prefix + "/rotating", Map.of("a", "1", "b", "3"));
    Map<String, String> rotated = versions(client.mount(ssi("app", files, cycle("c-1"))));
    assertThat(rotated.get("a")).isEqualTo(first.get("a"));
    assertThat(rotated.get("b")).isNotEqualTo(first.get("b"));
  }

  @Test
  void kvV1PinnedVersionsAndBase64Decoding() {
    admin.putKv1(
        kv1,
        prefix + "/conf",
        Map.of(
            "url",
            "postgres://db",
            "cert",
            Base64.getEncoder().encodeToString(new byte[] {1, 2, 3})));
    admin.putKv2("secret", prefix + "/pinned", Map.of("k", "first"));
    admin.putKv2("secret", prefix + "/pinned", Map.of("k", "second"));
    String files =
        "["
            + file("url", kv1 + "/" + prefix + "/conf", "url")
            + ",{\"name\":\"cert.der\",\"decodeBase64\":true,\"source\":{\"path\":\""
            + kv1
            + "/"
            + prefix
            + "/conf\",\"key\":\"cert\"}}"
            + "]";
    MountResponse response = client.mount(ssi("app", files, Map.of()));
    assertThat(contents(response)).containsEntry("url", "postgres://db");
    File cert =
        response.getFilesList().stream()
            .filter(f -> f.getPath().equals("cert.der"))
            .findFirst()
            .orElseThrow();
    assertThat(cert.getContents().toByteArray()).containsExactly(1, 2, 3);

    String objects =
        """
        - objectName: "first"
          secretPath: "secret/data/%1$s/pinned?version=1"
          secretKey: "k"
        - objectName: "also-first"
          secretPath: "secret/data/%1$s/pinned"
          secretKey: "k"
          secretArgs:
            version: "1"
        - objectName: "latest"
          secretPath: "secret/data/%1$s/pinned"
          secretKey: "k"
        """
            .formatted(prefix);
    assertThat(contents(client.mount(spc("app", objects, Map.of()))))
        .containsExactlyInAnyOrderEntriesOf(
            Map.of("first", "first", "also-first", "first", "latest", "second"));
  }

  static Map<String, String> spc(String role, String objects, Map<String, String> extra) {
    Map<String, String> parameters = new java.util.LinkedHashMap<>(extra);
    parameters.put("secretProviderClass", "vault-db");
    parameters.put("roleName", role);
    parameters.put("objects", objects);
    return attributes(NAMESPACE, ACCOUNT, tokens(), parameters);
  }

  /** The parameter examples of the upstream vault provider's documentation. */
  @Test
  void upstreamVaultProviderExamplesMount() {
    admin.putKv2("secret", prefix + "/db-pass", Map.of("password", "db-secret-password"));
    admin.putKv2(
        "secret",
        prefix + "/bin",
        Map.of(
            "hex",
            HexFormat.of().formatHex(new byte[] {(byte) 0xca, (byte) 0xfe}),
            "nested",
            Map.of("x", 1)));
    String objects =
        """
        - objectName: "db-password"
          secretPath: "secret/data/%1$s/db-pass"
          secretKey: "password"
          filePermission: 0600
        - objectName: "whole-secret.json"
          secretPath: "secret/data/%1$s/db-pass"
        - objectName: "bytes"
          secretPath: "secret/data/%1$s/bin"
          secretKey: "hex"
          encoding: "hex"
        - objectName: "nested.json"
          secretPath: "secret/data/%1$s/bin"
          secretKey: "nested"
        - objectName: "test-certs"
          secretPath: "%1$s-pki/issue/example-dot-com"
          secretKey: "certificate"
          method: "PUT"
          secretArgs:
            common_name: "test.example.com"
            ttl: "5m"
        """
            .formatted(prefix);
    MountResponse response =
        client.mount(
            spc(
                "app",
                objects,
                Map.of("vaultAddress", proxy.address(), "vaultAuthMountPath", auth)));
    Map<String, String> files = contents(response);
    assertThat(files).containsEntry("db-password", "db-secret-password");
    // Without secretKey: the store's whole answer, as the upstream provider writes it.
    assertThat(files.get("whole-secret.json"))
        .startsWith("{\"request_id\":\"")
        .contains("\"data\":{\"data\":{\"password\":\"db-secret-password\"},\"metadata\":{");
    assertThat(files.get("nested.json")).isEqualTo("{\"x\":1}");
    assertThat(files.get("test-certs")).startsWith("-----BEGIN CERTIFICATE-----");
    File bytes =
        response.getFilesList().stream()
            .filter(f -> f.getPath().equals("bytes"))
            .findFirst()
            .orElseThrow();
    assertThat(bytes.getContents().toByteArray()).containsExactly((byte) 0xca, (byte) 0xfe);
    File password =
        response.getFilesList().stream()
            .filter(f -> f.getPath().equals("db-password"))
            .findFirst()
            .orElseThrow();
    assertThat(password.getMode()).isEqualTo(0600);
    assertThat(proxy.count("GET", "/v1/secret/data/" + prefix + "/db-pass")).isEqualTo(1);
    assertThat(
            proxy.count("PUT", "/v1/" + prefix + "-pki/issue/example-dot-com")
                + proxy.count("POST", "/v1/" + prefix + "-pki/issue/example-dot-com"))
        .isEqualTo(1);

    // vaultKubernetesMountPath is the older name of the same setting.
    assertThat(
            contents(
                client.mount(
                    spc(
                        "app",
                        "- objectName: \"p\"\n  secretPath: \"secret/data/"
                            + prefix
                            + "/db-pass\"\n  secretKey: \"password\"\n",
                        Map.of("vaultKubernetesMountPath", auth)))))
        .containsEntry("p", "db-secret-password");
  }

  @Test
  void audienceBoundTokensAreChosenByAudience() {
    admin.putKv2("secret", prefix + "/aud", Map.of("k", "v"));
    Map<String, String> parameters = new java.util.LinkedHashMap<>();
    parameters.put("role", "bound-audience");
    parameters.put("audience", "vault");
    parameters.put("files", "[" + file("k", "secret/data/" + prefix + "/aud", "k") + "]");
    Map<String, String> tokens =
        Map.of(
            "",
                kubernetes
                    .tokens()
                    .mint(
                        NAMESPACE,
                        ACCOUNT,
                        List.of(ServiceAccountTokens.DEFAULT_AUDIENCE),
                        Duration.ofMinutes(5)),
            "vault",
                kubernetes
                    .tokens()
                    .mint(NAMESPACE, ACCOUNT, List.of("vault"), Duration.ofMinutes(5)));
    assertThat(contents(client.mount(attributes(NAMESPACE, ACCOUNT, tokens, parameters))))
        .containsEntry("k", "v");
  }

  @Test
  void everyFailureHasAClearCodeAndMessage(CapturedOutput output) throws Exception {
    admin.putKv2("secret", prefix + "/present", Map.of("k", "secret-value-xyz"));
    admin.putKv2("secret", "outside-" + prefix + "/x", Map.of("k", "v"));
    String present = "secret/data/" + prefix + "/present";
    Function<Map<String, String>, ProviderClient.Failure> fail =
        attributes ->
            failure(
                catchThrowableOfType(StatusRuntimeException.class, () -> client.mount(attributes)));

    assertFailure(
        fail.apply(ssi("no-such-role", "[" + file("k", present, "k") + "]", Map.of())),
        Status.Code.PERMISSION_DENIED,
        "login_denied",
        "invalid role name");
    assertFailure(
        fail.apply(
            ssi(
                "app",
                "[" + file("k", "secret/data/outside-" + prefix + "/x", "k") + "]",
                Map.of())),
        Status.Code.PERMISSION_DENIED,
        "permission_denied",
        "file 'k' from secret/data/outside-");
    assertFailure(
        fail.apply(
            ssi("app", "[" + file("k", "secret/data/" + prefix + "/absent", "k") + "]", Map.of())),
        Status.Code.NOT_FOUND,
        "not_found",
        "secret/data/" + prefix + "/absent");
    assertFailure(
        fail.apply(ssi("app", "[" + file("k", present, "nope") + "]", Map.of())),
        Status.Code.NOT_FOUND,
        "key_not_found",
        "has no key 'nope'; it has keys [k]");
    assertFailure(
        fail.apply(
            ssi(
                "app",
                "[" + file("k", present, "k") + "]",
                Map.of("address", "http://127.0.0.1:" + freePort()))),
        Status.Code.FAILED_PRECONDITION,
        "unreachable",
        "store unreachable");
    assertFailure(
        fail.apply(
            attributes(
                NAMESPACE, ACCOUNT, tokens(), Map.of("role", "app", "files", "[{\"name\":"))),
        Status.Code.INVALID_ARGUMENT,
        "invalid_parameters",
        "'files' is not valid JSON");
    assertFailure(
        fail.apply(spc("app", "- objectName: [unclosed", Map.of())),
        Status.Code.INVALID_ARGUMENT,
        "invalid_parameters",
        "'objects' is not valid YAML");
    assertFailure(
        fail.apply(spc("app", "just text", Map.of())),
        Status.Code.INVALID_ARGUMENT,
        "invalid_parameters",
        "'objects' must be a non-empty YAML list");
    assertFailure(
        fail.apply(
            ssi(
                "app",
                "[" + file("same", present, "k") + "," + file("same", present, "k") + "]",
                Map.of())),
        Status.Code.INVALID_ARGUMENT,
        "duplicate_file_name",
        "file name 'same' is used twice");
    for (String hostile : List.of("../escape", "a/b", "/etc/passwd", "..", ".")) {
      assertFailure(
          fail.apply(ssi("app", "[" + file(hostile, present, "k") + "]", Map.of())),
          Status.Code.INVALID_ARGUMENT,
          "invalid_file_name",
          "file name '" + hostile + "' is not allowed");
    }
    assertFailure(
        fail.apply(
            attributes(
                NAMESPACE,
                ACCOUNT,
                Map.of(),
                Map.of("role", "app", "files", "[" + file("k", present, "k") + "]"))),
        Status.Code.FAILED_PRECONDITION,
        "missing_token",
        "must list this audience in spec.tokenRequests");
    assertFailure(
        fail.apply(
            spc(
                "app",
                "- objectName: x\n  secretPath: a\n",
                Map.of("vaultAuthMountPath", "a", "vaultKubernetesMountPath", "b"))),
        Status.Code.INVALID_ARGUMENT,
        "invalid_parameters",
        "not both");
    assertFailure(
        fail.apply(spc("app", "- objectName: x\n  secretPath: a\n  encoding: rot13\n", Map.of())),
        Status.Code.INVALID_ARGUMENT,
        "invalid_parameters",
        "encoding 'rot13' is not one of utf-8, base64, hex");
    assertFailure(
        fail.apply(
            ssi(
                "app",
                "[{\"name\":\"k\",\"decodeBase64\":true,\"source\":{\"path\":\""
                    + present
                    + "\",\"key\":\"k\"}}]",
                Map.of())),
        Status.Code.INVALID_ARGUMENT,
        "decode_failed",
        "file 'k': the value is not valid Base64 text");

    // Malformed attributes JSON, straight on the wire.
    StatusRuntimeException raw =
        catchThrowableOfType(
            StatusRuntimeException.class,
            () ->
                client.stub.mount(
                    io.secretsstore.model.provider.v1alpha1.MountRequest.newBuilder()
                        .setAttributes("{not json")
                        .build()));
    assertFailure(
        failure(raw), Status.Code.INVALID_ARGUMENT, "invalid_attributes", "not valid JSON");

    TestCertificateAuthority ca = new TestCertificateAuthority("other-store-ca");
    var listener =
        new TestCertificateAuthority("store-ca")
            .issueLoopbackServer()
            .writeTo(Path.of("target", "tls"), "provider-store");
    try (OpenBaoServer tlsStore = OpenBaoServer.startLocal(listener)) {
      assertFailure(
          fail.apply(
              ssi(
                  "app",
                  "[" + file("k", present, "k") + "]",
                  Map.of(
                      "address",
                      tlsStore.tlsAddress().orElseThrow(),
                      "caCert",
                      ca.certificatePem()))),
          Status.Code.FAILED_PRECONDITION,
          "tls",
          "TLS handshake with the store failed");
    }

    String logs = output.getAll();
    assertThat(logs).contains("Mount failed for pod team-a/app-7d9f: login_denied");
    assertThat(logs).doesNotContain("secret-value-xyz");
  }

  @Test
  void oversizedVolumesAreRefusedBelowTheDriversMessageLimit() {
    admin.putKv2("secret", prefix + "/big", Map.of("blob", "x".repeat(3_200_000)));
    StatusRuntimeException e =
        catchThrowableOfType(
            StatusRuntimeException.class,
            () ->
                client.mount(
                    ssi(
                        "app",
                        "[" + file("blob", "secret/data/" + prefix + "/big", "blob") + "]",
                        Map.of())));
    assertFailure(
        failure(e), Status.Code.RESOURCE_EXHAUSTED, "response_too_large", "max-response-bytes");
  }

  @Test
  void hundredConcurrentMountsOfOneImportCostOneLoginAndOneReadPerPath() throws Exception {
    String auth100 = SharedStore.unique("kube");
    admin.enableKubernetesAuth(auth100, kubernetes.url());
    admin.createKubernetesRole(
        auth100,
        "app",
        List.of(ACCOUNT),
        List.of(NAMESPACE),
        List.of(prefix),
        Duration.ofMinutes(10),
        null);
    admin.putKv2("secret", prefix + "/deploy-a", Map.of("user", "u", "password", "p"));
    admin.putKv2("secret", prefix + "/deploy-b", Map.of("token", "t"));
    String files =
        "["
            + file("user", "secret/data/" + prefix + "/deploy-a", "user")
            + ","
            + file("password", "secret/data/" + prefix + "/deploy-a", "password")
            + ","
            + file("token", "secret/data/" + prefix + "/deploy-b", "token")
            + "]";
    long storeReadsBefore = providerMetrics.reads("store");
    int pods = 100;
    ExecutorService pool = Executors.newFixedThreadPool(pods);
    CountDownLatch start = new CountDownLatch(1);
    List<Future<MountResponse>> results = new ArrayList<>();
    try {
      for (int i = 0; i < pods; i++) {
        Map<String, String> podAttributes =
            ssi("app", files, Map.of("authPath", auth100)); // own JWT per pod
        Callable<MountResponse> mount =
            () -> {
              start.await();
              return client.mount(podAttributes);
            };
        results.add(pool.submit(mount));
      }
      start.countDown();
      for (Future<MountResponse> result : results) {
        assertThat(contents(result.get()))
            .containsEntry("user", "u")
            .containsEntry("password", "p")
            .containsEntry("token", "t");
      }
    } finally {
      pool.shutdownNow();
    }
    assertThat(proxy.count("POST", "/v1/auth/" + auth100 + "/login")).isEqualTo(1);
    assertThat(proxy.count("GET", "/v1/secret/data/" + prefix + "/deploy-a")).isEqualTo(1);
    assertThat(proxy.count("GET", "/v1/secret/data/" + prefix + "/deploy-b")).isEqualTo(1);
    assertThat(providerMetrics.reads("store") - storeReadsBefore).isEqualTo(2);
  }

  @Test
  void aRotationCycleCostsOneReadPerPathWhateverTheTiming() throws Exception {
    String path = "secret/data/" + prefix + "/cycled";
    admin.putKv2("secret", prefix + "/cycled", Map.of("k", "v-1"));
    String files = "[" + file("k", path, "k") + "]";
    assertThat(contents(client.mount(ssi("app", files, Map.of())))).containsEntry("k", "v-1");
    assertThat(proxy.count("GET", "/v1/" + path)).isEqualTo(1);

    admin.putKv2("secret", prefix + "/cycled", Map.of("k", "v-2"));
    // The calls of one cycle share one read, however far apart they arrive; a publish in between
    // is served within the freshness bound.
    for (int volume = 0; volume < 5; volume++) {
      assertThat(contents(client.mount(ssi("app", files, cycle("c-1"))))).containsEntry("k", "v-2");
      Thread.sleep(50);
    }
    assertThat(proxy.count("GET", "/v1/" + path)).isEqualTo(2);
    // The cycle's read is the freshest there is: a publish now gets it.
    assertThat(contents(client.mount(ssi("app", files, Map.of())))).containsEntry("k", "v-2");
    assertThat(proxy.count("GET", "/v1/" + path)).isEqualTo(2);

    // The next cycle reads again; a failure is shared within its cycle only.
    admin.putKv2("secret", prefix + "/cycled", Map.of("k", "v-3"));
    proxy.failNext(1_000, 503);
    try {
      for (int volume = 0; volume < 3; volume++) {
        StatusRuntimeException e =
            catchThrowableOfType(
                StatusRuntimeException.class, () -> client.mount(ssi("app", files, cycle("c-2"))));
        assertThat(failure(e).code()).isEqualTo("server_error");
      }
    } finally {
      proxy.failNext(0, 503);
    }
    assertThat(proxy.count("GET", "/v1/" + path)).isEqualTo(2 + 3); // 3 attempts of one read
    // The identity backs off for one cycle after a failed one (the store is not asked), then the
    // store is tried again.
    StatusRuntimeException skipped =
        catchThrowableOfType(
            StatusRuntimeException.class, () -> client.mount(ssi("app", files, cycle("c-3"))));
    assertThat(failure(skipped).code()).isEqualTo("server_error");
    assertThat(proxy.count("GET", "/v1/" + path)).isEqualTo(5);
    assertThat(contents(client.mount(ssi("app", files, cycle("c-4"))))).containsEntry("k", "v-3");
    assertThat(proxy.count("GET", "/v1/" + path)).isEqualTo(6);
  }

  /**
   * Issue 14 item 8: during a store outage a rotation cycle does not retry every identity every
   * cycle. After the n-th failed cycle of an identity, min(2^(n-1), 4) cycles do not go to the
   * store; all calls of a cycle share its outcome; a success ends the backoff.
   */
  @Test
  void duringAStoreOutageRotationBacksOffPerIdentityAcrossCycles() {
    String path = "secret/data/" + prefix + "/outage";
    admin.putKv2("secret", prefix + "/outage", Map.of("k", "before"));
    String files = "[" + file("k", path, "k") + "]";
    // The publish logs in (cached) and reads; the outage below hits the reads of rotation.
    assertThat(contents(client.mount(ssi("app", files, Map.of())))).containsEntry("k", "before");
    String read = "/v1/" + path;
    List<Integer> storeRequestsPerCycle = new ArrayList<>();
    List<String> messages = new ArrayList<>();
    proxy.failNext(1_000_000, 503);
    try {
      for (int cycle = 1; cycle <= 10; cycle++) {
        int before = proxy.count("GET", read);
        // Three volumes of the identity in each cycle.
        for (int volume = 0; volume < 3; volume++) {
          int c = cycle;
          StatusRuntimeException e =
              catchThrowableOfType(
                  StatusRuntimeException.class,
                  () -> client.mount(ssi("app", files, cycle("outage-" + c))));
          assertThat(failure(e).code()).isEqualTo("server_error");
          assertThat(failure(e).status()).isEqualTo(Status.Code.FAILED_PRECONDITION);
          messages.add(failure(e).message());
        }
        storeRequestsPerCycle.add(proxy.count("GET", read) - before);
      }
    } finally {
      proxy.failNext(0, 503);
    }
    // Tried (3 attempts of one read), then 1, 2 and 4 cycles skipped; upstream: 3 volumes x 10.
    assertThat(storeRequestsPerCycle).containsExactly(3, 0, 3, 0, 0, 3, 0, 0, 0, 0);
    assertThat(messages).allMatch(m -> m.contains("HTTP 503") && !m.contains("\n"));
    // A publish is never held back (kubelet paces those); it reaches the store and its success
    // ends the backoff: the next cycle reads at once.
    admin.putKv2("secret", prefix + "/outage", Map.of("k", "after"));
    admin.putKv2("secret", prefix + "/outage-new", Map.of("k", "new"));
    String newFiles = "[" + file("k", "secret/data/" + prefix + "/outage-new", "k") + "]";
    assertThat(contents(client.mount(ssi("app", newFiles, Map.of())))).containsEntry("k", "new");
    int before = proxy.count("GET", read);
    assertThat(contents(client.mount(ssi("app", files, cycle("outage-11")))))
        .containsEntry("k", "after");
    assertThat(proxy.count("GET", read) - before).isEqualTo(1);
  }

  /**
   * Issue 14 item 8: writes (method PUT/POST: a PKI certificate) are issued once per identity, path
   * and arguments and reused until two thirds of their lifetime have passed, not re-issued on every
   * mount and rotation cycle (upstream issues one per volume per cycle).
   */
  @Test
  void writesAreIssuedOnceAndReusedUntilTheirLifetimeNearsItsEnd() throws Exception {
    String issue = prefix + "-pki/issue/example-dot-com";
    String longLived =
        """
        - objectName: "cert"
          secretPath: "%s"
          secretKey: "certificate"
          method: "PUT"
          secretArgs:
            common_name: "reuse.example.com"
            ttl: "1h"
        """
            .formatted(issue);
    Map<String, String> spcParameters = Map.of("vaultAuthMountPath", auth);
    int writesBefore = writes(issue);
    String first = contents(client.mount(spc("app", longLived, spcParameters))).get("cert");
    assertThat(first).startsWith("-----BEGIN CERTIFICATE-----");
    assertThat(writes(issue) - writesBefore).isEqualTo(1);
    for (String cycle : List.of("w-1", "w-2", "w-3")) {
      Map<String, String> rotation = new java.util.HashMap<>(spcParameters);
      rotation.putAll(cycle(cycle));
      for (int volume = 0; volume < 2; volume++) {
        assertThat(contents(client.mount(spc("app", longLived, rotation))).get("cert"))
            .isEqualTo(first);
      }
    }
    // Another pod of the identity: the same certificate, with more than a third of its hour left.
    assertThat(contents(client.mount(spc("app", longLived, spcParameters))).get("cert"))
        .isEqualTo(first);
    assertThat(writes(issue) - writesBefore).isEqualTo(1);

    // A certificate of 3 s is reused for its first 2 s only: past that, the next cycle issues.
    String shortLived = longLived.replace("1h", "3s").replace("reuse.", "short.");
    String shortCert = contents(client.mount(spc("app", shortLived, spcParameters))).get("cert");
    assertThat(writes(issue) - writesBefore).isEqualTo(2);
    Thread.sleep(2_500);
    Map<String, String> rotation = new java.util.HashMap<>(spcParameters);
    rotation.putAll(cycle("w-4"));
    assertThat(contents(client.mount(spc("app", shortLived, rotation))).get("cert"))
        .isNotEqualTo(shortCert);
    assertThat(writes(issue) - writesBefore).isEqualTo(3);
  }

  static int writes(String path) {
    return proxy.count("PUT", "/v1/" + path) + proxy.count("POST", "/v1/" + path);
  }

  /** Waits until {@code condition} holds (a state, not a time window), at most 60 s. */
  static void eventually(BooleanSupplier condition) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    while (!condition.getAsBoolean()) {
      assertThat(System.nanoTime()).as("condition not reached within 60 s").isLessThan(deadline);
      Thread.sleep(20);
    }
  }

  /**
   * Issue 14 item 8: a mount whose caller gives up (cancels, or its deadline passes) stops its
   * store work: the request in flight is aborted and nothing is retried after it; the answer comes
   * only once that work has stopped (counted in the mount metric as {@code cancelled}).
   */
  @Test
  void aCancelledMountStopsItsStoreWork() throws Exception {
    try (SilentStore silent = new SilentStore()) {
      String files = "[" + file("k", "secret/data/" + prefix + "/never", "k") + "]";
      Map<String, String> request = ssi("app", files, Map.of("address", silent.address()));
      long cancelledBefore = providerMetrics.mounts("cancelled");

      // 1. The caller cancels while the login hangs at the store.
      Context.CancellableContext call = Context.current().withCancellation();
      var answer = call.call(() -> client.futures.mount(ProviderClient.request(request)));
      eventually(() -> silent.connections() == 1);
      call.cancel(null);
      eventually(() -> providerMetrics.mounts("cancelled") == cancelledBefore + 1);
      Throwable answered = org.assertj.core.api.Assertions.catchThrowable(answer::get);
      assertThat(Status.fromThrowable(answered).getCode()).isEqualTo(Status.Code.CANCELLED);
      // The request in flight was aborted by the provider, and no attempt followed it (without
      // the cancellation: a 10 s request timeout, then two more attempts).
      eventually(() -> silent.closedByClient() == 1);
      assertThat(silent.connections()).isEqualTo(1);

      // 2. The caller's deadline passes (shorter than the store request timeout of 10 s).
      StatusRuntimeException late =
          catchThrowableOfType(
              StatusRuntimeException.class,
              () ->
                  client
                      .stub
                      .withDeadlineAfter(5, TimeUnit.SECONDS)
                      .mount(ProviderClient.request(request)));
      assertThat(late.getStatus().getCode()).isEqualTo(Status.Code.DEADLINE_EXCEEDED);
      eventually(() -> providerMetrics.mounts("cancelled") == cancelledBefore + 2);
      // Whatever the provider had started was aborted, and nothing was retried after it.
      eventually(() -> silent.closedByClient() == silent.connections());
      assertThat(silent.connections()).isBetween(1, 2);
    }
  }

  /**
   * Issue 14 item 8: during an outage kubelet keeps publishing every waiting volume. A publish to
   * an address that refused a connection moments ago fails at once, without connecting: one
   * connection attempt per hold (1 s, doubling up to secrets-store.provider.unreachable-hold, 5 s
   * by default), not one per publish and path with its retries (before: 3 attempts per publish).
   * Counted by the client's request metric (one sample per attempt); bounded by the elapsed time,
   * so a slow machine cannot make it fail.
   */
  @Test
  void publishesToAnAddressThatRefusedConnectionsFailFastWithoutConnecting() throws Exception {
    String dead = "http://127.0.0.1:" + freePort();
    String files =
        "["
            + file("a", "secret/data/" + prefix + "/one", "k")
            + ","
            + file("b", "secret/data/" + prefix + "/two", "k")
            + ","
            + file("c", "secret/data/" + prefix + "/three", "k")
            + "]";
    Map<String, String> request = ssi("app", files, Map.of("address", dead));
    long attemptsBefore = storeMetrics.requestCount("login", "unreachable");
    long fastBefore = storeMetrics.failFastCount("login");
    int publishes = 30;

    long start = System.nanoTime();
    List<ProviderClient.Failure> failures = new ArrayList<>();
    for (int i = 0; i < publishes; i++) {
      failures.add(
          failure(catchThrowableOfType(StatusRuntimeException.class, () -> client.mount(request))));
    }
    double elapsedSeconds = (System.nanoTime() - start) / 1e9;

    long attempts = storeMetrics.requestCount("login", "unreachable") - attemptsBefore;
    long failedFast = storeMetrics.failFastCount("login") - fastBefore;
    // The first publish connects once (no retry: the next attempt would be refused); later ones
    // connect only when a hold has passed, and holds are at least 1 s.
    assertThat(attempts).isBetween(1L, 2L + (long) elapsedSeconds);
    // Every other login (one per publish, or one per file when a publish's reads do not overlap)
    // was refused without a connection.
    assertThat(attempts + failedFast).isBetween((long) publishes, 3L * publishes);
    assertFailure(
        failures.getFirst(), Status.Code.FAILED_PRECONDITION, "unreachable", "connection refused");
    assertFailure(
        failures.getLast(), Status.Code.FAILED_PRECONDITION, "unreachable", "not contacted again");
    assertThat(failures.getLast().message()).contains(dead).doesNotContain("Exception");
  }

  /**
   * Issue 16 item 6, the tenant's side: a volume that names the store's token backend would get the
   * provider's login token for the pod's role written into the pod (auth/token/lookup-self answers
   * the caller's token; a write to auth/token/create mints one). Refused before any store request,
   * in both dialects, also behind a namespace prefix; sys/ likewise.
   */
  @Test
  void theStoresAuthAndSysPathsAreNeverDeliveredIntoAPod() {
    Function<Map<String, String>, ProviderClient.Failure> fail =
        attributes ->
            failure(
                catchThrowableOfType(StatusRuntimeException.class, () -> client.mount(attributes)));
    String lookupSelf =
        """
        - objectName: "token"
          secretPath: "auth/token/lookup-self"
          secretKey: "id"
        """;
    String create =
        """
        - objectName: "child"
          secretPath: "/auth/token/create"
          method: "POST"
          secretKey: "client_token"
        """;
    assertFailure(
        fail.apply(spc("app", lookupSelf, Map.of("vaultAuthMountPath", auth))),
        Status.Code.INVALID_ARGUMENT,
        "invalid_parameters",
        "object 'token': path 'auth/token/lookup-self' is under the store's auth/");
    assertFailure(
        fail.apply(spc("app", create, Map.of("vaultAuthMountPath", auth))),
        Status.Code.INVALID_ARGUMENT,
        "invalid_parameters",
        "object 'child': path '/auth/token/create' is under the store's auth/");
    assertFailure(
        fail.apply(
            ssi("app", "[" + file("t", "team-a/auth/token/lookup-self", "id") + "]", Map.of())),
        Status.Code.INVALID_ARGUMENT,
        "invalid_parameters",
        "file 't': path 'team-a/auth/token/lookup-self' reaches the store's token backend");
    assertFailure(
        fail.apply(ssi("app", "[" + file("s", "sys/config/state/sanitized", "x") + "]", Map.of())),
        Status.Code.INVALID_ARGUMENT,
        "invalid_parameters",
        "is under the store's sys/");
    // Nothing reached the store: no login, no read.
    assertThat(proxy.counts()).isEmpty();
  }

  @Test
  void aCallerWhoseTokenNamesAnotherAccountGetsNothing() {
    String path = "secret/data/" + prefix + "/guarded";
    admin.putKv2("secret", prefix + "/guarded", Map.of("k", "guarded-value"));
    String files = "[" + file("k", path, "k") + "]";
    assertThat(contents(client.mount(ssi("app", files, Map.of()))))
        .containsEntry("k", "guarded-value");
    int reads = proxy.count("GET", "/v1/" + path);

    // The volume context says "app", the token is another account's: no shared read, no login.
    Map<String, String> parameters = new java.util.LinkedHashMap<>();
    parameters.put("secretsStoreImport", "myapp");
    parameters.put("role", "app");
    parameters.put("files", files);
    for (String intruderToken :
        List.of(
            kubernetes
                .tokens()
                .mint(NAMESPACE, "intruder", List.of(AUDIENCE), Duration.ofMinutes(10)),
            kubernetes.tokens().mintExpired(NAMESPACE, ACCOUNT, List.of(AUDIENCE)),
            "not-a-jwt")) {
      for (Map<String, String> extra : List.of(Map.<String, String>of(), cycle("c-guard"))) {
        Map<String, String> request = new java.util.LinkedHashMap<>(parameters);
        request.putAll(extra);
        StatusRuntimeException e =
            catchThrowableOfType(
                StatusRuntimeException.class,
                () ->
                    client.mount(
                        attributes(NAMESPACE, ACCOUNT, Map.of(AUDIENCE, intruderToken), request)));
        assertThat(e).isNotNull();
        assertFailure(failure(e), Status.Code.PERMISSION_DENIED, "invalid_token", "token");
        assertThat(e.getStatus().getDescription()).doesNotContain(intruderToken);
      }
    }
    assertThat(proxy.count("GET", "/v1/" + path)).isEqualTo(reads);
  }

  @Test
  void versionAnswers() {
    var version = client.stub.version(VersionRequest.newBuilder().setVersion("v1.5.0").build());
    assertThat(version.getVersion()).isEqualTo("v1alpha1");
    assertThat(version.getRuntimeName()).isEqualTo("secrets-store-integration-vault-provider");
    assertThat(version.getRuntimeVersion()).isNotBlank();
  }

  static void assertFailure(
      ProviderClient.Failure failure, Status.Code status, String code, String message) {
    assertThat(failure.status()).as(failure.toString()).isEqualTo(status);
    assertThat(failure.code()).as(failure.toString()).isEqualTo(code);
    assertThat(failure.message()).as(failure.toString()).contains(message);
  }

  static int freePort() throws Exception {
    try (var socket = new java.net.ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }

  /** What our driver adds to a rotation call. */
  static Map<String, String> cycle(String id) {
    return Map.of(ProviderProtocol.ROTATION_CYCLE_ATTRIBUTE, id);
  }
}
