package io.secretsstore.provider;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.ClientStreamTracer;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.StreamObserver;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.EpollDomainSocketChannel;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerDomainSocketChannel;
import io.netty.channel.unix.DomainSocketAddress;
import io.secretsstore.model.names.CsiNames;
import io.secretsstore.model.provider.v1alpha1.CSIDriverProviderGrpc;
import io.secretsstore.model.provider.v1alpha1.File;
import io.secretsstore.model.provider.v1alpha1.MountRequest;
import io.secretsstore.model.provider.v1alpha1.MountResponse;
import io.secretsstore.provider.mount.ProviderMetrics;
import io.secretsstore.testkit.KubernetesApiMock;
import io.secretsstore.testkit.OpenBaoServer;
import io.secretsstore.testkit.RequestCountingProxy;
import io.secretsstore.testkit.ServiceAccountTokens;
import io.secretsstore.testkit.SharedStore;
import io.secretsstore.testkit.StoreAdmin;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Our provider behind the upstream kubernetes-sigs driver (v1.6.1), issue 14 items 7a–7d. The Go
 * driver cannot be built here, so each request is built the way its {@code NodePublishVolume}
 * builds it: the SecretProviderClass parameters plus the four pod attributes and kubelet's tokens,
 * as Go's {@code json.Marshal} of a {@code map[string]string} (sorted keys, HTML-escaped), {@code
 * secrets} "null" (no nodePublishSecretRef), {@code permission} "420" ({@code os.FileMode(0644)}),
 * no current object versions.
 */
// No servlet container: the health/metrics port is the JDK HTTP server, on a free port here.
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.NONE, properties = "server.port=0")
class UpstreamDriverInteropIT {

  static final String NAMESPACE = "team-u";
  static final String ACCOUNT = "app";
  static final JsonMapper JSON = JsonMapper.builder().build();

  static OpenBaoServer store;
  static KubernetesApiMock kubernetes;
  static StoreAdmin admin;
  static RequestCountingProxy proxy;
  static Path socketDir;
  static String auth;
  static String prefix;
  static String kv1;
  static ProviderClient client;

  @Autowired ProviderMetrics mountMetrics;

  @DynamicPropertySource
  static void properties(DynamicPropertyRegistry registry) throws Exception {
    store = SharedStore.store();
    kubernetes = SharedStore.kubernetes();
    admin = store.admin();
    proxy = new RequestCountingProxy(store.address());
    socketDir = Files.createTempDirectory("provider-interop");
    auth = SharedStore.unique("kube");
    prefix = SharedStore.unique("u");
    kv1 = SharedStore.unique("kv1");
    admin.enableKubernetesAuth(auth, kubernetes.url());
    admin.enableKv(kv1, 1);
    admin.writePolicy(
        prefix, List.of("secret/data/" + prefix + "/*", kv1 + "/" + prefix + "/*"), "read");
    // The upstream provider's documented setup: roles bound to the audience "vault".
    // One role per test, so no test sees another's cached login.
    for (String role : List.of("whole-role", "vault-role", "cache-role")) {
      admin.createKubernetesRole(
          auth,
          role,
          List.of(ACCOUNT),
          List.of(NAMESPACE),
          List.of(prefix),
          Duration.ofMinutes(10),
          "vault");
    }
    admin.putKv2("secret", prefix + "/db", Map.of("user", "u&<x>", "port", 5432));
    admin.putKv1(kv1, prefix + "/cfg", Map.of("k", "v"));
    registry.add("secrets-store.provider.socket-dir", socketDir::toString);
    registry.add(
        "secrets-store.provider.object-version-key-file",
        () -> socketDir + "-state/object-version.key");
    registry.add("secrets-store.connection.url", proxy::address);
    client = new ProviderClient(socketDir.resolve("vault.sock"));
  }

  @AfterAll
  static void tearDown() throws Exception {
    client.close();
    proxy.close();
    for (ManagedChannel channel : List.copyOf(upstreamChannels)) {
      channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
    upstreamGroup.shutdownGracefully(0, 1, TimeUnit.SECONDS);
  }

  /**
   * The upstream driver's client of a provider ({@code pkg/secrets-store/provider_client.go},
   * v1.6.1): {@code grpc.WithDefaultServiceConfig(ServiceConfig)} with this method config, which
   * retries {@code UNAVAILABLE} up to 3 attempts. Go's JSON decoding matches field names without
   * regard to case ({@code MaxAttempts} is {@code maxAttempts}); grpc-java's parser wants the
   * canonical spelling, which is the only change.
   */
  static final String UPSTREAM_SERVICE_CONFIG =
      """
      {
      	"methodConfig": [
      		{
      			"name": [{"service": "v1alpha1.CSIDriverProvider"}],
      			"waitForReady": true,
      			"retryPolicy": {
      				"MaxAttempts": 3,
      				"InitialBackoff": "1s",
      				"MaxBackoff": "10s",
      				"BackoffMultiplier": 1.1,
      				"RetryableStatusCodes": [ "UNAVAILABLE" ]
      			}
      		}
      	]
      }
      """;

  static final MultiThreadIoEventLoopGroup upstreamGroup =
      new MultiThreadIoEventLoopGroup(1, EpollIoHandler.newFactory());
  static final List<ManagedChannel> upstreamChannels = new CopyOnWriteArrayList<>();

  /** A channel to {@code socket} configured as the upstream driver configures its own. */
  @SuppressWarnings("unchecked")
  static ManagedChannel upstreamChannel(Path socket) throws Exception {
    String canonical =
        UPSTREAM_SERVICE_CONFIG
            .replace("\"MaxAttempts\"", "\"maxAttempts\"")
            .replace("\"InitialBackoff\"", "\"initialBackoff\"")
            .replace("\"MaxBackoff\"", "\"maxBackoff\"")
            .replace("\"BackoffMultiplier\"", "\"backoffMultiplier\"")
            .replace("\"RetryableStatusCodes\"", "\"retryableStatusCodes\"");
    ManagedChannel channel =
        NettyChannelBuilder.forAddress(new DomainSocketAddress(socket.toFile()))
            .eventLoopGroup(upstreamGroup)
            .channelType(EpollDomainSocketChannel.class)
            .usePlaintext()
            .overrideAuthority("localhost")
            .defaultServiceConfig((Map<String, ?>) io.grpc.internal.JsonParser.parse(canonical))
            .enableRetry()
            .build();
    upstreamChannels.add(channel);
    return channel;
  }

  /** Counts the attempts (streams) a client call makes, retries included. */
  static final class AttemptCounter extends ClientStreamTracer.Factory {
    final AtomicInteger attempts = new AtomicInteger();

    @Override
    public ClientStreamTracer newClientStreamTracer(
        ClientStreamTracer.StreamInfo info, Metadata headers) {
      attempts.incrementAndGet();
      return new ClientStreamTracer() {};
    }

    ClientInterceptor interceptor() {
      AttemptCounter factory = this;
      return new ClientInterceptor() {
        @Override
        public <Q, R> ClientCall<Q, R> interceptCall(
            MethodDescriptor<Q, R> method, CallOptions options, Channel next) {
          return next.newCall(method, options.withStreamTracerFactory(factory));
        }
      };
    }
  }

  @BeforeEach
  void reset() {
    proxy.reset();
  }

  /** Go's json.Marshal of map[string]string: sorted keys, no spaces, HTML-safe escaping. */
  static String goMarshal(Map<String, String> map) {
    StringBuilder out = new StringBuilder("{");
    for (var entry : new TreeMap<>(map).entrySet()) {
      if (out.length() > 1) {
        out.append(',');
      }
      out.append(goString(entry.getKey())).append(':').append(goString(entry.getValue()));
    }
    return out.append('}').toString();
  }

  static String goString(String s) {
    StringBuilder out = new StringBuilder("\"");
    for (char c : s.toCharArray()) {
      switch (c) {
        case '"' -> out.append("\\\"");
        case '\\' -> out.append("\\\\");
        case '\n' -> out.append("\\n");
        case '\r' -> out.append("\\r");
        case '\t' -> out.append("\\t");
        case '<', '>', '&' -> out.append(String.format("\\u%04x", (int) c));
        default -> out.append(c);
      }
    }
    return out.append('"').toString();
  }

  static String token(List<String> audiences) {
    return kubernetes.tokens().mint(NAMESPACE, ACCOUNT, audiences, Duration.ofMinutes(10));
  }

  /**
   * kubelet's serviceAccount.tokens for a CSIDriver whose tokenRequests list "", "vault" and
   * "other".
   */
  static String kubeletTokens() {
    Map<String, Map<String, String>> tokens = new TreeMap<>();
    tokens.put(
        "",
        Map.of(
            "token",
            token(List.of(ServiceAccountTokens.DEFAULT_AUDIENCE)),
            "expirationTimestamp",
            "2030-01-01T00:00:00Z"));
    tokens.put(
        "vault",
        Map.of("token", token(List.of("vault")), "expirationTimestamp", "2030-01-01T00:00:00Z"));
    tokens.put(
        "other",
        Map.of("token", token(List.of("other")), "expirationTimestamp", "2030-01-01T00:00:00Z"));
    return JSON.writeValueAsString(tokens);
  }

  /** The MountRequest the upstream driver sends for a SecretProviderClass's parameters. */
  static MountResponse upstreamMount(Map<String, String> spcParameters) {
    return client
        .stub
        .withDeadlineAfter(60, TimeUnit.SECONDS)
        .mount(upstreamRequest(spcParameters));
  }

  static MountRequest upstreamRequest(Map<String, String> spcParameters) {
    Map<String, String> parameters = new TreeMap<>(spcParameters);
    parameters.put(CsiNames.POD_NAME, "web-0");
    parameters.put(CsiNames.POD_NAMESPACE, NAMESPACE);
    parameters.put(CsiNames.POD_UID, "6f1c2a3b-0000-4000-8000-000000000001");
    parameters.put(CsiNames.SERVICE_ACCOUNT_NAME, ACCOUNT);
    parameters.put(CsiNames.SERVICE_ACCOUNT_TOKENS, kubeletTokens());
    return MountRequest.newBuilder()
        .setAttributes(goMarshal(parameters))
        .setSecrets("null")
        .setTargetPath(
            "/var/lib/kubelet/pods/6f1c2a3b-0000-4000-8000-000000000001/volumes/"
                + "kubernetes.io~csi/secrets-store-inline/mount")
        .setPermission("420")
        .build();
  }

  static Map<String, String> spc(String role, String objects) {
    return Map.of("roleName", role, "vaultKubernetesMountPath", auth, "objects", objects);
  }

  static String file(MountResponse response, String name) {
    return response.getFilesList().stream()
        .filter(f -> f.getPath().equals(name))
        .map(File::getContents)
        .findFirst()
        .orElseThrow()
        .toString(StandardCharsets.UTF_8);
  }

  /** 7a: an object without secretKey is the store's whole answer, in the Go provider's JSON. */
  @Test
  void anObjectWithoutSecretKeyIsTheWholeStoreAnswerAsUpstreamWritesIt() {
    MountResponse response =
        upstreamMount(
            spc(
                "whole-role",
                "- objectName: whole.json\n  secretPath: secret/data/"
                    + prefix
                    + "/db\n- objectName: v1.json\n  secretPath: "
                    + kv1
                    + "/"
                    + prefix
                    + "/cfg\n"));
    String whole = file(response, "whole.json");
    // Struct field order, sorted map keys, Go's escaping of & < >; OpenBao adds mount_type.
    assertThat(whole)
        .matches(
            "\\{\"request_id\":\"[0-9a-f-]{36}\",\"lease_id\":\"\",\"lease_duration\":0,"
                + "\"renewable\":false,\"data\":\\{\"data\":\\{\"port\":5432,"
                + "\"user\":\"u\\\\u0026\\\\u003cx\\\\u003e\"\\},\"metadata\":\\{"
                + "\"created_time\":\"[^\"]+\",\"custom_metadata\":null,\"deletion_time\":\"\","
                + "\"destroyed\":false,\"version\":1\\}\\},\"warnings\":null"
                + "(,\"mount_type\":\"kv\")?\\}");
    JsonNode parsed = JSON.readTree(whole);
    assertThat(parsed.path("data").path("data").path("user").asString()).isEqualTo("u&<x>");
    assertThat(file(response, "v1.json"))
        .matches(
            "\\{\"request_id\":\"[0-9a-f-]{36}\",\"lease_id\":\"\",\"lease_duration\":\\d+,"
                + "\"renewable\":false,\"data\":\\{\"k\":\"v\"\\},\"warnings\":null"
                + "(,\"mount_type\":\"kv\")?\\}");
    // Both objects cost one read each, and the login was the "vault" token's.
    assertThat(proxy.count("GET", "/v1/secret/data/" + prefix + "/db")).isEqualTo(1);
    assertThat(proxy.count("POST", "/v1/auth/" + auth + "/login")).isEqualTo(1);
  }

  /** 7b: tokens for "" and "vault", no audience in the SPC: upstream uses "vault", so do we. */
  @Test
  void withoutAudienceTheVaultTokenIsUsedLikeUpstream() {
    MountResponse response =
        upstreamMount(
            spc(
                "vault-role",
                "- objectName: user\n  secretPath: secret/data/"
                    + prefix
                    + "/db\n  secretKey: user\n"));
    assertThat(file(response, "user")).isEqualTo("u&<x>");
  }

  /**
   * 7c: the login cache is keyed by the token's audience too: a login made with the "vault" token
   * is never reused for a request whose token has another audience, whatever was cached first.
   */
  @Test
  void theLoginCacheNeverServesOneAudiencesLoginToAnother() {
    String objects =
        "- objectName: user\n  secretPath: secret/data/" + prefix + "/db\n  secretKey: user\n";
    Map<String, String> withVault = new TreeMap<>(spc("cache-role", objects));
    withVault.put("audience", "vault");
    Map<String, String> withOther = new TreeMap<>(withVault);
    withOther.put("audience", "other");
    String login = "/v1/auth/" + auth + "/login";

    assertThat(file(upstreamMount(withVault), "user")).isEqualTo("u&<x>");
    assertThat(proxy.count("POST", login)).isEqualTo(1);
    // Same account, same role, a token for another audience: its own login, which the role
    // (bound to "vault") refuses; the cached "vault" login is not handed out.
    StatusRuntimeException denied =
        catchThrowableOfType(StatusRuntimeException.class, () -> upstreamMount(withOther));
    assertThat(denied).isNotNull();
    assertThat(ProviderClient.failure(denied).code()).isEqualTo("login_denied");
    assertThat(denied.getStatus().getCode()).isEqualTo(Status.Code.PERMISSION_DENIED);
    assertThat(proxy.count("POST", login)).isEqualTo(2);
    // The "vault" login is still cached for its own audience.
    assertThat(file(upstreamMount(withVault), "user")).isEqualTo("u&<x>");
    assertThat(proxy.count("POST", login)).isEqualTo(2);
  }

  /**
   * 7d: an unreachable store is answered once, with a status the upstream driver's client does not
   * retry, and a one-line message that names the cause. Answered UNAVAILABLE, one publish through
   * the upstream driver would be 3 mounts, each with its 3 store attempts.
   */
  @Test
  void anUnreachableStoreIsAnsweredOnceWithAStatusTheUpstreamDriverDoesNotRetry() throws Exception {
    // The harness's client really is upstream's: a provider that answers UNAVAILABLE gets 3 calls.
    Path controlSocket = socketDir.resolve("control.sock");
    AtomicInteger controlCalls = new AtomicInteger();
    Server control =
        NettyServerBuilder.forAddress(new DomainSocketAddress(controlSocket.toFile()))
            .bossEventLoopGroup(upstreamGroup)
            .workerEventLoopGroup(upstreamGroup)
            .channelType(EpollServerDomainSocketChannel.class)
            .addService(
                new CSIDriverProviderGrpc.CSIDriverProviderImplBase() {
                  @Override
                  public void mount(MountRequest request, StreamObserver<MountResponse> answer) {
                    controlCalls.incrementAndGet();
                    answer.onError(Status.UNAVAILABLE.withDescription("down").asException());
                  }
                })
            .build()
            .start();
    try {
      AttemptCounter attempts = new AttemptCounter();
      StatusRuntimeException down =
          catchThrowableOfType(
              StatusRuntimeException.class,
              () ->
                  CSIDriverProviderGrpc.newBlockingStub(upstreamChannel(controlSocket))
                      .withInterceptors(attempts.interceptor())
                      .withDeadlineAfter(60, TimeUnit.SECONDS)
                      .mount(MountRequest.getDefaultInstance()));
      assertThat(down.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE);
      assertThat(controlCalls).hasValue(3);
      assertThat(attempts.attempts).hasValue(3);
    } finally {
      control.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }

    int closedPort;
    try (var probe = new java.net.ServerSocket(0)) {
      closedPort = probe.getLocalPort();
    }
    Map<String, String> spc =
        new TreeMap<>(
            spc(
                "whole-role",
                "- objectName: user\n  secretPath: secret/data/"
                    + prefix
                    + "/db\n  secretKey: user\n"));
    spc.put("vaultAddress", "http://127.0.0.1:" + closedPort);
    long unreachableBefore = mountMetrics.mounts("unreachable");
    AttemptCounter attempts = new AttemptCounter();
    StatusRuntimeException e =
        catchThrowableOfType(
            StatusRuntimeException.class,
            () ->
                CSIDriverProviderGrpc.newBlockingStub(
                        upstreamChannel(socketDir.resolve("vault.sock")))
                    .withInterceptors(attempts.interceptor())
                    .withDeadlineAfter(60, TimeUnit.SECONDS)
                    .mount(upstreamRequest(spc)));
    assertThat(e).isNotNull();
    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.FAILED_PRECONDITION);
    // One attempt from the upstream client, one mount in the provider.
    assertThat(attempts.attempts).hasValue(1);
    assertThat(mountMetrics.mounts("unreachable") - unreachableBefore).isEqualTo(1);
    assertThat(ProviderClient.failure(e).code()).isEqualTo("unreachable");
    String message = e.getStatus().getDescription();
    assertThat(message)
        .doesNotContain("\n")
        .contains("127.0.0.1:" + closedPort)
        .contains("connection refused or no route")
        .doesNotEndWith(": ")
        .doesNotContain("ConnectException: )");
  }
}
