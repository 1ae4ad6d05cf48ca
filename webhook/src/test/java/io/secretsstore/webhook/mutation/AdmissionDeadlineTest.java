package io.secretsstore.webhook.mutation;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.Pod;
import io.secretsstore.webhook.config.WebhookProperties;
import io.secretsstore.webhook.envsource.EnvSources;
import io.secretsstore.webhook.registry.ImageCommands;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * Everything one admission reads runs at once under one deadline. Proven by structure, not by
 * clocks: each lookup waits until all of them have started, which only a parallel run survives (a
 * serial one would hit the deadline and deny); a lookup that never answers is cut off at the
 * deadline, interrupted, and named in the denial.
 */
class AdmissionDeadlineTest {

  static final String NS = "team-w";
  static final String REF = "secrets-store:secret/data/db#password";

  static WebhookProperties properties(Duration admissionTimeout) {
    return new WebhookProperties(
        "registry.example.com/injector:1.0",
        "IfNotPresent",
        "/secrets-store",
        "secrets-store",
        Duration.ofMinutes(10),
        List.of(),
        Duration.ofSeconds(2),
        new WebhookProperties.Connection(
            "https://stronghold.internal:8200", "kubernetes", "", "", false),
        "copy",
        admissionTimeout,
        List.of("*"));
  }

  static Pod pod(List<Container> containers) {
    return new io.fabric8.kubernetes.api.model.PodBuilder()
        .withNewMetadata()
        .withName("app")
        .withNamespace(NS)
        .withAnnotations(Map.of("secrets-store.deckhouse.io/role", "myapp"))
        .endMetadata()
        .withNewSpec()
        .withContainers(containers)
        .endSpec()
        .build();
  }

  static Container fromConfigMap(String name, String configMap) {
    return new ContainerBuilder()
        .withName(name)
        .withImage("registry.example.com/app:1")
        .withCommand("/app")
        .addNewEnvFrom()
        .withNewConfigMapRef()
        .withName(configMap)
        .endConfigMapRef()
        .endEnvFrom()
        .build();
  }

  /** Each read waits until {@code parties} reads have started. */
  static final class Rendezvous {
    final CountDownLatch started;
    final Map<String, AtomicInteger> reads = new ConcurrentHashMap<>();

    Rendezvous(int parties) {
      started = new CountDownLatch(parties);
    }

    void arrive(String what) throws InterruptedException {
      reads.computeIfAbsent(what, k -> new AtomicInteger()).incrementAndGet();
      started.countDown();
      // The safety timeout is far beyond the admission deadline: only a parallel run passes.
      started.await(60, TimeUnit.SECONDS);
    }
  }

  static EnvSources configMaps(Rendezvous rendezvous) {
    return new EnvSources() {
      @Override
      public Optional<Map<String, String>> configMap(String namespace, String name) {
        try {
          rendezvous.arrive(name);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
        return Optional.of(Map.of("V", REF));
      }

      @Override
      public Optional<Map<String, String>> secret(String namespace, String name) {
        return Optional.empty();
      }
    };
  }

  @Test
  void envSourcesOfAllContainersAreReadAtOnceAndEachOnlyOnce() {
    Rendezvous rendezvous = new Rendezvous(6);
    List<Container> containers = new ArrayList<>();
    for (int i = 0; i < 6; i++) {
      containers.add(fromConfigMap("c" + i, "cm-" + i));
    }
    // Same ConfigMap twice: read once.
    containers.add(fromConfigMap("again", "cm-0"));
    PodMutator mutator =
        new PodMutator(
            properties(Duration.ofSeconds(10)), configMaps(rendezvous), ImageCommands.disabled());

    PodMutator.Result result = mutator.mutate(pod(containers), NS);

    assertThat(result).isInstanceOf(PodMutator.Result.Mutated.class);
    assertThat(((PodMutator.Result.Mutated) result).containers()).hasSize(7);
    assertThat(rendezvous.reads).hasSize(6);
    assertThat(rendezvous.reads.values()).allMatch(count -> count.get() == 1);
  }

  @Test
  void imageLookupsOfAllContainersRunAtOnce() {
    Rendezvous rendezvous = new Rendezvous(4);
    ImageCommands images =
        (image, pod) -> {
          try {
            rendezvous.arrive(image);
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
          return new ImageCommands.ImageCommand(List.of("/entry-" + image.length()), List.of());
        };
    List<Container> containers = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      containers.add(
          new ContainerBuilder()
              .withName("c" + i)
              .withImage("registry.example.com/app-" + i + ":1")
              .withEnv(new EnvVar("V", REF, null))
              .build());
    }
    PodMutator mutator =
        new PodMutator(properties(Duration.ofSeconds(10)), configMaps(new Rendezvous(0)), images);

    PodMutator.Result result = mutator.mutate(pod(containers), NS);

    assertThat(result).isInstanceOf(PodMutator.Result.Mutated.class);
    assertThat(rendezvous.reads).hasSize(4);
  }

  @Test
  void aReadThatNeverAnswersIsCutOffAtTheDeadlineInterruptedAndNamed() throws Exception {
    CountDownLatch interrupted = new CountDownLatch(1);
    EnvSources hanging =
        new EnvSources() {
          @Override
          public Optional<Map<String, String>> configMap(String namespace, String name) {
            return Optional.of(Map.of("V", REF));
          }

          @Override
          public Optional<Map<String, String>> secret(String namespace, String name) {
            try {
              new CountDownLatch(1).await();
            } catch (InterruptedException e) {
              interrupted.countDown();
            }
            return Optional.empty();
          }
        };
    Container app =
        new ContainerBuilder(fromConfigMap("app", "settings"))
            .addNewEnvFrom()
            .withNewSecretRef()
            .withName("slow")
            .endSecretRef()
            .endEnvFrom()
            .build();
    PodMutator mutator =
        new PodMutator(properties(Duration.ofSeconds(2)), hanging, ImageCommands.disabled());

    PodMutator.Result result = mutator.mutate(pod(List.of(app)), NS);

    assertThat(result)
        .isEqualTo(
            new PodMutator.Result.Denied(
                "cannot read Secret 'slow' to look for secrets-store references: not answered"
                    + " within the admission deadline of 1000 ms"));
    assertThat(interrupted.await(30, TimeUnit.SECONDS)).isTrue();
  }

  @Test
  void anImageLookupThatNeverAnswersDeniesNamingContainerAndImage() {
    ImageCommands hanging =
        (image, pod) -> {
          try {
            new CountDownLatch(1).await();
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
          throw new ImageCommands.LookupException("interrupted");
        };
    Container app =
        new ContainerBuilder()
            .withName("app")
            .withImage("registry.example.com/slow:1")
            .withEnv(new EnvVar("V", REF, null))
            .build();
    PodMutator mutator =
        new PodMutator(properties(Duration.ofSeconds(2)), configMaps(new Rendezvous(0)), hanging);

    PodMutator.Result result = mutator.mutate(pod(List.of(app)), NS);

    assertThat(result)
        .isEqualTo(
            new PodMutator.Result.Denied(
                "container 'app' has no command and the entrypoint of image"
                    + " registry.example.com/slow:1 could not be read (not answered within the"
                    + " admission deadline of 1000 ms): set spec.containers[].command (and args)"
                    + " explicitly"));
  }
}
