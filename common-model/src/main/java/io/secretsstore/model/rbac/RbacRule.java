package io.secretsstore.model.rbac;

import java.util.List;

/**
 * One permission a component needs, as an RBAC PolicyRule plus where the chart grants it.
 *
 * @param when the feature that needs it ({@code always}, or a setting such as {@code secretSync})
 * @param scope {@code cluster} (ClusterRole and ClusterRoleBinding), or the name of a set of
 *     namespaces in which the chart binds a Role (e.g. {@code releaseNamespace})
 * @param apiGroups API groups ({@code ""}: core)
 * @param resources resources, {@code resource/subresource} for subresources
 * @param resourceNames if not empty, only these objects
 * @param verbs verbs
 * @param why the reason, for the chart's comment and the README
 */
public record RbacRule(
    String when,
    String scope,
    List<String> apiGroups,
    List<String> resources,
    List<String> resourceNames,
    List<String> verbs,
    String why) {

  public static final String CLUSTER = "cluster";

  public RbacRule {
    apiGroups = List.copyOf(apiGroups);
    resources = List.copyOf(resources);
    resourceNames = resourceNames == null ? List.of() : List.copyOf(resourceNames);
    verbs = List.copyOf(verbs);
    if (when == null || scope == null || verbs.isEmpty() || resources.isEmpty()) {
      throw new IllegalArgumentException("an RBAC rule needs when, scope, resources and verbs");
    }
    if (verbs.contains("*") || resources.contains("*") || apiGroups.contains("*")) {
      throw new IllegalArgumentException("no wildcards: name each verb and resource");
    }
  }

  /** Whether this rule, granted in {@code namespace} (null: cluster-wide), allows the request. */
  public boolean allows(ApiRequest request, String grantedIn) {
    if (!request.isResourceRequest()) {
      return false;
    }
    if (grantedIn != null && !grantedIn.equals(request.namespace())) {
      return false;
    }
    if (!apiGroups.contains(request.apiGroup())
        || !resources.contains(request.resourceWithSubresource())
        || !verbs.contains(request.verb())) {
      return false;
    }
    // RBAC: resourceNames never match a create (no name yet) or a list/watch without a name.
    return resourceNames.isEmpty()
        || (request.name() != null && resourceNames.contains(request.name()));
  }
}
