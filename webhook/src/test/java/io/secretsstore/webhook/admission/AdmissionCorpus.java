package io.secretsstore.webhook.admission;

import java.util.ArrayList;
import java.util.List;

/**
 * AdmissionReviews of odd shapes (what a fuzzer, a proxy or an old API server may send): bodies
 * that are not reviews, reviews without parts, and pods whose fields are null, empty or of the
 * wrong type, each in {@code v1} and {@code v1beta1}.
 */
final class AdmissionCorpus {

  private AdmissionCorpus() {}

  static final String ROLE = "\"secrets-store.deckhouse.io/role\":\"app\"";
  static final String REF = "secrets-store:secret/data/db#password";

  static List<String> reviews() {
    List<String> bodies = new ArrayList<>();
    for (String raw :
        List.of(
            "null",
            "true",
            "1",
            "\"review\"",
            "[]",
            "[null]",
            "{}",
            "{\"apiVersion\":\"admission.k8s.io/v1\"}",
            "{\"kind\":\"AdmissionReview\",\"apiVersion\":null}",
            "{\"kind\":\"AdmissionReview\",\"apiVersion\":\"admission.k8s.io/v2\"}",
            "{\"kind\":\"Pod\",\"apiVersion\":\"admission.k8s.io/v1\"}",
            "{\"kind\":[],\"apiVersion\":{}}")) {
      bodies.add(raw);
    }
    List<String> requests = new ArrayList<>();
    requests.add("null");
    requests.add("{}");
    requests.add("[]");
    requests.add("{\"uid\":null}");
    requests.add("{\"uid\":\"u\"}");
    requests.add("{\"uid\":\"u\",\"kind\":null,\"operation\":\"CREATE\"}");
    for (String operation : List.of("CREATE", "UPDATE", "DELETE", "CONNECT", "", "create")) {
      requests.add(request(operation, pod(ROLE, container("\"command\":[\"/a\"]", env(REF)))));
    }
    for (String object : objects()) {
      requests.add(request("CREATE", object));
    }
    for (String request : requests) {
      for (String version : List.of("admission.k8s.io/v1", "admission.k8s.io/v1beta1")) {
        bodies.add(
            "{\"apiVersion\":\""
                + version
                + "\",\"kind\":\"AdmissionReview\",\"request\":"
                + request
                + "}");
      }
    }
    return bodies;
  }

  static String request(String operation, String object) {
    return """
        {"uid":"u-1","kind":{"group":"","version":"v1","kind":"Pod"},
         "resource":{"group":"","version":"v1","resource":"pods"},"namespace":"team-w",
         "operation":"%s","userInfo":{"username":"u"},"object":%s}
        """
        .formatted(operation, object);
  }

  static String pod(String annotations, String... containers) {
    return "{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"name\":\"p\",\"annotations\":{"
        + annotations
        + "}},\"spec\":{\"containers\":["
        + String.join(",", containers)
        + "]}}";
  }

  static String container(String extra, String env) {
    return "{\"name\":\"c\",\"image\":\"app:1\""
        + (extra.isEmpty() ? "" : "," + extra)
        + ",\"env\":"
        + env
        + "}";
  }

  static String env(String value) {
    return "[{\"name\":\"V\",\"value\":\"" + value + "\"}]";
  }

  static List<String> objects() {
    String command = "\"command\":[\"/a\"]";
    List<String> objects = new ArrayList<>();
    objects.add("null");
    objects.add("\"pod\"");
    objects.add("[]");
    objects.add("{}");
    objects.add("{\"apiVersion\":\"v1\",\"kind\":\"Pod\"}");
    objects.add("{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":null,\"spec\":{}}");
    objects.add("{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":\"m\",\"spec\":{}}");
    objects.add(
        "{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"annotations\":{"
            + ROLE
            + "}},\"spec\":null}");
    objects.add(
        "{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"annotations\":{"
            + ROLE
            + "}},\"spec\":{}}");
    objects.add(
        "{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"annotations\":{"
            + ROLE
            + "}},\"spec\":{\"containers\":null}}");
    objects.add(
        "{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"annotations\":{"
            + ROLE
            + "}},\"spec\":{\"containers\":\"c\"}}");
    objects.add(
        "{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"annotations\":null},\"spec\":{\"containers\":[]}}");
    objects.add(
        "{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"annotations\":[]},\"spec\":{\"containers\":[]}}");
    objects.add(pod(ROLE));
    objects.add(pod(ROLE, "null"));
    objects.add(pod(ROLE, "{}"));
    objects.add(pod(ROLE, "[]"));
    objects.add(pod("\"secrets-store.deckhouse.io/role\":null", container(command, env(REF))));
    objects.add(pod("\"secrets-store.deckhouse.io/role\":5", container(command, env(REF))));
    objects.add(pod("\"secrets-store.deckhouse.io/role\":{}", container(command, env(REF))));
    objects.add(pod("\"secrets-store.deckhouse.io/role\":\"\"", container(command, env(REF))));
    objects.add(pod("\"secrets-store.deckhouse.io/role\":\"a b\"", container(command, env(REF))));
    objects.add(pod(ROLE, container(command, "null")));
    objects.add(pod(ROLE, container(command, "[]")));
    objects.add(pod(ROLE, container(command, "[null]")));
    objects.add(pod(ROLE, container(command, "[{}]")));
    objects.add(pod(ROLE, container(command, "[{\"name\":null,\"value\":\"" + REF + "\"}]")));
    objects.add(pod(ROLE, container(command, "[{\"name\":\"V\",\"value\":5}]")));
    objects.add(pod(ROLE, container(command, "[{\"name\":\"V\",\"valueFrom\":{}}]")));
    objects.add(
        pod(ROLE, container(command, "[{\"name\":\"V\",\"valueFrom\":{\"configMapKeyRef\":{}}}]")));
    objects.add(
        pod(ROLE, container(command, "[{\"name\":\"V\",\"valueFrom\":{\"secretKeyRef\":{}}}]")));
    objects.add(
        pod(
            ROLE,
            container(
                command,
                "[{\"name\":\"V\",\"valueFrom\":{\"configMapKeyRef\":{\"name\":\"missing\",\"key\":\"k\"}}}]")));
    objects.add(pod(ROLE, container(command + ",\"envFrom\":[null]", env(REF))));
    objects.add(pod(ROLE, container(command + ",\"envFrom\":[{}]", env(REF))));
    objects.add(
        pod(ROLE, container(command + ",\"envFrom\":[{\"configMapRef\":{}}]", env("plain"))));
    objects.add(
        pod(
            ROLE,
            container(
                command + ",\"envFrom\":[{\"secretRef\":{\"name\":\"missing\"}}]", env("plain"))));
    objects.add(pod(ROLE, container("\"command\":[null]", env(REF))));
    objects.add(pod(ROLE, container("\"command\":[]", env(REF))));
    objects.add(pod(ROLE, container("\"command\":\"/a\"", env(REF))));
    objects.add(pod(ROLE, container(command + ",\"args\":[null]", env(REF))));
    objects.add(pod(ROLE, container(command + ",\"volumeMounts\":[null]", env(REF))));
    objects.add(
        pod(
            ROLE,
            container(command + ",\"livenessProbe\":{\"exec\":{\"command\":null}}", env(REF))));
    objects.add(pod(ROLE, container(command + ",\"livenessProbe\":{\"exec\":null}", env(REF))));
    objects.add(pod(ROLE, container(command, env("secrets-store:"))));
    objects.add(pod(ROLE, container(command, env("secrets-store:#"))));
    objects.add(pod(ROLE, container(command, env("secrets-store:a#b#c#d"))));
    objects.add(pod(ROLE, container(command, env("${secrets-store:"))));
    objects.add(
        pod(ROLE, container(command, env(REF)))
            .replace("\"spec\":{", "\"spec\":{\"initContainers\":[null],"));
    objects.add(
        pod(ROLE, container(command, env(REF)))
            .replace("\"spec\":{", "\"spec\":{\"volumes\":[null],"));
    objects.add(
        pod(ROLE, container(command, env(REF)))
            .replace("\"spec\":{", "\"spec\":{\"imagePullSecrets\":[null],"));
    objects.add(
        pod(ROLE, container(command, env(REF)))
            .replace("\"spec\":{", "\"spec\":{\"nodeSelector\":null,\"serviceAccountName\":\"\","));
    objects.add(
        pod(
            ROLE + ",\"secrets-store.deckhouse.io/skip-mutate-containers\":\"   \"",
            container(command, env(REF))));
    return objects;
  }
}
