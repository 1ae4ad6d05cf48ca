package io.secretsstore.helm;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One service started from its jar with exactly what the chart rendered for its container: the
 * rendered args and env (downward-API fields from stand-in values), and every volume as a temp
 * directory (ConfigMaps written out, hostPaths shared between pods by host path, Secrets from a
 * supplier). The only change is the path: each mount path is replaced by its temp directory in
 * args, env and the mounted files, since the process runs on this machine, not in a container.
 * KUBECONFIG stands in for the in-cluster service account.
 */
final class RenderedService implements AutoCloseable {

  final String name;
  final Map<String, Path> mounts = new LinkedHashMap<>();
  final Path log;
  private final Process process;

  private RenderedService(String name, Map<String, Path> mounts, Path log, Process process) {
    this.name = name;
    this.mounts.putAll(mounts);
    this.log = log;
    this.process = process;
  }

  /**
   * @param hostPaths shared temp directories by host path (so the driver and the provider meet)
   * @param secrets the files of a Secret volume, by Secret name
   */
  static RenderedService start(
      RenderedChart chart,
      String workload,
      Path jar,
      Path workDir,
      Map<String, Path> hostPaths,
      Function<String, Map<String, String>> secrets,
      Map<String, String> fieldRefs,
      Path kubeconfig)
      throws IOException {
    return start(
        chart, workload, jar, workDir, hostPaths, secrets, fieldRefs, kubeconfig, List.of());
  }

  /**
   * @param extraJvmFlags added after the image's flags (e.g. Native Memory Tracking for a
   *     benchmark)
   */
  static RenderedService start(
      RenderedChart chart,
      String workload,
      Path jar,
      Path workDir,
      Map<String, Path> hostPaths,
      Function<String, Map<String, String>> secrets,
      Map<String, String> fieldRefs,
      Path kubeconfig,
      List<String> extraJvmFlags)
      throws IOException {
    return start(
        chart,
        workload,
        jar,
        jar,
        workDir,
        hostPaths,
        secrets,
        fieldRefs,
        kubeconfig,
        extraJvmFlags);
  }

  /**
   * @param launch the jar given to {@code -jar}: {@code jar} itself, or its extracted form (a thin
   *     jar whose manifest names its libraries, which a JDK AOT cache needs); the image's flags are
   *     always those of {@code jar}'s module
   */
  static RenderedService start(
      RenderedChart chart,
      String workload,
      Path jar,
      Path launch,
      Path workDir,
      Map<String, Path> hostPaths,
      Function<String, Map<String, String>> secrets,
      Map<String, String> fieldRefs,
      Path kubeconfig,
      List<String> extraJvmFlags)
      throws IOException {
    PodSpec pod = chart.pod(workload);
    Container container = pod.getContainers().getFirst();
    Map<String, Path> mounts = new LinkedHashMap<>();
    for (VolumeMount mount : container.getVolumeMounts()) {
      Volume volume =
          pod.getVolumes().stream()
              .filter(v -> v.getName().equals(mount.getName()))
              .findFirst()
              .orElseThrow();
      Path dir;
      if (volume.getHostPath() != null) {
        dir =
            hostPaths.computeIfAbsent(
                volume.getHostPath().getPath(), p -> mkdirs(workDir.resolve("h" + p)));
      } else {
        dir = mkdirs(workDir.resolve(workload).resolve(mount.getName()));
      }
      mounts.put(mount.getMountPath(), dir);
      if (volume.getConfigMap() != null) {
        ConfigMap map = chart.get(ConfigMap.class, volume.getConfigMap().getName());
        for (var file : map.getData().entrySet()) {
          Files.writeString(dir.resolve(file.getKey()), file.getValue());
        }
      } else if (volume.getSecret() != null) {
        for (var file : secrets.apply(volume.getSecret().getSecretName()).entrySet()) {
          Files.writeString(dir.resolve(file.getKey()), file.getValue());
        }
      }
    }
    // The mounted files name container paths too (application.yaml): same substitution.
    for (var entry : mounts.entrySet()) {
      if (!entry.getKey().startsWith("/etc/secrets-store/config")) {
        continue;
      }
      try (var files = Files.list(entry.getValue())) {
        for (Path file : files.toList()) {
          Files.writeString(file, substitute(Files.readString(file), mounts));
        }
      }
    }

    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    // The image's JVM flags (Jib), with the container's memory limit as the JVM's RAM.
    command.addAll(imageJvmFlags(jar));
    command.addAll(extraJvmFlags);
    Quantity limit = container.getResources().getLimits().get("memory");
    command.add("-XX:MaxRAM=" + Quantity.getAmountInBytes(limit).toBigInteger());
    command.add("-jar");
    command.add(launch.toString());
    for (String arg : container.getArgs()) {
      command.add(substitute(arg, mounts));
    }
    ProcessBuilder builder = new ProcessBuilder(command);
    Map<String, String> env = builder.environment();
    env.clear();
    env.put("PATH", "/usr/bin:/bin");
    env.put("KUBECONFIG", kubeconfig.toString());
    for (EnvVar var : container.getEnv()) {
      if (var.getValueFrom() != null && var.getValueFrom().getFieldRef() != null) {
        String field = var.getValueFrom().getFieldRef().getFieldPath();
        String value = fieldRefs.get(field);
        if (value == null) {
          throw new IllegalStateException(workload + ": no stand-in for fieldRef " + field);
        }
        env.put(var.getName(), value);
      } else if (var.getValueFrom() != null) {
        throw new IllegalStateException(workload + ": unsupported env source for " + var.getName());
      } else {
        env.put(var.getName(), substitute(var.getValue(), mounts));
      }
    }
    Path log = workDir.resolve(workload + ".log");
    Process process =
        builder
            .directory(workDir.toFile())
            .redirectErrorStream(true)
            .redirectOutput(log.toFile())
            .start();
    return new RenderedService(workload, mounts, log, process);
  }

  /**
   * The {@code <jvmFlag>}s Jib puts into the entrypoint of the image of the module that built
   * {@code jar} ({@code <module>/target/<jar>}): the module's own list if its pom has one (the node
   * daemons), else the root pom's.
   */
  static List<String> imageJvmFlags(Path jar) throws IOException {
    Path modulePom = jar.toAbsolutePath().getParent().getParent().resolve("pom.xml");
    if (Files.exists(modulePom) && Files.readString(modulePom).contains("<jvmFlag>")) {
      return jvmFlags(Files.readString(modulePom));
    }
    return imageJvmFlags();
  }

  /**
   * The {@code <jvmFlag>}s of the root pom (every service image unless its module sets its own).
   */
  static List<String> imageJvmFlags() throws IOException {
    return jvmFlags(Files.readString(Helm.projectRoot().resolve("pom.xml")));
  }

  private static List<String> jvmFlags(String pom) {
    List<String> flags = new ArrayList<>();
    Matcher m = Pattern.compile("<jvmFlag>([^<]+)</jvmFlag>").matcher(pom);
    while (m.find()) {
      String flag = m.group(1).strip();
      // The node daemons' images add their AOT cache (a file inside the image, trained on the
      // image's runtime and class path): meaningless for a jar started on this machine.
      if (!flag.startsWith("-XX:AOTCache=")) {
        flags.add(flag);
      }
    }
    if (flags.isEmpty()) {
      throw new IllegalStateException("no <jvmFlag> in the root pom");
    }
    return flags;
  }

  /** SIGTERM, then waits for the exit (a JVM writes its AOT cache on the way out). */
  int terminate() throws InterruptedException {
    process.destroy();
    if (!process.waitFor(180, java.util.concurrent.TimeUnit.SECONDS)) {
      process.destroyForcibly().waitFor();
    }
    return process.exitValue();
  }

  long pid() {
    return process.pid();
  }

  /** Resident memory of the process now, in MiB (VmRSS). */
  long rssMiB() throws IOException {
    for (String line :
        Files.readAllLines(Path.of("/proc", String.valueOf(process.pid()), "status"))) {
      if (line.startsWith("VmRSS:")) {
        return Long.parseLong(line.replaceAll("[^0-9]", "")) / 1024;
      }
    }
    throw new IllegalStateException("no VmRSS for " + name);
  }

  /** The temp directory standing in for a container path. */
  Path path(String containerPath) {
    return Path.of(substitute(containerPath, mounts));
  }

  /**
   * Waits until {@code condition} holds, checking every {@code pollEvery}; the 4-minute bound is
   * for a hung run on a loaded machine, not a timing check. Failure shows the service's log.
   */
  void await(BooleanSupplier condition, Duration pollEvery) {
    Instant deadline = Instant.now().plus(Duration.ofMinutes(4));
    while (!condition.getAsBoolean()) {
      if (!alive()) {
        throw new AssertionError(name + " exited:\n" + logText());
      }
      if (Instant.now().isAfter(deadline)) {
        throw new AssertionError(name + " did not get there:\n" + logText());
      }
      try {
        Thread.sleep(pollEvery);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError(e);
      }
    }
  }

  /** A kubeconfig for a service run as a pod's service account against the mock API server. */
  static Path writeMockKubeconfig(Path file, String apiServerUrl, String namespace)
      throws IOException {
    Files.writeString(
        file,
        """
        apiVersion: v1
        kind: Config
        clusters: [{name: mock, cluster: {server: "%s"}}]
        users: [{name: sa, user: {token: service-account-token}}]
        contexts: [{name: in-cluster, context: {cluster: mock, user: sa, namespace: %s}}]
        current-context: in-cluster
        """
            .formatted(apiServerUrl, namespace));
    return file;
  }

  boolean alive() {
    return process.isAlive();
  }

  String logText() {
    try {
      return Files.readString(log);
    } catch (IOException e) {
      return "(no log: " + e.getMessage() + ")";
    }
  }

  @Override
  public void close() {
    process.destroy();
    try {
      if (!process.waitFor(20, java.util.concurrent.TimeUnit.SECONDS)) {
        process.destroyForcibly().waitFor();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      process.destroyForcibly();
    }
  }

  /**
   * Replaces every mount path by its directory, in one pass (a replacement is never replaced
   * again), longest first, whole path segments only.
   */
  static String substitute(String text, Map<String, Path> mounts) {
    if (mounts.isEmpty()) {
      return text;
    }
    List<String> paths = new ArrayList<>(mounts.keySet());
    paths.sort(Comparator.comparingInt(String::length).reversed());
    String alternatives = String.join("|", paths.stream().map(Pattern::quote).toList());
    Pattern pattern =
        Pattern.compile(
            "(?<=^|[\\s\"'=:]|://)(" + alternatives + ")(?=/|$|[\\s\"'])", Pattern.MULTILINE);
    Matcher m = pattern.matcher(text);
    StringBuilder out = new StringBuilder();
    while (m.find()) {
      m.appendReplacement(out, Matcher.quoteReplacement(mounts.get(m.group(1)).toString()));
    }
    m.appendTail(out);
    return out.toString();
  }

  private static Path mkdirs(Path dir) {
    try {
      return Files.createDirectories(dir);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }
}
