package io.secretsstore.model.rbac;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class RbacRulesTest {

  static ApiRequest request(String method, String url) {
    return ApiRequest.of(method, URI.create("https://api:6443" + url));
  }

  @Test
  void requestAttributesAsTheApiServerDerivesThem() {
    assertThat(request("GET", "/api/v1/namespaces/a/secrets/b"))
        .isEqualTo(
            new ApiRequest("get", "", "a", "secrets", null, "b", "/api/v1/namespaces/a/secrets/b"));
    assertThat(request("GET", "/api/v1/namespaces/a/secrets?labelSelector=x").verb())
        .isEqualTo("list");
    assertThat(request("GET", "/api/v1/namespaces/a/secrets?watch=true&resourceVersion=1").verb())
        .isEqualTo("watch");
    assertThat(request("GET", "/api/v1/watch/namespaces/a/secrets").verb()).isEqualTo("watch");
    ApiRequest all = request("GET", "/apis/deckhouse.io/v1alpha1/secretsstoreimports");
    assertThat(all.namespace()).isNull();
    assertThat(all.apiGroup()).isEqualTo("deckhouse.io");
    ApiRequest token = request("POST", "/api/v1/namespaces/t/serviceaccounts/syncer/token");
    assertThat(token.verb()).isEqualTo("create");
    assertThat(token.resourceWithSubresource()).isEqualTo("serviceaccounts/token");
    assertThat(token.name()).isEqualTo("syncer");
    ApiRequest status =
        request("PATCH", "/apis/deckhouse.io/v1alpha1/namespaces/t/secretsstoreimports/i/status");
    assertThat(status.resourceWithSubresource()).isEqualTo("secretsstoreimports/status");
    assertThat(status.verb()).isEqualTo("patch");
    ApiRequest namespace = request("GET", "/api/v1/namespaces/t");
    assertThat(namespace.resource()).isEqualTo("namespaces");
    assertThat(namespace.namespace()).isEqualTo("t");
    assertThat(request("PUT", "/api/v1/namespaces/t/finalize").resourceWithSubresource())
        .isEqualTo("namespaces/finalize");
    ApiRequest hook =
        request("PATCH", "/apis/admissionregistration.k8s.io/v1/mutatingwebhookconfigurations/w");
    assertThat(hook.namespace()).isNull();
    assertThat(hook.name()).isEqualTo("w");
    assertThat(request("DELETE", "/api/v1/namespaces/a/secrets").verb())
        .isEqualTo("deletecollection");
    assertThat(request("GET", "/version").isResourceRequest()).isFalse();
    assertThat(request("GET", "/apis/deckhouse.io/v1alpha1").isResourceRequest()).isFalse();
  }

  static final RbacRules RULES =
      RbacRules.parse(
          """
          rules:
            - when: always
              scope: cluster
              apiGroups: [deckhouse.io]
              resources: [secretsstoreimports]
              verbs: [list, watch]
            - when: secretSync
              scope: syncNamespaces
              apiGroups: [""]
              resources: [secrets]
              verbs: [get, create]
            - when: always
              scope: releaseNamespace
              apiGroups: [admissionregistration.k8s.io]
              resources: [mutatingwebhookconfigurations]
              resourceNames: [w]
              verbs: [get, patch]
          """);

  static final Map<String, Set<String>> SCOPES =
      Map.of("syncNamespaces", Set.of("team-a"), "releaseNamespace", Set.of("d8"));

  @Test
  void aRoleInOneNamespaceAllowsNothingElsewhereAndNothingClusterWide() {
    Set<String> on = Set.of("secretSync");
    assertThat(RULES.allowed(request("GET", "/api/v1/namespaces/team-a/secrets/s"), on, SCOPES))
        .isTrue();
    assertThat(RULES.allowed(request("GET", "/api/v1/namespaces/team-b/secrets/s"), on, SCOPES))
        .isFalse();
    assertThat(RULES.allowed(request("GET", "/api/v1/secrets"), on, SCOPES)).isFalse();
    assertThat(
            RULES.allowed(request("GET", "/api/v1/namespaces/team-a/secrets/s"), Set.of(), SCOPES))
        .as("feature off")
        .isFalse();
    assertThat(
            RULES.allowed(
                request("GET", "/api/v1/namespaces/team-b/secrets/s"),
                on,
                Map.of("syncNamespaces", Set.of("*"), "releaseNamespace", Set.of("d8"))))
        .as("* binds cluster-wide")
        .isTrue();
    assertThat(
            RULES.allowed(
                request("GET", "/apis/deckhouse.io/v1alpha1/namespaces/x/secretsstoreimports"),
                on,
                SCOPES))
        .isTrue();
    assertThat(RULES.allowed(request("GET", "/version"), on, SCOPES)).isTrue();
    assertThat(RULES.allowed(request("POST", "/version"), on, SCOPES)).isFalse();
  }

  @Test
  void resourceNamesOnlyMatchRequestsForThatName() {
    var scopes = Map.of("syncNamespaces", Set.<String>of(), "releaseNamespace", Set.of("*"));
    assertThat(
            RULES.allowed(
                request(
                    "PATCH",
                    "/apis/admissionregistration.k8s.io/v1/mutatingwebhookconfigurations/w"),
                Set.of(),
                scopes))
        .isTrue();
    assertThat(
            RULES.allowed(
                request(
                    "PATCH",
                    "/apis/admissionregistration.k8s.io/v1/mutatingwebhookconfigurations/other"),
                Set.of(),
                scopes))
        .isFalse();
    assertThat(
            RULES.allowed(
                request(
                    "GET", "/apis/admissionregistration.k8s.io/v1/mutatingwebhookconfigurations"),
                Set.of(),
                scopes))
        .isFalse();
  }

  @Test
  void refusedListsEachForbiddenCallOnceAndUnusedNamesIdleGrants() {
    List<ApiRequest> made =
        List.of(
            request("GET", "/api/v1/namespaces/team-a/secrets/s"),
            request("DELETE", "/api/v1/namespaces/team-a/secrets/s"),
            request("DELETE", "/api/v1/namespaces/team-a/secrets/s"));
    assertThat(RULES.refused(made, Set.of("secretSync"), SCOPES))
        .containsExactly("delete \"\" secrets \"s\" in team-a");
    assertThat(RULES.unused(made, Set.of("secretSync"), SCOPES))
        .extracting(RbacRule::scope)
        .containsExactly("cluster", "releaseNamespace");
  }

  @Test
  void wildcardsAreNotAllowedInTheList() {
    assertThatThrownBy(
            () ->
                new RbacRule(
                    "always", "cluster", List.of(""), List.of("*"), null, List.of("get"), ""))
        .hasMessageContaining("no wildcards");
  }
}
