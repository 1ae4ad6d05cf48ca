package io.secretsstore.testkit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.client.NamespacedKubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import io.fabric8.mockwebserver.http.Dispatcher;
import io.fabric8.mockwebserver.http.MockResponse;
import io.fabric8.mockwebserver.http.RecordedRequest;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The fabric8 Kubernetes mock API server in CRUD mode, plus a TokenReview endpoint that validates
 * tokens minted by its {@link ServiceAccountTokens} the way kube-apiserver would, so a real store's
 * Kubernetes auth method can be pointed at it.
 */
public final class KubernetesApiMock implements AutoCloseable {

  private static final String TOKEN_REVIEWS = "/apis/authentication.k8s.io/v1/tokenreviews";
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final java.util.regex.Pattern TOKEN_REQUEST =
      java.util.regex.Pattern.compile(
          "^/api/v1/namespaces/([^/]+)/serviceaccounts/([^/?]+)/token(\\?.*)?$");

  private final ServiceAccountTokens tokens = new ServiceAccountTokens();
  private final AtomicInteger tokenReviews = new AtomicInteger();
  private final AtomicInteger tokenRequests = new AtomicInteger();

  /** "namespace/name" of the service accounts stored in the mock, for TokenRequest. */
  private final java.util.Set<String> serviceAccounts =
      java.util.concurrent.ConcurrentHashMap.newKeySet();

  private final List<String> requests = java.util.Collections.synchronizedList(new ArrayList<>());
  private final KubernetesMockServer server;

  public KubernetesApiMock() {
    KubernetesCrudDispatcher crud = new KubernetesCrudDispatcher(new ArrayList<>());
    Dispatcher dispatcher =
        new Dispatcher() {
          @Override
          public MockResponse dispatch(RecordedRequest request) {
            String path = request.getPath() == null ? "" : request.getPath();
            requests.add(request.getMethod() + " " + path);
            if ("POST".equals(request.getMethod()) && path.startsWith(TOKEN_REVIEWS)) {
              return tokenReview(request);
            }
            if ("POST".equals(request.getMethod())
                && path.startsWith("/apis/authorization.k8s.io/v1/selfsubjectrulesreviews")) {
              return selfSubjectRulesReview(request);
            }
            java.util.regex.Matcher tokenRequest = TOKEN_REQUEST.matcher(path);
            if ("POST".equals(request.getMethod()) && tokenRequest.matches()) {
              return tokenRequest(request, tokenRequest.group(1), tokenRequest.group(2));
            }
            MockResponse response = crud.dispatch(request);
            rememberServiceAccounts(request, path, response);
            return response;
          }
        };
    server =
        new KubernetesMockServer(
            new Context(), new MockWebServer(), new HashMap<>(), dispatcher, false);
    server.init(java.net.InetAddress.getLoopbackAddress(), 0);
  }

  /** The API server URL, e.g. {@code http://127.0.0.1:41233}, for the store's kubernetes_host. */
  public String url() {
    return "http://127.0.0.1:" + server.getPort();
  }

  public ServiceAccountTokens tokens() {
    return tokens;
  }

  /** A client for the mock, for tests that store and read Kubernetes objects. */
  public NamespacedKubernetesClient client() {
    return server.createClient();
  }

  /** How many TokenRequests were answered (tokens minted for service accounts). */
  public int tokenRequestCount() {
    return tokenRequests.get();
  }

  /** How many TokenReviews were answered (each store login costs one). */
  public int tokenReviewCount() {
    return tokenReviews.get();
  }

  /**
   * How many requests with {@code method} (or any, if null) had a path starting with {@code
   * pathPrefix}, e.g. ("PUT", "/apis/deckhouse.io/"): proves what a component costs the API server.
   */
  public int requestCount(String method, String pathPrefix) {
    synchronized (requests) {
      return (int)
          requests.stream()
              .filter(r -> method == null || r.startsWith(method + " "))
              .filter(r -> r.substring(r.indexOf(' ') + 1).startsWith(pathPrefix))
              .count();
    }
  }

  @Override
  public void close() {
    server.destroy();
  }

  /**
   * {@code serviceaccounts/<name>/token}: mints a token like kube-apiserver's TokenRequest API, for
   * service accounts that exist in the mock (404 otherwise). No audiences means the API server's.
   */
  private MockResponse tokenRequest(RecordedRequest request, String namespace, String account) {
    tokenRequests.incrementAndGet();
    // The dispatcher runs on the mock server's event loop: no blocking calls back into it here.
    if (!serviceAccounts.contains(namespace + "/" + account)) {
      return status(404, "NotFound", "serviceaccounts \"" + account + "\" not found");
    }
    try {
      JsonNode body = JSON.readTree(request.getUtf8Body());
      List<String> audiences = new ArrayList<>();
      body.path("spec").path("audiences").forEach(node -> audiences.add(node.asText()));
      if (audiences.isEmpty()) {
        audiences.add(ServiceAccountTokens.DEFAULT_AUDIENCE);
      }
      long seconds = body.path("spec").path("expirationSeconds").asLong(3600);
      java.time.Duration ttl = java.time.Duration.ofSeconds(seconds);
      String token = tokens.mint(namespace, account, audiences, ttl);
      Map<String, Object> spec = new LinkedHashMap<>();
      spec.put("audiences", audiences);
      spec.put("expirationSeconds", seconds);
      Map<String, Object> answer = new LinkedHashMap<>();
      answer.put("apiVersion", "authentication.k8s.io/v1");
      answer.put("kind", "TokenRequest");
      answer.put("metadata", Map.of("name", account, "namespace", namespace));
      answer.put("spec", spec);
      answer.put(
          "status",
          Map.of(
              "token",
              token,
              "expirationTimestamp",
              java.time.Instant.now()
                  .plus(ttl)
                  .truncatedTo(java.time.temporal.ChronoUnit.SECONDS)
                  .toString()));
      return new MockResponse()
          .setResponseCode(201)
          .setHeader("Content-Type", "application/json")
          .setBody(JSON.writeValueAsString(answer));
    } catch (Exception e) {
      return status(400, "BadRequest", "malformed TokenRequest");
    }
  }

  private static final java.util.regex.Pattern SERVICE_ACCOUNTS =
      java.util.regex.Pattern.compile(
          "^/api/v1/namespaces/([^/]+)/serviceaccounts(/([^/?]+))?(\\?.*)?$");

  private void rememberServiceAccounts(
      RecordedRequest request, String path, MockResponse response) {
    java.util.regex.Matcher matcher = SERVICE_ACCOUNTS.matcher(path);
    if (!matcher.matches()) {
      return;
    }
    String namespace = matcher.group(1);
    if ("POST".equals(request.getMethod()) && response.code() / 100 == 2) {
      try {
        // The created object as the mock answered it (getBytes does not consume the body).
        String name =
            JSON.readTree(response.getBody().getBytes()).path("metadata").path("name").asText("");
        serviceAccounts.add(namespace + "/" + name);
      } catch (Exception e) {
        // Not JSON: the CRUD dispatcher refused it as well.
      }
    } else if ("DELETE".equals(request.getMethod()) && matcher.group(3) != null) {
      serviceAccounts.remove(namespace + "/" + matcher.group(3));
    }
  }

  /** The mock enforces no RBAC; it says so to clients that ask (e.g. leader election's check). */
  private MockResponse selfSubjectRulesReview(RecordedRequest request) {
    try {
      JsonNode body = JSON.readTree(request.getUtf8Body());
      Map<String, Object> answer = new LinkedHashMap<>();
      answer.put("apiVersion", "authorization.k8s.io/v1");
      answer.put("kind", "SelfSubjectRulesReview");
      answer.put("spec", JSON.convertValue(body.path("spec"), Map.class));
      answer.put(
          "status",
          Map.of(
              "resourceRules",
              List.of(
                  Map.of(
                      "verbs", List.of("*"), "apiGroups", List.of("*"), "resources", List.of("*"))),
              "nonResourceRules",
              List.of(),
              "incomplete",
              false));
      return new MockResponse()
          .setResponseCode(201)
          .setHeader("Content-Type", "application/json")
          .setBody(JSON.writeValueAsString(answer));
    } catch (Exception e) {
      return status(400, "BadRequest", "malformed SelfSubjectRulesReview");
    }
  }

  private static MockResponse status(int code, String reason, String message) {
    return new MockResponse()
        .setResponseCode(code)
        .setHeader("Content-Type", "application/json")
        .setBody(
            "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"status\":\"Failure\",\"message\":\""
                + message.replace("\"", "\\\"")
                + "\",\"reason\":\""
                + reason
                + "\",\"code\":"
                + code
                + "}");
  }

  private MockResponse tokenReview(RecordedRequest request) {
    tokenReviews.incrementAndGet();
    try {
      JsonNode review = JSON.readTree(request.getUtf8Body());
      String token = review.path("spec").path("token").asText("");
      List<String> audiences = new ArrayList<>();
      review.path("spec").path("audiences").forEach(node -> audiences.add(node.asText()));
      ServiceAccountTokens.Review result = tokens.review(token, audiences);

      Map<String, Object> status = new LinkedHashMap<>();
      status.put("authenticated", result.authenticated());
      if (result.authenticated()) {
        status.put(
            "user",
            Map.of(
                "username",
                result.username(),
                "uid",
                result.uid(),
                "groups",
                List.of("system:serviceaccounts", "system:authenticated")));
        status.put("audiences", result.audiences());
      } else {
        status.put("error", result.error());
      }
      Map<String, Object> answer = new LinkedHashMap<>();
      answer.put("apiVersion", "authentication.k8s.io/v1");
      answer.put("kind", "TokenReview");
      answer.put("metadata", Map.of());
      answer.put("spec", JSON.convertValue(review.path("spec"), Map.class));
      answer.put("status", status);
      return new MockResponse()
          .setResponseCode(201)
          .setHeader("Content-Type", "application/json")
          .setBody(JSON.writeValueAsString(answer));
    } catch (Exception e) {
      return new MockResponse()
          .setResponseCode(400)
          .setHeader("Content-Type", "application/json")
          .setBody(
              "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"status\":\"Failure\",\"message\":\"malformed TokenReview\",\"reason\":\"BadRequest\",\"code\":400}");
    }
  }
}
