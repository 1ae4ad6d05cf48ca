package io.secretsstore.helm;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/** The objects {@code helm template} rendered, typed by fabric8 (unknown kinds stay generic). */
final class RenderedChart {

  static final KubernetesSerialization SERIALIZATION = new KubernetesSerialization();

  final String yaml;
  final List<HasMetadata> objects;

  private RenderedChart(String yaml, List<HasMetadata> objects) {
    this.yaml = yaml;
    this.objects = objects;
  }

  static RenderedChart render(Profile profile, String... sets) {
    return render(List.of(profile.file()), sets);
  }

  static RenderedChart render(List<Path> values, String... sets) {
    Helm.Result result = Helm.template(values, List.of(sets));
    if (!result.ok()) {
      throw new AssertionError("helm template failed: " + result.stderr());
    }
    return parse(result.stdout());
  }

  static RenderedChart parse(String yaml) {
    List<HasMetadata> objects = new ArrayList<>();
    for (String doc : yaml.split("(?m)^---\\s*$")) {
      if (doc.lines().allMatch(l -> l.isBlank() || l.stripLeading().startsWith("#"))) {
        continue;
      }
      objects.add(SERIALIZATION.unmarshal(doc, HasMetadata.class));
    }
    return new RenderedChart(yaml, objects);
  }

  Stream<HasMetadata> ofKind(String kind) {
    return objects.stream().filter(o -> o.getKind().equals(kind));
  }

  <T extends HasMetadata> List<T> all(Class<T> type) {
    return objects.stream().filter(type::isInstance).map(type::cast).toList();
  }

  <T extends HasMetadata> T get(Class<T> type, String name) {
    return all(type).stream()
        .filter(o -> o.getMetadata().getName().equals(name))
        .findFirst()
        .orElseThrow(() -> new AssertionError("no " + type.getSimpleName() + " " + name));
  }

  boolean has(String kind, String name) {
    return ofKind(kind).anyMatch(o -> o.getMetadata().getName().equals(name));
  }

  /** Pod templates of every workload, by workload name. */
  Map<String, PodTemplateSpec> podTemplates() {
    Map<String, PodTemplateSpec> templates = new java.util.TreeMap<>();
    all(DaemonSet.class)
        .forEach(d -> templates.put(d.getMetadata().getName(), d.getSpec().getTemplate()));
    all(Deployment.class)
        .forEach(d -> templates.put(d.getMetadata().getName(), d.getSpec().getTemplate()));
    return templates;
  }

  PodSpec pod(String workload) {
    PodTemplateSpec template = podTemplates().get(workload);
    if (template == null) {
      throw new AssertionError("no workload " + workload);
    }
    return template.getSpec();
  }

  Container container(String workload, String container) {
    return pod(workload).getContainers().stream()
        .filter(c -> c.getName().equals(container))
        .findFirst()
        .orElseThrow(() -> new AssertionError("no container " + container + " in " + workload));
  }

  /** The application.yaml a component's ConfigMap carries, parsed. */
  @SuppressWarnings("unchecked")
  Map<String, Object> applicationYaml(String configMap) {
    ConfigMap map = get(ConfigMap.class, configMap);
    return SERIALIZATION.unmarshal(map.getData().get("application.yaml"), Map.class);
  }

  /** A value in nested maps by a dot-separated path whose keys contain no dots. */
  @SuppressWarnings("unchecked")
  static Object at(Map<String, Object> tree, String path) {
    Object node = tree;
    for (String key : path.split("\\.")) {
      if (!(node instanceof Map<?, ?> map) || !map.containsKey(key)) {
        throw new AssertionError("no " + path + " (missing " + key + ") in " + tree);
      }
      node = ((Map<String, Object>) map).get(key);
    }
    return node;
  }

  static String str(Map<String, Object> tree, String path) {
    return String.valueOf(at(tree, path));
  }
}
