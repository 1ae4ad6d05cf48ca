package io.secretsstore.testkit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Root-token administration of a test store over its HTTP API: mounts, secrets, policies,
 * namespaces, Kubernetes auth. Every call fails with the status and the store's answer when the
 * store refuses it, so a broken fixture is obvious.
 */
public final class StoreAdmin {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final HttpClient HTTP =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  private final String address;
  private final String token;
  private final Optional<String> namespace;

  StoreAdmin(String address, String token, Optional<String> namespace) {
    this.address = address;
    this.token = token;
    this.namespace = namespace;
  }

  /** The same admin acting inside a Vault namespace ({@code X-Vault-Namespace}). */
  public StoreAdmin inNamespace(String name) {
    return new StoreAdmin(address, token, Optional.of(name));
  }

  public void enableKv(String mount, int version) {
    if (version != 1 && version != 2) {
      throw new IllegalArgumentException("KV version must be 1 or 2");
    }
    request(
        "POST",
        "sys/mounts/" + mount,
        Map.of("type", "kv", "options", Map.of("version", String.valueOf(version))));
  }

  /** Writes a KV v2 secret and returns the new version number. */
  public int putKv2(String mount, String path, Map<String, ?> data) {
    JsonNode answer = request("POST", mount + "/data/" + path, Map.of("data", data));
    return answer.path("data").path("version").asInt();
  }

  public void putKv1(String mount, String path, Map<String, ?> data) {
    request("POST", mount + "/" + path, data);
  }

  /** Soft-deletes KV v2 versions (they can be undeleted). */
  public void deleteKv2Versions(String mount, String path, int... versions) {
    request("POST", mount + "/delete/" + path, Map.of("versions", versions));
  }

  /** Destroys KV v2 versions permanently. */
  public void destroyKv2Versions(String mount, String path, int... versions) {
    request("POST", mount + "/destroy/" + path, Map.of("versions", versions));
  }

  public void createNamespace(String name) {
    request("POST", "sys/namespaces/" + name, Map.of());
  }

  public void writePolicy(String name, String hcl) {
    request("PUT", "sys/policies/acl/" + name, Map.of("policy", hcl));
  }

  /** A policy that allows {@code capabilities} on each of {@code paths}. */
  public void writePolicy(String name, List<String> paths, String... capabilities) {
    StringBuilder hcl = new StringBuilder();
    for (String path : paths) {
      hcl.append("path \"").append(path).append("\" {\n  capabilities = [");
      for (int i = 0; i < capabilities.length; i++) {
        hcl.append(i == 0 ? "" : ", ").append('"').append(capabilities[i]).append('"');
      }
      hcl.append("]\n}\n");
    }
    writePolicy(name, hcl.toString());
  }

  /**
   * Enables the Kubernetes auth method at {@code mount} and points it at a Kubernetes API (our
   * {@link KubernetesApiMock}). No reviewer JWT is configured, so the store reviews each login's
   * JWT with that JWT itself, as with the "use the application's token" setup in the module docs.
   */
  public void enableKubernetesAuth(String mount, String kubernetesHost) {
    request("POST", "sys/auth/" + mount, Map.of("type", "kubernetes"));
    // OpenBao insists on a CA when it must not read the pod-local one; the mock speaks plain HTTP,
    // so any valid certificate satisfies the check without being used.
    request(
        "POST",
        "auth/" + mount + "/config",
        Map.of(
            "kubernetes_host",
            kubernetesHost,
            "disable_local_ca_jwt",
            true,
            "kubernetes_ca_cert",
            UnusedCa.PEM));
  }

  /**
   * Creates a Kubernetes auth role.
   *
   * @param audience the audience the store requires in tokens, or null for none
   */
  public void createKubernetesRole(
      String mount,
      String role,
      List<String> serviceAccountNames,
      List<String> serviceAccountNamespaces,
      List<String> policies,
      Duration ttl,
      String audience) {
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("bound_service_account_names", serviceAccountNames);
    body.put("bound_service_account_namespaces", serviceAccountNamespaces);
    body.put("policies", policies);
    body.put("ttl", ttl.toSeconds() + "s");
    if (audience != null) {
      body.put("audience", audience);
    }
    request("POST", "auth/" + mount + "/role/" + role, body);
  }

  private static final class UnusedCa {
    static final String PEM = new TestCertificateAuthority("unused-kubernetes-ca").certificatePem();
  }

  /** Any API call; returns the parsed answer (an empty object for 204). */
  public JsonNode request(String method, String path, Object body) {
    try {
      HttpRequest.Builder builder =
          HttpRequest.newBuilder(URI.create(address + "/v1/" + path))
              .timeout(Duration.ofSeconds(30))
              .header("X-Vault-Token", token)
              .header("Content-Type", "application/json");
      namespace.ifPresent(ns -> builder.header("X-Vault-Namespace", ns));
      HttpRequest.BodyPublisher publisher =
          body == null
              ? HttpRequest.BodyPublishers.noBody()
              : HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body));
      HttpResponse<String> response =
          HTTP.send(
              builder.method(method, publisher).build(), HttpResponse.BodyHandlers.ofString());
      if (response.statusCode() >= 300) {
        throw new IllegalStateException(
            method
                + " "
                + path
                + namespace.map(ns -> " (namespace " + ns + ")").orElse("")
                + " failed with HTTP "
                + response.statusCode()
                + ": "
                + response.body());
      }
      return response.body().isBlank() ? JSON.createObjectNode() : JSON.readTree(response.body());
    } catch (IOException e) {
      throw new IllegalStateException(method + " " + path + " failed: " + e, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }
}
