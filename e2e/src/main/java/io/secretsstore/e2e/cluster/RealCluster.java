package io.secretsstore.e2e.cluster;

import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The real single-node Kubernetes of {@code tools/cluster/cluster.sh}: etcd, kube-apiserver,
 * kube-controller-manager, kube-scheduler, containerd and the kubelet, all on loopback, state under
 * one directory. Started by {@link #up}, stopped (leaving nothing behind) by {@link #close}; a JVM
 * shutdown hook stops it too, so Ctrl-C or a failing test never leaves mounts or processes.
 */
public final class RealCluster implements AutoCloseable {

  private static final Duration START_TIMEOUT = Duration.ofMinutes(40);

  /**
   * Only one full cluster can run on a machine (the kubelet owns cgroups, sysctls and iptables
   * chains): whoever runs one holds this lock for its lifetime, and a second suite, sandbox or
   * benchmark waits for it instead of breaking both. The kernel releases it if the JVM dies.
   */
  private static final Path MACHINE_LOCK = Path.of("/var/tmp/secrets-store-e2e-cluster.lock");

  private final RepoLayout repo;
  private final Path dir;
  private final Map<String, String> settings;
  private final Thread shutdownHook;
  private volatile boolean closed;
  private KubernetesClient client;
  private final FileChannel machineLock;

  private RealCluster(
      RepoLayout repo, Path dir, Map<String, String> settings, FileChannel machineLock) {
    this.repo = repo;
    this.dir = dir;
    this.settings = settings;
    this.machineLock = machineLock;
    this.shutdownHook = new Thread(this::down, "cluster-down");
    Runtime.getRuntime().addShutdownHook(shutdownHook);
  }

  /**
   * Starts a cluster in {@code dir} (the binaries are built first when the cache lacks them, which
   * takes many minutes the first time).
   */
  public static RealCluster up(RepoLayout repo, Path dir, boolean controlPlaneOnly) {
    FileChannel lock = controlPlaneOnly ? null : lockMachine();
    List<String> command = new ArrayList<>(List.of(script(repo), "up"));
    if (controlPlaneOnly) {
      command.add("--control-plane-only");
    }
    // Interrupted while starting (Ctrl-C in the sandbox, a killed build): the start script would
    // go on without us and leave a half-started cluster, so stop it and tear down what it made.
    Thread interruptedStart =
        new Thread(
            () -> {
              ProcessHandle.current().descendants().forEach(ProcessHandle::destroyForcibly);
              runDown(repo, dir);
            },
            "cluster-start-interrupted");
    Runtime.getRuntime().addShutdownHook(interruptedStart);
    Command.Result result;
    try {
      result = Command.run(command, Map.of("CLUSTER_DIR", dir.toString()), START_TIMEOUT);
    } finally {
      try {
        Runtime.getRuntime().removeShutdownHook(interruptedStart);
      } catch (IllegalStateException shuttingDown) {
        // The hook is running: it tears down.
      }
    }
    if (!result.ok()) {
      release(lock);
      throw new IllegalStateException(
          "the e2e cluster did not start (" + String.join(" ", command) + "):\n" + result.stderr());
    }
    return new RealCluster(repo, dir, readSettings(dir.resolve("cluster.env")), lock);
  }

  private static FileChannel lockMachine() {
    try {
      FileChannel channel =
          FileChannel.open(MACHINE_LOCK, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
      if (channel.tryLock() == null) {
        System.err.println(
            "cluster: another full cluster runs on this machine (lock "
                + MACHINE_LOCK
                + "); waiting for it to stop");
        channel.lock();
      }
      return channel;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot lock " + MACHINE_LOCK, e);
    }
  }

  private static void release(FileChannel lock) {
    if (lock != null) {
      try {
        lock.close();
      } catch (IOException ignored) {
        // the lock goes with the channel
      }
    }
  }

  /** {@code cluster.sh down}: stops whatever runs in {@code dir} and leaves nothing behind. */
  private static Command.Result runDown(RepoLayout repo, Path dir) {
    return Command.run(
        List.of(script(repo), "down"),
        Map.of("CLUSTER_DIR", dir.toString()),
        Duration.ofMinutes(5));
  }

  private static String script(RepoLayout repo) {
    return repo.tool("cluster/cluster.sh").toString();
  }

  private static Map<String, String> readSettings(Path file) {
    try {
      Map<String, String> settings = new LinkedHashMap<>();
      for (String line : Files.readAllLines(file)) {
        int eq = line.indexOf('=');
        if (eq > 0) {
          settings.put(line.substring(0, eq), line.substring(eq + 1));
        }
      }
      return settings;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + file, e);
    }
  }

  public Path dir() {
    return dir;
  }

  public Path kubeconfig() {
    return Path.of(settings.get("KUBECONFIG"));
  }

  public String apiServerUrl() {
    return "https://127.0.0.1:" + settings.get("API_PORT");
  }

  public Path caCertificate() {
    return dir.resolve("pki/ca.crt");
  }

  public String caCertificatePem() {
    try {
      return Files.readString(caCertificate());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The audience of tokens the API server accepts (its {@code --api-audiences}). */
  public String apiAudience() {
    return settings.get("API_AUDIENCE");
  }

  public String nodeName() {
    return settings.get("CLUSTER_NODE_NAME");
  }

  public Path kubeletRoot() {
    return Path.of(settings.get("KUBELET_ROOT"));
  }

  public Path binary(String name) {
    return Path.of(settings.get("BIN")).resolve(name);
  }

  /** A fabric8 client with the cluster admin's credentials. */
  public synchronized KubernetesClient client() {
    if (client == null) {
      try {
        Config config = Config.fromKubeconfig(Files.readString(kubeconfig()));
        config.setRequestTimeout(30_000);
        client = new KubernetesClientBuilder().withConfig(config).build();
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    return client;
  }

  /** Runs the cluster's own kubectl as the admin. */
  public Command.Result kubectl(String... args) {
    List<String> command = new ArrayList<>(List.of(binary("kubectl").toString()));
    command.addAll(List.of(args));
    return Command.run(
        command, Map.of("KUBECONFIG", kubeconfig().toString()), Duration.ofMinutes(3));
  }

  /**
   * Imports image tarballs (OCI layout or docker archive, e.g. Jib's) into the node's containerd.
   */
  public void loadImages(List<Path> tarballs) {
    List<String> command = new ArrayList<>(List.of(script(repo), "load-image"));
    tarballs.forEach(tar -> command.add(tar.toString()));
    Command.run(command, Map.of("CLUSTER_DIR", dir.toString()), Duration.ofMinutes(10)).orThrow();
  }

  /** Imports an OCI layout tarball whose tags get the image name {@code name} (no tag). */
  public void loadImage(Path tarball, String name) {
    Command.run(
            List.of(script(repo), "load-image", "--name", name, tarball.toString()),
            Map.of("CLUSTER_DIR", dir.toString()),
            Duration.ofMinutes(5))
        .orThrow();
  }

  /** Stops the cluster and cleans up; idempotent. */
  @Override
  public void close() {
    down();
    try {
      Runtime.getRuntime().removeShutdownHook(shutdownHook);
    } catch (IllegalStateException shuttingDown) {
      // Already running the hooks: nothing to remove.
    }
  }

  private synchronized void down() {
    if (closed) {
      return;
    }
    closed = true;
    if (client != null) {
      client.close();
    }
    Command.Result result = runDown(repo, dir);
    if (!result.ok()) {
      System.err.println("cluster: stopping failed:\n" + result.stderr());
    }
    release(machineLock);
  }
}
