package io.secretsstore.e2e.sandbox;

import io.secretsstore.e2e.InstalledSystem;
import io.secretsstore.e2e.cluster.Command;
import io.secretsstore.e2e.cluster.RepoLayout;
import io.secretsstore.e2e.store.SeedStore;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CountDownLatch;

/**
 * {@code ./dev.sh run}: the whole system on a real Kubernetes, driven through the module's own
 * examples. Starts the cluster and a store set up like the module's test store, installs our chart
 * with helm, applies the example import and pods, prints what each pod prints, changes the secret
 * and shows the mounted file rotate, shows the import's status, then tears everything down. {@code
 * --keep-running} leaves it up (until Ctrl-C) and prints how to use it.
 */
public final class Sandbox {

  private static final List<String> EXAMPLES =
      List.of("myapp-ssi.yaml", "myapp1.yaml", "myapp2.yaml", "myapp3.yaml");

  private final InstalledSystem system;
  private final Progress progress;

  private Sandbox(InstalledSystem system, Progress progress) {
    this.system = system;
    this.progress = progress;
  }

  public static void main(String[] args) throws Exception {
    boolean keepRunning = List.of(args).contains("--keep-running");
    Progress progress = Progress.console();
    RepoLayout repo = RepoLayout.find();
    Path workDir = Path.of(System.getProperty("sandbox.dir", "/var/tmp/secrets-store-sandbox"));
    Instant started = Instant.now();
    try (InstalledSystem system = InstalledSystem.start(repo, workDir, progress)) {
      Sandbox sandbox = new Sandbox(system, progress);
      sandbox.runExamples();
      sandbox.rotate();
      sandbox.showStatus();
      System.err.printf(
          "%nAll three examples ran and the file rotated (%d s since start).%n",
          Duration.between(started, Instant.now()).toSeconds());
      if (keepRunning) {
        sandbox.printUsage();
        new CountDownLatch(1).await(); // until Ctrl-C; the shutdown hooks tear down
      }
      progress.step("tearing everything down");
    }
    deleteTree(workDir); // the store's files, the examples, the values: nothing is mounted any more
    progress.note("nothing left behind");
  }

  private static void deleteTree(Path dir) throws java.io.IOException {
    if (!java.nio.file.Files.exists(dir)) {
      return;
    }
    try (var paths = java.nio.file.Files.walk(dir)) {
      for (Path path : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
        java.nio.file.Files.delete(path);
      }
    }
  }

  private void runExamples() {
    Path examples = writeExamples();
    for (String example : EXAMPLES) {
      progress.run(
          "kubectl apply -f " + example,
          () -> {
            system.kubectl("apply", "-f", examples.resolve(example).toString()).orThrow();
          });
    }
    for (String pod : List.of("myapp1", "myapp2", "myapp3")) {
      progress.run(
          "waiting for pod " + pod + " to run",
          () -> {
            system
                .kubectl(
                    "-n",
                    SeedStore.NAMESPACE,
                    "wait",
                    "--for=condition=Ready",
                    "pod/" + pod,
                    "--timeout=180s")
                .orThrow();
          });
    }
    printLogs("myapp1", "printenv: every key of secret/data/myapp (env-from-path)", "DB_");
    printLogs("myapp2", "printenv: DB_USER and DB_PASS from secrets-store: references", "DB_");
    printLogs("myapp3", "cat /mnt/secrets/db-password (CSI volume)", "");
  }

  private void rotate() {
    progress.run(
        "changing DB_PASS in the store (bao kv put secret/myapp ...)",
        () -> {
          system.store().updateMyApp(SeedStore.DB_USER, "rotated-password");
        });
    progress.run(
        "waiting for the mounted file to rotate (the chart's rotation interval here: 15 s)",
        () -> {
          Instant deadline = Instant.now().plus(Duration.ofMinutes(3));
          while (Instant.now().isBefore(deadline)) {
            Command.Result cat =
                system.kubectl(
                    "-n",
                    SeedStore.NAMESPACE,
                    "exec",
                    "myapp3",
                    "--",
                    "cat",
                    "/mnt/secrets/db-password");
            if (cat.ok() && cat.stdout().strip().equals("rotated-password")) {
              return;
            }
            sleep(Duration.ofSeconds(2));
          }
          throw new IllegalStateException("the mounted file did not rotate within 3 minutes");
        });
    printLogs("myapp3", "the same pod, still running, now prints the new value", "");
    Command.Result files =
        system.kubectl(
            "-n", SeedStore.NAMESPACE, "exec", "myapp3", "--", "ls", "-la", "/mnt/secrets");
    System.out.println("\n$ kubectl -n my-namespace exec myapp3 -- ls -la /mnt/secrets");
    System.out.print(files.stdout());
  }

  private void showStatus() {
    System.out.println("\n$ kubectl -n my-namespace get ssi");
    System.out.print(system.kubectl("-n", SeedStore.NAMESPACE, "get", "ssi").stdout());
    System.out.println("\n$ kubectl -n my-namespace get ssi myapp-ssi -o jsonpath='{.status}'");
    System.out.println(
        system
            .kubectl(
                "-n", SeedStore.NAMESPACE, "get", "ssi", "myapp-ssi", "-o", "jsonpath={.status}")
            .stdout());
  }

  private void printLogs(String pod, String what, String filter) {
    Command.Result logs = system.kubectl("-n", SeedStore.NAMESPACE, "logs", pod, "--tail=40");
    System.out.println("\n$ kubectl -n my-namespace logs " + pod + "    # " + what);
    logs.stdout()
        .lines()
        .filter(line -> filter.isEmpty() || line.startsWith(filter))
        .distinct()
        .limit(10)
        .forEach(System.out::println);
  }

  private void printUsage() {
    Path kubeconfig = system.cluster().kubeconfig();
    System.out.printf(
        """

        The sandbox keeps running. In another shell:
          export KUBECONFIG=%s
          export PATH=%s:$PATH        # this cluster's kubectl (v1.34)
          kubectl -n my-namespace get pods,ssi
          kubectl apply -f my-pod.yaml
        The store (OpenBao):
          export VAULT_ADDR=%s   # through the gate the chart uses; CA: %s
          export VAULT_TOKEN=%s
          export VAULT_CACERT=%s
        Press Ctrl-C here to tear everything down.
        """,
        kubeconfig,
        system.cluster().binary("kubectl").getParent(),
        system.gate().address(),
        "VAULT_CACERT below",
        system.store().rootToken(),
        writeStoreCa());
  }

  private Path writeStoreCa() {
    try {
      Path file = system.workDir().resolve("store-ca.pem");
      Files.writeString(file, system.store().caPem());
      return file;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private Path writeExamples() {
    try {
      Path dir = Files.createDirectories(system.workDir().resolve("examples"));
      for (String example : EXAMPLES) {
        try (InputStream in = Sandbox.class.getResourceAsStream("/seeds/" + example)) {
          Files.writeString(
              dir.resolve(example), new String(in.readAllBytes(), StandardCharsets.UTF_8));
        }
      }
      return dir;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static void sleep(Duration duration) {
    try {
      Thread.sleep(duration);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }
}
