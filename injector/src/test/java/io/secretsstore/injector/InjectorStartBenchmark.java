package io.secretsstore.injector;

import static org.assertj.core.api.Assertions.assertThat;

import io.secretsstore.testkit.KubernetesApiMock;
import io.secretsstore.testkit.OpenBaoServer;
import io.secretsstore.testkit.ServiceAccountTokens;
import io.secretsstore.testkit.SharedStore;
import io.secretsstore.testkit.StoreAdmin;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Time from starting the injector to the application running, against baselines measured in the
 * same run: spawning the application directly, and starting the same JVM and jar without doing
 * anything ({@code --version}). Prints numbers and ratios; asserts only that the runs worked. Run
 * with {@code ./dev.sh bench injector}.
 */
class InjectorStartBenchmark {

  static final int RUNS = 15;

  @Test
  void timeToExecAgainstTheProcessAndJvmFloors() throws Exception {
    OpenBaoServer store = SharedStore.store();
    KubernetesApiMock kubernetes = SharedStore.kubernetes();
    StoreAdmin admin = store.admin();
    String prefix = SharedStore.unique("bench");
    String auth = SharedStore.unique("kube");
    admin.enableKubernetesAuth(auth, kubernetes.url());
    admin.writePolicy(prefix, List.of("secret/data/" + prefix + "/*"), "read");
    admin.createKubernetesRole(
        auth, "app", List.of("app"), List.of("team"), List.of(prefix), Duration.ofHours(1), null);
    admin.putKv2("secret", prefix + "/db", Map.of("user", "u", "password", "p"));
    admin.putKv2("secret", prefix + "/api", Map.of("token", "t"));
    Path token = Files.createTempFile("bench", ".jwt");
    Files.writeString(
        token,
        kubernetes
            .tokens()
            .mint(
                "team",
                "app",
                List.of(ServiceAccountTokens.DEFAULT_AUDIENCE),
                Duration.ofHours(1)));
    Map<String, String> env = new HashMap<>();
    env.put("VAULT_ADDR", store.address());
    env.put("VAULT_ROLE", "app");
    env.put("VAULT_PATH", auth);
    env.put("VAULT_TOKEN_PATH", token.toString());
    env.put("DB_USER", "secrets-store:secret/data/" + prefix + "/db#user");
    env.put("DB_PASSWORD", "secrets-store:secret/data/" + prefix + "/db#password");
    env.put("API_TOKEN", "secrets-store:secret/data/" + prefix + "/api#token");

    double[] direct = new double[RUNS];
    double[] jvm = new double[RUNS];
    double[] injector = new double[RUNS];
    for (int i = 0; i < RUNS; i++) {
      long started = System.nanoTime();
      Process process = new ProcessBuilder("/bin/true").start();
      assertThat(process.waitFor()).isZero();
      direct[i] = (System.nanoTime() - started) / 1e6;

      started = System.nanoTime();
      assertThat(InjectorProcess.run(Map.of(), "--version").exitCode()).isZero();
      jvm[i] = (System.nanoTime() - started) / 1e6;

      started = System.nanoTime();
      var result = InjectorProcess.run(env, "/bin/true");
      assertThat(result.exitCode()).as(result.stderr()).isZero();
      injector[i] = (System.nanoTime() - started) / 1e6;
    }
    Arrays.sort(direct);
    Arrays.sort(jvm);
    Arrays.sort(injector);
    System.out.printf(
        "%nInjector start benchmark: %d runs, 3 references from 2 paths, local OpenBao%n", RUNS);
    System.out.printf(
        "  spawn /bin/true directly            p50 %7.1f ms  max %7.1f ms%n",
        direct[RUNS / 2], direct[RUNS - 1]);
    System.out.printf(
        "  java -jar injector.jar --version    p50 %7.1f ms  max %7.1f ms%n",
        jvm[RUNS / 2], jvm[RUNS - 1]);
    System.out.printf(
        "  injector: login, 2 reads, execve    p50 %7.1f ms  max %7.1f ms%n",
        injector[RUNS / 2], injector[RUNS - 1]);
    System.out.printf(
        "  injector / JVM floor: %.2fx; injector work beyond JVM start: %.1f ms; jar %d KiB%n%n",
        injector[RUNS / 2] / jvm[RUNS / 2],
        injector[RUNS / 2] - jvm[RUNS / 2],
        Files.size(InjectorProcess.jar()) / 1024);
  }
}
