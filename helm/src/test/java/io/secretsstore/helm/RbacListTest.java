package io.secretsstore.helm;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.rbac.ClusterRole;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBinding;
import io.fabric8.kubernetes.api.model.rbac.PolicyRule;
import io.fabric8.kubernetes.api.model.rbac.Role;
import io.fabric8.kubernetes.api.model.rbac.RoleBinding;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The chart grants a component exactly what its RBAC list ({@code <module>/rbac.yaml}, proven
 * against the component's real API calls by its RbacIT) says, for every combination of the features
 * that change it: no more, no less, in the scope the list names. Rules are compared as single
 * (group, resource, verb, name) grants so that grouping in the templates does not matter.
 */
class RbacListTest {

  private static final String CONTROLLER = "secrets-store-controller";
  private static final String WEBHOOK = "secrets-store-webhook";

  /** The controller features the chart can switch; a list naming another is out of step. */
  private static final Set<String> CONTROLLER_FEATURES =
      Set.of(
          "always",
          "leaderElection",
          "secretSync",
          "secretProviderClasses",
          "selfSignedCertificates");

  static Stream<Arguments> controllerVariants() {
    return Stream.of(
        Arguments.of(Profile.DEFAULT, List.<String>of()),
        Arguments.of(Profile.CERT_MANAGER, List.<String>of()),
        Arguments.of(
            Profile.DEFAULT,
            List.of(
                "controller.secretSync.enabled=true", "controller.secretSync.namespaces={a,b}")),
        Arguments.of(
            Profile.DEFAULT,
            List.of("controller.secretSync.enabled=true", "controller.secretSync.namespaces={*}")),
        // Enabled but nobody opted in: no Secret rights anywhere.
        Arguments.of(Profile.DEFAULT, List.of("controller.secretSync.enabled=true")),
        Arguments.of(
            Profile.CERT_MANAGER,
            List.of(
                "controller.secretProviderClasses.enabled=true",
                "controller.secretSync.enabled=true",
                "controller.secretSync.namespaces={team-a}")));
  }

  @ParameterizedTest
  @MethodSource("controllerVariants")
  void controllerGetsExactlyItsListedRights(Profile profile, List<String> sets) {
    RenderedChart chart = RenderedChart.render(profile, sets.toArray(String[]::new));
    Map<String, Object> app = chart.applicationYaml(CONTROLLER);
    boolean sync =
        Boolean.TRUE.equals(RenderedChart.at(app, "secrets-store.controller.secret-sync.enabled"));
    @SuppressWarnings("unchecked")
    List<String> syncNamespaces =
        sync
            ? (List<String>)
                RenderedChart.at(app, "secrets-store.controller.secret-sync.namespaces")
            : List.of();
    Set<String> features = new TreeSet<>(List.of("always", "leaderElection"));
    if (sync) {
      features.add("secretSync");
    }
    if (Boolean.TRUE.equals(
        RenderedChart.at(app, "secrets-store.controller.secret-provider-classes.enabled"))) {
      features.add("secretProviderClasses");
    }
    if ("self-signed"
        .equals(RenderedChart.str(app, "secrets-store.controller.webhook-certificates.mode"))) {
      features.add("selfSignedCertificates");
    }

    Map<String, Set<String>> expected =
        expected(
            "controller/rbac.yaml",
            CONTROLLER_FEATURES,
            features,
            scope ->
                switch (scope) {
                  case "cluster" -> List.of("cluster");
                  case "releaseNamespace" -> List.of(Helm.NAMESPACE);
                  case "secretSyncNamespaces" ->
                      syncNamespaces.contains("*") ? List.of("cluster") : syncNamespaces;
                  default -> null;
                });
    assertThat(rendered(chart, CONTROLLER))
        .as("the chart's grants for " + sets)
        .isEqualTo(expected);
  }

  static Stream<Arguments> webhookVariants() {
    return Stream.of(
        Arguments.of(List.<String>of()),
        Arguments.of(List.of("webhook.secretNamespaces={team-a,team-b}")),
        Arguments.of(List.of("webhook.secretNamespaces={*}")));
  }

  @ParameterizedTest
  @MethodSource("webhookVariants")
  void webhookGetsExactlyItsListedRights(List<String> sets) {
    RenderedChart chart = RenderedChart.render(Profile.DEFAULT, sets.toArray(String[]::new));
    @SuppressWarnings("unchecked")
    List<String> secretNamespaces =
        (List<String>)
            RenderedChart.at(
                chart.applicationYaml(WEBHOOK), "secrets-store.webhook.secret-namespaces");
    Map<String, Set<String>> expected =
        expected(
            "webhook/rbac.yaml",
            Set.of("always"),
            Set.of("always"),
            scope ->
                switch (scope) {
                  case "cluster" -> List.of("cluster");
                  case "secretNamespaces" ->
                      secretNamespaces.contains("*") ? List.of("cluster") : secretNamespaces;
                  default -> null;
                });
    assertThat(rendered(chart, WEBHOOK)).as("the chart's grants for " + sets).isEqualTo(expected);
  }

  /**
   * The grants a list asks for, per place ("cluster" or a namespace): the rules whose {@code when}
   * is among {@code features}, each in the places {@code places} gives its {@code scope}. A rule
   * whose {@code when} is not {@code known} fails the test.
   */
  private static Map<String, Set<String>> expected(
      String listFile,
      Set<String> known,
      Set<String> features,
      Function<String, List<String>> places) {
    Map<String, Set<String>> expected = new TreeMap<>();
    for (Map<String, Object> rule : listedRules(listFile)) {
      assertThat(rule.get("when")).as(listFile + ": a feature the chart does not know").isIn(known);
      if (!features.contains((String) rule.get("when"))) {
        continue;
      }
      List<String> where = places.apply((String) rule.get("scope"));
      if (where == null) {
        throw new AssertionError("unknown scope in " + listFile + ": " + rule);
      }
      for (String place : where) {
        expected.computeIfAbsent(place, p -> new TreeSet<>()).addAll(grants(rule));
      }
    }
    return expected;
  }

  /** What the chart grants service account {@code account}: "cluster" or a namespace → grants. */
  private static Map<String, Set<String>> rendered(RenderedChart chart, String account) {
    Map<String, Set<String>> rendered = new TreeMap<>();
    for (ClusterRole role : chart.all(ClusterRole.class)) {
      if (boundTo(chart, role.getMetadata().getName(), null, account)) {
        rendered.computeIfAbsent("cluster", p -> new TreeSet<>()).addAll(grants(role.getRules()));
      }
    }
    for (Role role : chart.all(Role.class)) {
      if (boundTo(
          chart, role.getMetadata().getName(), role.getMetadata().getNamespace(), account)) {
        rendered
            .computeIfAbsent(role.getMetadata().getNamespace(), p -> new TreeSet<>())
            .addAll(grants(role.getRules()));
      }
    }
    return rendered;
  }

  /** Whether the role of that name (a ClusterRole when namespace is null) is bound to account. */
  private static boolean boundTo(
      RenderedChart chart, String roleName, String namespace, String account) {
    if (namespace == null) {
      return chart.all(ClusterRoleBinding.class).stream()
          .filter(b -> b.getRoleRef().getName().equals(roleName))
          .anyMatch(b -> b.getSubjects().stream().anyMatch(s -> s.getName().equals(account)));
    }
    return chart.all(RoleBinding.class).stream()
        .filter(b -> namespace.equals(b.getMetadata().getNamespace()))
        .filter(b -> b.getRoleRef().getName().equals(roleName))
        .anyMatch(b -> b.getSubjects().stream().anyMatch(s -> s.getName().equals(account)));
  }

  @SuppressWarnings("unchecked")
  private static List<Map<String, Object>> listedRules(String file) {
    Path path = Helm.projectRoot().resolve(file);
    try {
      Map<String, Object> list =
          RenderedChart.SERIALIZATION.unmarshal(Files.readString(path), Map.class);
      return (List<Map<String, Object>>) list.get("rules");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @SuppressWarnings("unchecked")
  private static Set<String> grants(Map<String, Object> rule) {
    return grants(
        (List<String>) rule.get("apiGroups"),
        (List<String>) rule.get("resources"),
        (List<String>) rule.get("verbs"),
        (List<String>) rule.getOrDefault("resourceNames", List.of()));
  }

  private static Set<String> grants(List<PolicyRule> rules) {
    Set<String> out = new TreeSet<>();
    for (PolicyRule rule : rules) {
      out.addAll(
          grants(
              rule.getApiGroups(),
              rule.getResources(),
              rule.getVerbs(),
              rule.getResourceNames() == null ? List.of() : rule.getResourceNames()));
    }
    return out;
  }

  private static Set<String> grants(
      List<String> groups, List<String> resources, List<String> verbs, List<String> names) {
    Set<String> out = new TreeSet<>();
    List<String> namesOrAny = names.isEmpty() ? List.of("*") : new ArrayList<>(names);
    for (String group : groups) {
      for (String resource : resources) {
        for (String verb : verbs) {
          for (String name : namesOrAny) {
            out.add(group + "/" + resource + ":" + verb + "[" + name + "]");
          }
        }
      }
    }
    return out;
  }
}
