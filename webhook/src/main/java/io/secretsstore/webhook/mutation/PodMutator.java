package io.secretsstore.webhook.mutation;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.secretsstore.model.names.InjectorEnv;
import io.secretsstore.webhook.config.WebhookProperties;
import io.secretsstore.webhook.envsource.EnvSources;
import io.secretsstore.webhook.registry.ImageCommands;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The mutation of a pod for environment injection (no API writes; lookups only through {@link
 * EnvSources}): an in-memory volume the init container copies the injector bundle into, a projected
 * audience-bound token, and every container that needs it started through the injector with the env
 * contract the injector reads.
 */
public final class PodMutator {

  public static final String VOLUME = "secrets-store-injector";
  public static final String TOKEN_VOLUME = "secrets-store-token";
  public static final String TLS_VOLUME = "secrets-store-tls";
  public static final String INIT_CONTAINER = "secrets-store-injector";

  /** Set on every pod this webhook mutated; a pod that carries it is not mutated again. */
  public static final String MUTATED_ANNOTATION = "secrets-store.deckhouse.io/injected";

  static final String MUTATED_VALUE = "true";
  static final String INIT_MOUNT = "/mnt/secrets-store";
  static final String TOKEN_DIR = "/var/run/secrets/secrets-store.deckhouse.io/serviceaccount";
  static final String TLS_DIR = "/var/run/secrets/secrets-store.deckhouse.io/tls";

  /** What a pod gets: a mutated copy, nothing, or a denial. */
  public sealed interface Result {
    /** {@code warnings}: shown by kubectl (admission warnings), e.g. a plain-http store. */
    record Mutated(Pod pod, List<String> containers, List<String> warnings) implements Result {
      public Mutated(Pod pod, List<String> containers) {
        this(pod, containers, List.of());
      }
    }

    record Unchanged(String why) implements Result {}

    record Denied(String message) implements Result {}
  }

  private final WebhookProperties properties;
  private final AdmissionLookups lookups;
  private final InjectorContract injector;

  public PodMutator(WebhookProperties properties, EnvSources sources, ImageCommands images) {
    if (properties.delivery().equals("auto")) {
      throw new IllegalArgumentException(
          "delivery auto must be resolved first (InjectorDeliveryChoice.resolve)");
    }
    this.properties = properties;
    this.lookups = new AdmissionLookups(sources, images);
    this.injector = new InjectorContract(properties);
  }

  public Result mutate(Pod submitted, String namespace) {
    Optional<String> writable = CsiVolumes.writable(submitted);
    if (writable.isPresent()) {
      return new Result.Denied(writable.get());
    }
    Pod defaulted = CsiVolumes.readOnlyByDefault(submitted);
    Result injection = injectInto(defaulted, namespace);
    if (injection instanceof Result.Unchanged && defaulted != submitted) {
      return new Result.Mutated(defaulted, List.of());
    }
    return injection;
  }

  private Result injectInto(Pod original, String namespace) {
    Map<String, String> annotations =
        original.getMetadata() == null || original.getMetadata().getAnnotations() == null
            ? Map.of()
            : original.getMetadata().getAnnotations();
    if (!annotations.containsKey(io.secretsstore.model.names.Annotations.ROLE)) {
      return new Result.Unchanged(
          "no " + io.secretsstore.model.names.Annotations.ROLE + " annotation");
    }
    if (alreadyMutated(original)) {
      // Reinvocation (or a copy of a mutated pod): never twice.
      return new Result.Unchanged("already mutated");
    }
    InjectionSettings settings;
    try {
      settings = InjectionSettings.from(annotations, properties);
    } catch (InjectionSettings.InvalidAnnotationsException e) {
      return new Result.Denied(e.getMessage());
    }

    Pod pod = new PodBuilder(original).build();
    List<String> mutated = new ArrayList<>();
    // One deadline for everything this admission reads, inside the API server's timeoutSeconds.
    AdmissionLookups.Deadline deadline =
        AdmissionLookups.Deadline.after(properties.lookupDeadline());
    try {
      List<Container> initContainers = nonNull(pod.getSpec().getInitContainers());
      List<Container> containers = nonNull(pod.getSpec().getContainers());
      List<Container> all = new ArrayList<>(initContainers);
      all.addAll(containers);
      var data = lookups.envSources(all, namespace, deadline);
      Set<Container> chosen = Collections.newSetFromMap(new IdentityHashMap<>());
      for (Container container : all) {
        if (!settings.skipContainers().contains(container.getName())
            && (ReferenceScan.usesReferences(container, data)
                || !settings.envFromPath().isEmpty())) {
          chosen.add(container);
        }
      }
      if (chosen.isEmpty()) {
        return new Result.Unchanged("no container uses secrets-store references or env-from-path");
      }
      List<String> withoutCommand =
          all.stream()
              .filter(
                  c -> chosen.contains(c) && (c.getCommand() == null || c.getCommand().isEmpty()))
              .map(Container::getImage)
              .toList();
      var commands =
          lookups.imageCommands(
              withoutCommand, CommandResolution.context(pod, namespace), deadline);
      List<Container> newInit = new ArrayList<>();
      for (Container container : initContainers) {
        newInit.add(
            chosen.contains(container)
                ? inject(container, settings, commands, mutated)
                : container);
      }
      List<Container> newContainers = new ArrayList<>();
      for (Container container : containers) {
        newContainers.add(
            chosen.contains(container)
                ? inject(container, settings, commands, mutated)
                : container);
      }
      List<String> collisions = collisions(original, settings, mutated);
      if (!collisions.isEmpty()) {
        return new Result.Denied(String.join("; ", collisions));
      }
      if (InjectorDelivery.copies(properties.delivery())) {
        newInit.addFirst(injector.copyContainer(settings));
      }
      pod.getSpec().setInitContainers(newInit);
      pod.getSpec().setContainers(newContainers);
    } catch (NeedsCommandException e) {
      return new Result.Denied(e.getMessage());
    } catch (EnvSources.LookupException e) {
      return new Result.Denied(e.getMessage());
    }
    List<Volume> volumes = new ArrayList<>(nonNull(pod.getSpec().getVolumes()));
    volumes.addAll(injector.volumes(settings));
    pod.getSpec().setVolumes(volumes);
    Map<String, String> marked =
        new java.util.LinkedHashMap<>(nonNull(pod.getMetadata().getAnnotations()));
    marked.put(MUTATED_ANNOTATION, MUTATED_VALUE);
    pod.getMetadata().setAnnotations(marked);
    return new Result.Mutated(pod, List.copyOf(mutated), settings.warnings());
  }

  /**
   * Our own mark, not a name a user may pick by accident (a user's init container or volume of one
   * of our names is a collision, denied with its name, not a reason to skip the pod).
   */
  private static boolean alreadyMutated(Pod pod) {
    return pod.getMetadata() != null
        && pod.getMetadata().getAnnotations() != null
        && MUTATED_VALUE.equals(pod.getMetadata().getAnnotations().get(MUTATED_ANNOTATION));
  }

  private List<String> collisions(Pod pod, InjectionSettings settings, List<String> mutated) {
    java.util.Set<String> volumes = new java.util.HashSet<>();
    Map<String, String> mounts = new java.util.HashMap<>();
    volumes.add(VOLUME);
    mounts.put(VOLUME, injector.injectorMountPath());
    if (settings.serviceAccountTokenPath().isEmpty()) {
      volumes.add(TOKEN_VOLUME);
      mounts.put(TOKEN_VOLUME, TOKEN_DIR);
    }
    if (!settings.tlsSecret().isEmpty()) {
      volumes.add(TLS_VOLUME);
      mounts.put(TLS_VOLUME, TLS_DIR);
    }
    return PodCollisions.find(
        pod,
        volumes,
        InjectorDelivery.copies(properties.delivery()) ? INIT_CONTAINER : null,
        mounts,
        java.util.Set.copyOf(mutated));
  }

  /** The pod cannot be mutated as it is (no command to wrap, a malformed reference). */
  static final class NeedsCommandException extends Exception {
    NeedsCommandException(String message) {
      super(message);
    }
  }

  private Container inject(
      Container container,
      InjectionSettings settings,
      Map<String, AdmissionLookups.Outcome<ImageCommands.ImageCommand>> commands,
      List<String> mutated)
      throws NeedsCommandException {
    List<String> original = CommandResolution.originalCommand(container, commands);
    mutated.add(container.getName());
    List<String> command = new ArrayList<>(injector.injectorCommand());
    command.addAll(original);
    ContainerBuilder builder =
        new ContainerBuilder(container).withCommand(command).withArgs((List<String>) null);
    List<EnvVar> env = new ArrayList<>();
    for (EnvVar variable : nonNull(container.getEnv())) {
      if (!InjectorEnv.CONTROL_VARIABLES.contains(variable.getName())) {
        env.add(variable);
      }
    }
    env.addAll(injector.contract(settings));
    // A failed start (a denied login with its audience hint) is written where the kubelet reads
    // this container's termination message (kubectl describe pod: Last State), also when the pod
    // moved it; the injector's default is the kubelet's, /dev/termination-log.
    String terminationPath = container.getTerminationMessagePath();
    if (terminationPath != null && !terminationPath.isBlank()) {
      env.add(new EnvVar(InjectorEnv.VAULT_TERMINATION_LOG, terminationPath, null));
    }
    builder.withEnv(env);
    List<VolumeMount> mounts = new ArrayList<>(nonNull(container.getVolumeMounts()));
    VolumeMount bundle = InjectorContract.mount(VOLUME, injector.injectorMountPath(), true);
    if (injector.imageVolume()) {
      // The image holds the bundle at <mount path>/injector, the path its java was built for.
      bundle.setSubPath(properties.mountPath().substring(1));
    }
    mounts.add(bundle);
    if (settings.serviceAccountTokenPath().isEmpty()) {
      mounts.add(InjectorContract.mount(TOKEN_VOLUME, TOKEN_DIR, true));
    }
    if (!settings.tlsSecret().isEmpty()) {
      mounts.add(InjectorContract.mount(TLS_VOLUME, TLS_DIR, true));
    }
    builder.withVolumeMounts(mounts);
    if (settings.mutateProbes()) {
      builder.withLivenessProbe(injector.probe(container.getLivenessProbe()));
      builder.withReadinessProbe(injector.probe(container.getReadinessProbe()));
      builder.withStartupProbe(injector.probe(container.getStartupProbe()));
    }
    return builder.build();
  }

  private static <T> List<T> nonNull(List<T> list) {
    return list == null ? List.of() : list;
  }

  private static <K, V> Map<K, V> nonNull(Map<K, V> map) {
    return map == null ? Map.of() : map;
  }
}
