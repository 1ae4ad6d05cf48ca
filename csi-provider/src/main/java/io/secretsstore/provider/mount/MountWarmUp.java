package io.secretsstore.provider.mount;

import com.google.protobuf.ByteString;
import io.secretsstore.daemon.startup.WarmUp;
import io.secretsstore.model.provider.v1alpha1.File;
import io.secretsstore.model.provider.v1alpha1.MountRequest;
import io.secretsstore.model.provider.v1alpha1.MountResponse;
import io.secretsstore.model.provider.v1alpha1.ObjectVersion;
import io.secretsstore.provider.config.ConnectionDefaults;
import io.secretsstore.vault.KvSecret;
import io.secretsstore.vault.StoreClient;
import io.secretsstore.vault.StoreClients;
import io.secretsstore.vault.StoreConnection;
import io.secretsstore.vault.StoreMetrics;
import io.secretsstore.vault.StoreResponse;
import io.secretsstore.vault.TlsOptions;
import io.secretsstore.vault.login.ServiceAccountJwt;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import org.springframework.vault.authentication.LoginToken;
import tools.jackson.databind.json.JsonMapper;

/**
 * The provider's warm-up before readiness (common-daemon's {@link WarmUp}): what the first {@code
 * Mount} would otherwise load, link and build, run once on synthetic input. Nothing leaves the
 * process: no request to the store (its client is built, never asked), no file written.
 *
 * <ul>
 *   <li>a synthetic {@code MountRequest} through protobuf and both parameter dialects (Jackson,
 *       snakeyaml), and a synthetic service-account token through the JWT check;
 *   <li>the store client of the module's connection (the one a mount without {@code address} uses):
 *       HTTP client, TLS context, spring-vault's REST client, created and kept in {@link
 *       StoreClients} as the first mount would; with no module address, a client of a synthetic TLS
 *       connection, built and closed;
 *   <li>the client's first HTTP exchange: a login and a KV v2 read against {@link WarmUpStore}, a
 *       stand-in store on the loopback interface inside this process (canned JSON), and the
 *       answer's files through object versions (HMAC) and the {@code MountResponse} protobuf.
 * </ul>
 */
public final class MountWarmUp implements WarmUp {

  static final String NAMESPACE = "warm-up";
  static final String ACCOUNT = "warm-up";

  private static final JsonMapper JSON = JsonMapper.builder().build();

  private final MountService mounts;
  private final StoreClients clients;
  private final ConnectionDefaults defaults;
  private final ObjectVersions versions;
  private final Clock clock;

  public MountWarmUp(
      MountService mounts,
      StoreClients clients,
      ConnectionDefaults defaults,
      ObjectVersions versions,
      Clock clock) {
    this.mounts = mounts;
    this.clients = clients;
    this.defaults = defaults;
    this.versions = versions;
    this.clock = clock;
  }

  @Override
  public List<Step> steps() {
    return List.of(
        new Step("mount request", this::parseRequests),
        new Step("store client", this::storeClient),
        new Step("store exchange", this::storeExchange));
  }

  /** The request as our driver and the upstream driver send it, parsed as a mount does. */
  void parseRequests() throws Exception {
    for (String attributes : List.of(ourAttributes(), upstreamAttributes())) {
      MountRequest request =
          MountRequest.newBuilder()
              .setAttributes(attributes)
              .setSecrets("{}")
              .setTargetPath("/nonexistent/warm-up")
              .setPermission("420")
              .build();
      MountRequest received = MountRequest.parseFrom(request.toByteArray());
      MountParameters parameters = MountParametersParser.parse(received.getAttributes());
      MountService.defaultMode(received.getPermission());
      ServiceAccountJwt.requireFor(
          parameters.tokens().values().iterator().next(),
          parameters.pod().serviceAccount(),
          clock.instant());
    }
  }

  /**
   * The module's store client, as the first mount without an address would create it; without a
   * module address (every import names its own), a synthetic one, closed again.
   */
  void storeClient() throws Exception {
    if (defaults.url() != null && !defaults.url().isBlank()) {
      MountParameters parameters = MountParametersParser.parse(ourAttributes());
      try (StoreClients.Lease lease = clients.lease(mounts.connection(parameters))) {
        lease.client();
      }
      return;
    }
    StoreConnection synthetic =
        StoreConnection.builder("https://warm-up.invalid:8200").tls(TlsOptions.SYSTEM_CAS).build();
    try (StoreClient client = StoreClient.create(synthetic, StoreMetrics.unexported())) {
      client.connection();
    }
  }

  /**
   * A login and a KV v2 read through a client of its own (metrics unexported) against {@link
   * WarmUpStore} on the loopback interface, and the answer's files answered as a mount answers.
   */
  void storeExchange() throws Exception {
    KvSecret secret;
    StoreResponse whole;
    try (WarmUpStore store = new WarmUpStore();
        StoreClient client =
            StoreClient.create(
                StoreConnection.builder(store.address()).build(), StoreMetrics.unexported())) {
      LoginToken token = client.login(WarmUpStore.AUTH_PATH, "warm-up", MountWarmUp.syntheticJwt());
      StoreClient.KvRead read =
          client.readKvResponse(token, WarmUpStore.SECRET_PATH, OptionalInt.empty());
      secret = read.secret();
      whole = read.response();
    }
    UpstreamJson.response(whole);
    FileRequest.SecretSource source =
        new FileRequest.SecretSource(WarmUpStore.SECRET_PATH, OptionalInt.empty(), "GET", Map.of());
    Map<String, Object> data = secret.data();
    MountResponse.Builder response = MountResponse.newBuilder();
    for (var entry : data.entrySet()) {
      Object value = entry.getValue();
      byte[] contents =
          (value instanceof String text ? text : JSON.writeValueAsString(value))
              .getBytes(StandardCharsets.UTF_8);
      response.addFiles(
          File.newBuilder()
              .setPath(entry.getKey())
              .setMode(0644)
              .setContents(ByteString.copyFrom(contents)));
      response.addObjectVersion(
          ObjectVersion.newBuilder()
              .setId(entry.getKey())
              .setVersion(versions.versionOf(source, entry.getKey(), contents)));
    }
    MountResponse.parseFrom(response.build().toByteArray());
  }

  /** What our driver sends for a SecretsStoreImport (ImportResolver + ProviderCall there). */
  static String ourAttributes() {
    Map<String, Object> attributes = podAttributes();
    attributes.put("secretsStoreImport", "warm-up");
    attributes.put("role", "warm-up");
    attributes.put(
        "files",
        JSON.writeValueAsString(
            List.of(
                Map.of(
                    "name",
                    "user",
                    "source",
                    Map.of("path", "secret/data/warm-up", "key", "user")))));
    return JSON.writeValueAsString(attributes);
  }

  /** What the upstream driver sends for a SecretProviderClass ({@code objects} as YAML). */
  static String upstreamAttributes() {
    Map<String, Object> attributes = podAttributes();
    attributes.put("roleName", "warm-up");
    attributes.put(
        "objects", "- objectName: user\n  secretPath: secret/data/warm-up\n  secretKey: user\n");
    return JSON.writeValueAsString(attributes);
  }

  private static Map<String, Object> podAttributes() {
    Map<String, Object> attributes = new LinkedHashMap<>();
    attributes.put("csi.storage.k8s.io/pod.name", "warm-up");
    attributes.put("csi.storage.k8s.io/pod.namespace", NAMESPACE);
    attributes.put("csi.storage.k8s.io/pod.uid", "00000000-0000-0000-0000-000000000000");
    attributes.put("csi.storage.k8s.io/serviceAccount.name", ACCOUNT);
    attributes.put(
        "csi.storage.k8s.io/serviceAccount.tokens",
        JSON.writeValueAsString(
            Map.of(
                "vault",
                Map.of("token", syntheticJwt(), "expirationTimestamp", "2099-01-01T00:00:00Z"))));
    return attributes;
  }

  /** An unsigned token of the synthetic account: read and checked, never sent anywhere. */
  static String syntheticJwt() {
    Base64.Encoder base64 = Base64.getUrlEncoder().withoutPadding();
    String claims =
        JSON.writeValueAsString(
            Map.of(
                "sub",
                "system:serviceaccount:" + NAMESPACE + ":" + ACCOUNT,
                "aud",
                List.of("vault"),
                "exp",
                Clock.systemUTC().instant().plus(Duration.ofHours(1)).getEpochSecond()));
    return base64.encodeToString("{\"alg\":\"none\"}".getBytes(StandardCharsets.UTF_8))
        + "."
        + base64.encodeToString(claims.getBytes(StandardCharsets.UTF_8))
        + ".warm-up";
  }
}
