package io.secretsstore.e2e.store;

import io.secretsstore.e2e.cluster.RealCluster;
import io.secretsstore.testkit.OpenBaoServer;
import io.secretsstore.testkit.StoreAdmin;
import io.secretsstore.testkit.TestCertificateAuthority;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A real OpenBao set up the way the module's documentation sets up its test store: KV v2 at {@code
 * secret/}, secret {@code myapp} with {@code DB_USER}/{@code DB_PASS}, policy {@code backend}
 * reading it, and the Kubernetes auth method pointed at the e2e cluster's API server with a role
 * for service account {@code myapp} in {@code my-namespace}.
 *
 * <p>Two deliberate readings of the documentation: the role is named {@code myapp} (the documented
 * pods and import use that name, while its setup commands create {@code my-namespace_backend}), and
 * the role names the dedicated token audience, because a token minted for the store is not valid
 * for the API server, so the store's TokenReview must ask for that audience. For the same reason
 * the store reviews tokens with a reviewer token of its own (a service account bound to {@code
 * system:auth-delegator}) rather than with the pod's token.
 */
public final class SeedStore implements AutoCloseable {

  public static final String NAMESPACE = "my-namespace";
  public static final String SERVICE_ACCOUNT = "myapp";
  public static final String ROLE = "myapp";
  public static final String POLICY = "backend";

  /** The e2e suite's own secrets live under {@code secret/e2e/}; the role may read them too. */
  public static final String TEST_POLICY = "e2e-tests";

  public static final String TEST_PREFIX = "e2e/";
  public static final String SECRET_PATH = "secret/data/myapp";
  public static final String DB_USER = "username";
  public static final String DB_PASS = "secret-password";

  private final OpenBaoServer server;
  private final TestCertificateAuthority ca;
  private final String authPath;

  private final Path auditLog;

  private SeedStore(
      OpenBaoServer server, TestCertificateAuthority ca, String authPath, Path auditLog) {
    this.server = server;
    this.ca = ca;
    this.authPath = authPath;
    this.auditLog = auditLog;
  }

  /** The store's file audit log: every request it received. */
  public Path auditLog() {
    return auditLog;
  }

  /** Starts OpenBao with a TLS listener on 127.0.0.1 whose certificate {@link #caPem()} signs. */
  public static SeedStore start(Path workDir) {
    try {
      Files.createDirectories(workDir);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    TestCertificateAuthority ca = new TestCertificateAuthority("secrets-store-e2e-store-ca");
    OpenBaoServer.TlsListener tls = ca.issueLoopbackServer().writeTo(workDir, "store");
    Path auditLog = workDir.resolve("audit.log").toAbsolutePath();
    return new SeedStore(OpenBaoServer.startLocal(tls, auditLog), ca, "kubernetes_local", auditLog);
  }

  /**
   * Seeds the secret and policy, enables the Kubernetes auth method against {@code cluster} with
   * {@code reviewerJwt}, and creates the role for {@code audience}.
   */
  public void configure(RealCluster cluster, String reviewerJwt, String audience) {
    StoreAdmin admin = server.admin();
    admin.putKv2("secret", "myapp", Map.of("DB_USER", DB_USER, "DB_PASS", DB_PASS));
    admin.writePolicy(POLICY, List.of(SECRET_PATH), "read");
    admin.writePolicy(
        TEST_POLICY,
        List.of("secret/data/" + TEST_PREFIX + "*", "secret/metadata/" + TEST_PREFIX + "*"),
        "read");
    admin.request("POST", "sys/auth/" + authPath, Map.of("type", "kubernetes"));
    Map<String, Object> config = new LinkedHashMap<>();
    config.put("kubernetes_host", cluster.apiServerUrl());
    config.put("kubernetes_ca_cert", cluster.caCertificatePem());
    config.put("token_reviewer_jwt", reviewerJwt);
    config.put("disable_local_ca_jwt", true);
    admin.request("POST", "auth/" + authPath + "/config", config);
    createRole(ROLE, SERVICE_ACCOUNT, NAMESPACE, audience);
  }

  /**
   * A role bound to one service account, with the {@code backend} policy (plus the suite's own
   * paths) and the documented 10-minute TTL.
   */
  public void createRole(String role, String serviceAccount, String namespace, String audience) {
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("bound_service_account_names", List.of(serviceAccount));
    body.put("bound_service_account_namespaces", List.of(namespace));
    body.put("policies", List.of(POLICY, TEST_POLICY));
    body.put("ttl", "10m");
    if (audience != null) {
      body.put("audience", audience);
    }
    server.admin().request("POST", "auth/" + authPath + "/role/" + role, body);
  }

  /** Writes a new version of {@code secret/e2e/<name>}; returns the version number. */
  public int putTestSecret(String name, Map<String, String> data) {
    return server.admin().putKv2("secret", TEST_PREFIX + name, data);
  }

  /** Writes a new version of {@code secret/myapp}; returns the version number. */
  public int updateMyApp(String dbUser, String dbPass) {
    return server.admin().putKv2("secret", "myapp", Map.of("DB_USER", dbUser, "DB_PASS", dbPass));
  }

  public StoreAdmin admin() {
    return server.admin();
  }

  /** The HTTPS address pods and the chart use. */
  public String address() {
    return server.tlsAddress().orElseThrow();
  }

  public String caPem() {
    return ca.certificatePem();
  }

  public String authPath() {
    return authPath;
  }

  public String rootToken() {
    return server.rootToken();
  }

  public OpenBaoServer server() {
    return server;
  }

  @Override
  public void close() {
    server.close();
  }
}
