package io.secretsstore.webhook.mutation;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvFromSource;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.EnvVarSource;
import io.secretsstore.webhook.envsource.EnvSources;
import io.secretsstore.webhook.registry.ImageCommands;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Everything one admission reads from elsewhere, at once and under one deadline: the ConfigMaps and
 * Secrets the containers' env names (each once), then the image configs of the containers that need
 * their command. Run one after the other per container, a pod with a few sources and images
 * outlived the API server's {@code timeoutSeconds}, and the pod was refused by the API server with
 * a timeout that does not say why.
 */
final class AdmissionLookups {

  /** Reads of one admission in flight at once (a 200-container pod is not 200 requests at once). */
  static final int PER_ADMISSION = 16;

  /** A ConfigMap or Secret of the pod's namespace. */
  record Source(boolean secret, String name) {
    String describe() {
      return (secret ? "Secret '" : "ConfigMap '") + name + "'";
    }
  }

  /** Until when this admission may read; derived from the webhook's admission timeout. */
  record Deadline(Instant end, Duration budget) {
    static Deadline after(Duration budget) {
      return new Deadline(Instant.now().plus(budget), budget);
    }

    long remainingMillis() {
      return Math.max(0, Duration.between(Instant.now(), end).toMillis());
    }
  }

  private final EnvSources sources;
  private final ImageCommands images;

  AdmissionLookups(EnvSources sources, ImageCommands images) {
    this.sources = sources;
    this.images = images;
  }

  /** The env sources the containers name, each read once; empty Optional: it does not exist. */
  Map<Source, Optional<Map<String, String>>> envSources(
      Collection<Container> containers, String namespace, Deadline deadline)
      throws EnvSources.LookupException {
    Set<Source> wanted = new LinkedHashSet<>();
    for (Container container : containers) {
      wanted.addAll(sourcesOf(container));
    }
    Map<Source, Outcome<Optional<Map<String, String>>>> read =
        all(
            wanted,
            source ->
                source.secret()
                    ? sources.secret(namespace, source.name())
                    : sources.configMap(namespace, source.name()),
            deadline);
    Map<Source, Optional<Map<String, String>>> data = new LinkedHashMap<>();
    for (var entry : read.entrySet()) {
      Outcome<Optional<Map<String, String>>> outcome = entry.getValue();
      if (outcome.failure() instanceof EnvSources.LookupException e) {
        throw e;
      }
      if (outcome.failure() != null) {
        throw new EnvSources.LookupException(
            "cannot read "
                + entry.getKey().describe()
                + " to look for secrets-store references: "
                + outcome.failure().getMessage());
      }
      data.put(entry.getKey(), outcome.value());
    }
    return data;
  }

  /** Image commands by image; a failed lookup keeps its exception for the container's message. */
  Map<String, Outcome<ImageCommands.ImageCommand>> imageCommands(
      Collection<String> wanted, ImageCommands.PodContext context, Deadline deadline) {
    return all(new LinkedHashSet<>(wanted), image -> images.lookup(image, context), deadline);
  }

  static List<Source> sourcesOf(Container container) {
    List<Source> found = new ArrayList<>();
    for (EnvVar variable : nonNull(container.getEnv())) {
      EnvVarSource from = variable == null ? null : variable.getValueFrom();
      if (from != null && from.getConfigMapKeyRef() != null) {
        found.add(new Source(false, from.getConfigMapKeyRef().getName()));
      }
      if (from != null && from.getSecretKeyRef() != null) {
        found.add(new Source(true, from.getSecretKeyRef().getName()));
      }
    }
    for (EnvFromSource from : nonNull(container.getEnvFrom())) {
      if (from != null && from.getConfigMapRef() != null) {
        found.add(new Source(false, from.getConfigMapRef().getName()));
      } else if (from != null && from.getSecretRef() != null) {
        found.add(new Source(true, from.getSecretRef().getName()));
      }
    }
    // A reference without a name is the API server's to refuse; nothing to read.
    found.removeIf(source -> source.name() == null || source.name().isEmpty());
    return found;
  }

  /** A value or why there is none. */
  record Outcome<T>(T value, Exception failure) {}

  interface Lookup<K, T> {
    T read(K key) throws Exception;
  }

  /** Runs every lookup on its own virtual thread, at most {@link #PER_ADMISSION} at once. */
  private static <K, T> Map<K, Outcome<T>> all(
      Set<K> keys, Lookup<K, T> lookup, Deadline deadline) {
    Map<K, Outcome<T>> results = new LinkedHashMap<>();
    if (keys.isEmpty()) {
      return results;
    }
    Semaphore permits = new Semaphore(PER_ADMISSION);
    Map<K, Future<T>> running = new LinkedHashMap<>();
    // Never waits for a read past the deadline: the rest are interrupted and left behind.
    ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor();
    try {
      for (K key : keys) {
        running.put(
            key,
            executor.submit(
                () -> {
                  permits.acquire();
                  try {
                    return lookup.read(key);
                  } finally {
                    permits.release();
                  }
                }));
      }
      for (var entry : running.entrySet()) {
        try {
          results.put(
              entry.getKey(),
              new Outcome<>(
                  entry.getValue().get(deadline.remainingMillis(), TimeUnit.MILLISECONDS), null));
        } catch (TimeoutException e) {
          results.put(
              entry.getKey(),
              new Outcome<>(
                  null,
                  new DeadlineExceeded(
                      "not answered within the admission deadline of "
                          + deadline.budget().toMillis()
                          + " ms")));
        } catch (ExecutionException e) {
          results.put(
              entry.getKey(),
              new Outcome<>(
                  null, e.getCause() instanceof Exception cause ? cause : new Exception(e)));
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          results.put(entry.getKey(), new Outcome<>(null, e));
        }
      }
    } finally {
      executor.shutdownNow();
    }
    return results;
  }

  /** The admission's time ran out before this read answered. */
  static final class DeadlineExceeded extends Exception {
    DeadlineExceeded(String message) {
      super(message);
    }
  }

  private static <T> List<T> nonNull(List<T> list) {
    return list == null ? List.of() : list;
  }
}
