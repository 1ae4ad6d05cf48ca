package io.secretsstore.e2e.bench;

import java.util.Map;
import java.util.TreeMap;

/**
 * The benchmark's objects, written as a user writes them: a namespace of its own (so the counts at
 * the store and the API server are the benchmark's), one service account bound to one store role,
 * one 5-file import, pods of each {@link PodVariant} and the burst's Deployment.
 */
final class BenchManifests {

  static final String NAMESPACE = "bench";
  static final String SERVICE_ACCOUNT = "bench";
  static final String ROLE = "bench";
  static final String IMPORT = "bench-files";
  static final int FILES = 5;
  static final String IMAGE = "localhost/secrets-store-e2e/busybox:1";

  /** Store secrets under the suite's prefix (the role's policy reads secret/data/e2e/*). */
  static String fileSecret(int i) {
    return "bench-file-" + i;
  }

  static String envSecret(int i) {
    return "bench-env-" + i;
  }

  /** The line a container prints once its files and env are there (values never printed). */
  static final String STARTED = "bench-started";

  private BenchManifests() {}

  static String namespace() {
    return """
        apiVersion: v1
        kind: Namespace
        metadata:
          name: %s
        ---
        apiVersion: v1
        kind: ServiceAccount
        metadata:
          name: %s
          namespace: %s
        """
        .formatted(NAMESPACE, SERVICE_ACCOUNT, NAMESPACE);
  }

  static String fileImport() {
    StringBuilder files = new StringBuilder();
    for (int i = 1; i <= FILES; i++) {
      files.append(
          """
              - name: file-%d
                source:
                  path: secret/data/e2e/%s
                  key: value
          """
              .formatted(i, fileSecret(i)));
    }
    return """
        apiVersion: deckhouse.io/v1alpha1
        kind: SecretsStoreImport
        metadata:
          name: %s
          namespace: %s
        spec:
          type: CSI
          role: %s
          files:
        %s"""
        .formatted(IMPORT, NAMESPACE, ROLE, files);
  }

  static String pod(String name, PodVariant variant, String phaseLabel) {
    return """
        apiVersion: v1
        kind: Pod
        metadata:
          name: %s
          namespace: %s
        %s
        spec:
        %s"""
        .formatted(
            name,
            NAMESPACE,
            indent(metadata(variant, "bench-phase", phaseLabel, Map.of()), 2),
            indent(spec(variant), 2));
  }

  /** A Deployment of {@code variant} pods with 0 replicas; the burst scales it at once. */
  static String deployment(String name, PodVariant variant) {
    return deployment(name, variant, Map.of());
  }

  /** The same with {@code extra} injection annotations (short names, the module's prefix added). */
  static String deployment(String name, PodVariant variant, Map<String, String> extra) {
    return """
        apiVersion: apps/v1
        kind: Deployment
        metadata:
          name: %s
          namespace: %s
        spec:
          replicas: 0
          selector:
            matchLabels:
              bench-burst: %s
          template:
            metadata:
        %s
            spec:
        %s"""
        .formatted(
            name,
            NAMESPACE,
            name,
            indent(metadata(variant, "bench-burst", name, extra), 6),
            indent(spec(variant), 6));
  }

  private static String metadata(
      PodVariant variant, String labelKey, String labelValue, Map<String, String> extra) {
    StringBuilder annotations = new StringBuilder();
    if (variant.env()) {
      annotations.append("annotations:\n  secrets-store.deckhouse.io/role: ").append(ROLE);
      annotations.append('\n');
      new TreeMap<>(extra)
          .forEach(
              (key, value) ->
                  annotations
                      .append("  secrets-store.deckhouse.io/")
                      .append(key)
                      .append(": \"")
                      .append(value)
                      .append("\"\n"));
    }
    return "labels:\n  bench-variant: "
        + variant.label()
        + "\n  "
        + labelKey
        + ": "
        + labelValue
        + "\n"
        + annotations;
  }

  private static String spec(PodVariant variant) {
    StringBuilder check = new StringBuilder();
    if (variant.files()) {
      check.append("[ -s /mnt/secrets/file-").append(FILES).append(" ] && ");
    }
    if (variant.env()) {
      // Set and resolved: a value still naming the reference means the pod was not injected.
      check.append("[ -n \\\"$F").append(FILES).append("\\\" ] && ");
      check
          .append("[ \\\"${F")
          .append(FILES)
          .append("#secrets-store:}\\\" = \\\"$F")
          .append(FILES)
          .append("\\\" ] && ");
    }
    StringBuilder spec = new StringBuilder();
    spec.append("serviceAccountName: ").append(SERVICE_ACCOUNT).append('\n');
    spec.append("terminationGracePeriodSeconds: 0\n");
    spec.append("enableServiceLinks: false\n");
    spec.append("containers:\n");
    spec.append("- name: app\n");
    spec.append("  image: ").append(IMAGE).append('\n');
    // Prints one line once what it needs is there, then sleeps; never prints a value.
    spec.append("  command: [\"sh\", \"-c\", \"")
        .append(check)
        .append("echo ")
        .append(STARTED)
        .append("; exec sleep 36000\"]\n");
    if (variant.env()) {
      spec.append("  env:\n");
      for (int i = 1; i <= FILES; i++) {
        spec.append("  - name: F").append(i).append('\n');
        spec.append("    value: secrets-store:secret/data/e2e/")
            .append(envSecret(i))
            .append("#value\n");
      }
    }
    if (variant.files()) {
      spec.append("  volumeMounts:\n  - name: secrets\n    mountPath: /mnt/secrets\n");
      spec.append("volumes:\n- name: secrets\n  csi:\n");
      spec.append("    driver: secrets-store.csi.deckhouse.io\n    readOnly: true\n");
      spec.append("    volumeAttributes:\n      secretsStoreImport: ").append(IMPORT).append('\n');
    }
    return spec.toString();
  }

  private static String indent(String text, int spaces) {
    String pad = " ".repeat(spaces);
    return text.lines().map(line -> pad + line).collect(java.util.stream.Collectors.joining("\n"))
        + "\n";
  }
}
