package io.secretsstore.model.rbac;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The checked-in list of what a component calls on the API server ({@code rbac.yaml} of the
 * controller and the webhook), and the question its tests ask: which of the requests the code made
 * would the chart's RBAC refuse?
 */
public record RbacRules(List<RbacRule> rules) {

  /** Non-resource paths every authenticated user may GET (the {@code system:discovery} role). */
  static final List<String> DISCOVERY = List.of("/api", "/apis", "/version", "/openapi");

  public RbacRules {
    rules = List.copyOf(rules);
  }

  /**
   * @param features the features enabled in the run ({@code always} is implied)
   * @param scopes for each non-cluster scope, the namespaces it binds a Role in ({@code *}: a
   *     ClusterRoleBinding instead)
   * @return one line per request no enabled rule allows, in the order made, without repeats
   */
  public List<String> refused(
      List<ApiRequest> requests, Set<String> features, Map<String, Set<String>> scopes) {
    List<String> refused = new ArrayList<>();
    for (ApiRequest request : requests) {
      if (!allowed(request, features, scopes)) {
        String line = request.describe();
        if (!refused.contains(line)) {
          refused.add(line);
        }
      }
    }
    return refused;
  }

  public boolean allowed(
      ApiRequest request, Set<String> features, Map<String, Set<String>> scopes) {
    if (!request.isResourceRequest()) {
      return "get".equals(request.verb())
          && DISCOVERY.stream()
              .anyMatch(p -> request.path().equals(p) || request.path().startsWith(p + "/"));
    }
    for (RbacRule rule : rules) {
      if (!rule.when().equals("always") && !features.contains(rule.when())) {
        continue;
      }
      if (rule.scope().equals(RbacRule.CLUSTER)) {
        if (rule.allows(request, null)) {
          return true;
        }
        continue;
      }
      Set<String> namespaces = scopes.get(rule.scope());
      if (namespaces == null) {
        throw new IllegalArgumentException("no namespaces given for scope " + rule.scope());
      }
      if (namespaces.contains("*")) {
        if (rule.allows(request, null)) {
          return true;
        }
        continue;
      }
      for (String namespace : namespaces) {
        if (rule.allows(request, namespace)) {
          return true;
        }
      }
    }
    return false;
  }

  /** Rules enabled in a run that no request used (a grant the code may no longer need). */
  public List<RbacRule> unused(
      List<ApiRequest> requests, Set<String> features, Map<String, Set<String>> scopes) {
    List<RbacRule> unused = new ArrayList<>();
    for (RbacRule rule : rules) {
      if (!rule.when().equals("always") && !features.contains(rule.when())) {
        continue;
      }
      RbacRules alone = new RbacRules(List.of(rule));
      if (requests.stream().noneMatch(r -> alone.allowed(r, features, scopes))) {
        unused.add(rule);
      }
    }
    return unused;
  }

  /** Reads the YAML list ({@code rules: [{when, scope, apiGroups, resources, verbs, why}]}). */
  @SuppressWarnings("unchecked")
  public static RbacRules parse(String yaml) {
    Map<String, Object> document =
        io.fabric8.kubernetes.client.utils.Serialization.unmarshal(yaml, Map.class);
    List<RbacRule> rules = new ArrayList<>();
    for (Map<String, Object> rule : (List<Map<String, Object>>) document.get("rules")) {
      rules.add(
          new RbacRule(
              (String) rule.get("when"),
              (String) rule.get("scope"),
              (List<String>) rule.getOrDefault("apiGroups", List.of("")),
              (List<String>) rule.get("resources"),
              (List<String>) rule.get("resourceNames"),
              (List<String>) rule.get("verbs"),
              (String) rule.get("why")));
    }
    return new RbacRules(rules);
  }
}
