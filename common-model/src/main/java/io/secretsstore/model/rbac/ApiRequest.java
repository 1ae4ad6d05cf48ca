package io.secretsstore.model.rbac;

import java.net.URI;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * The RBAC attributes of one Kubernetes API request, derived from its method and URL the way the
 * API server's request-info parser does: verb, API group, namespace, resource, subresource and name
 * ({@code GET /api/v1/namespaces/a/secrets/b} is {@code get secrets "b"} in namespace {@code a}).
 * Requests outside {@code /api} and {@code /apis/<group>/<version>} are non-resource requests
 * ({@code /version}, discovery).
 *
 * @param verb get, list, watch, create, update, patch, delete or deletecollection
 * @param apiGroup {@code ""} for the core group
 * @param namespace the namespace, or null for cluster-scoped and all-namespace requests
 * @param resource the resource (plural), or null for a non-resource request
 * @param subresource {@code status}, {@code token}, ... or null
 * @param name the object's name, or null
 * @param path the URL path (for non-resource requests)
 */
public record ApiRequest(
    String verb,
    String apiGroup,
    String namespace,
    String resource,
    String subresource,
    String name,
    String path) {

  public static ApiRequest of(String method, URI uri) {
    String path = uri.getRawPath() == null ? "" : uri.getRawPath();
    String query = uri.getRawQuery() == null ? "" : uri.getRawQuery();
    List<String> parts = Arrays.stream(path.split("/")).filter(part -> !part.isEmpty()).toList();
    String group;
    int next;
    if (parts.size() >= 2 && parts.get(0).equals("api")) {
      group = "";
      next = 2;
    } else if (parts.size() >= 3 && parts.get(0).equals("apis")) {
      group = parts.get(1);
      next = 3;
    } else {
      return new ApiRequest(nonResourceVerb(method), null, null, null, null, null, path);
    }
    List<String> rest = parts.subList(next, parts.size());
    boolean watch = false;
    if (!rest.isEmpty() && rest.get(0).equals("watch")) {
      watch = true;
      rest = rest.subList(1, rest.size());
    }
    if (rest.isEmpty()) {
      // /api/v1 or /apis/g/v: discovery.
      return new ApiRequest(nonResourceVerb(method), null, null, null, null, null, path);
    }
    String namespace = null;
    if (rest.get(0).equals("namespaces")
        && rest.size() >= 3
        && !List.of("status", "finalize").contains(rest.get(2))) {
      namespace = rest.get(1);
      rest = rest.subList(2, rest.size());
    }
    String resource = rest.get(0);
    String name = rest.size() > 1 ? rest.get(1) : null;
    String subresource = rest.size() > 2 ? rest.get(2) : null;
    if (namespace == null && resource.equals("namespaces") && name != null) {
      // /api/v1/namespaces/<name>: the namespace object itself.
      namespace = name;
    }
    watch |= queryFlag(query, "watch");
    String verb =
        switch (method.toUpperCase(java.util.Locale.ROOT)) {
          case "GET", "HEAD" -> watch ? "watch" : name == null ? "list" : "get";
          case "POST" -> "create";
          case "PUT" -> "update";
          case "PATCH" -> "patch";
          case "DELETE" -> name == null ? "deletecollection" : "delete";
          default -> method.toLowerCase(java.util.Locale.ROOT);
        };
    return new ApiRequest(verb, group, namespace, resource, subresource, name, path);
  }

  /** True for a request on a resource (false: {@code /version}, discovery, health). */
  public boolean isResourceRequest() {
    return resource != null;
  }

  /** {@code secrets}, {@code serviceaccounts/token}: how RBAC rules name the resource. */
  public String resourceWithSubresource() {
    return subresource == null ? resource : resource + "/" + subresource;
  }

  public Optional<String> optionalNamespace() {
    return Optional.ofNullable(namespace);
  }

  /** One line, e.g. {@code create "" serviceaccounts/token "syncer" in team-a}. */
  public String describe() {
    if (!isResourceRequest()) {
      return verb + " " + path;
    }
    return verb
        + " "
        + (apiGroup.isEmpty() ? "\"\"" : apiGroup)
        + " "
        + resourceWithSubresource()
        + (name == null ? "" : " \"" + name + "\"")
        + (namespace == null ? " (cluster-wide)" : " in " + namespace);
  }

  private static String nonResourceVerb(String method) {
    return method.toLowerCase(java.util.Locale.ROOT);
  }

  private static boolean queryFlag(String query, String flag) {
    for (String pair : query.split("&")) {
      if (pair.equals(flag) || pair.equals(flag + "=true") || pair.equals(flag + "=1")) {
        return true;
      }
    }
    return false;
  }
}
