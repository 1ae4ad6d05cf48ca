package io.secretsstore.webhook.mutation;

import io.fabric8.kubernetes.api.model.Capabilities;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.EnvFromSource;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.EnvVarSource;
import io.fabric8.kubernetes.api.model.ExecAction;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.Probe;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.SeccompProfile;
import io.fabric8.kubernetes.api.model.SecurityContext;
import io.fabric8.kubernetes.api.model.SecurityContextBuilder;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeBuilder;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.secretsstore.model.names.InjectorEnv;
import io.secretsstore.model.reference.ReferenceParser;
import io.secretsstore.webhook.config.WebhookProperties;
import io.secretsstore.webhook.envsource.EnvSources;
import io.secretsstore.webhook.registry.ImageCommands;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

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
  static final String INIT_MOUNT = "/mnt/secrets-store";
  static final String TOKEN_DIR = "/var/run/secrets/secrets-store.deckhouse.io/serviceaccount";
  static final String TLS_DIR = "/var/run/secrets/secrets-store.deckhouse.io/tls";

  /** What a pod gets: a mutated copy, nothing, or a denial. */
  public sealed interface Result {
    record Mutated(Pod pod, List<String> containers) implements Result {}

    record Unchanged(String why) implements Result {}

    record Denied(String message) implements Result {}
  }

  private final WebhookProperties properties;
  private final EnvSources sources;
  private final ImageCommands images;

  public PodMutator(WebhookProperties properties, EnvSources sources, ImageCommands images) {
    this.properties = properties;
    this.sources = sources;
    this.images = images;
  }

  public Result mutate(Pod original, String namespace) {
    Map<String, String> annotations =
        original.getMetadata() == null || original.getMetadata().getAnnotations() == null
            ? Map.of()
            : original.getMetadata().getAnnotations();
    if (!annotations.containsKey(io.secretsstore.model.names.Annotations.ROLE)) {
      return new Result.Unchanged(
          "no " + io.secretsstore.model.names.Annotations.ROLE + " annotation");
    }
    if (alreadyMutated(original)) {
      // Reinvocation (or a pod created from a mutated template): never twice.
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
    try {
      List<Container> initContainers = nonNull(pod.getSpec().getInitContainers());
      List<Container> containers = nonNull(pod.getSpec().getContainers());
      List<Container> newInit = new ArrayList<>();
      ImageCommands.PodContext context = context(pod, namespace);
      for (Container container : initContainers) {
        newInit.add(maybeInject(container, settings, namespace, context, mutated));
      }
      List<Container> newContainers = new ArrayList<>();
      for (Container container : containers) {
        newContainers.add(maybeInject(container, settings, namespace, context, mutated));
      }
      if (mutated.isEmpty()) {
        return new Result.Unchanged("no container uses secrets-store references or env-from-path");
      }
      if (!imageVolume()) {
        newInit.addFirst(copyContainer(settings));
      }
      pod.getSpec().setInitContainers(newInit);
      pod.getSpec().setContainers(newContainers);
    } catch (NeedsCommandException e) {
      return new Result.Denied(e.getMessage());
    } catch (EnvSources.LookupException e) {
      return new Result.Denied(e.getMessage());
    }
    List<Volume> volumes = new ArrayList<>(nonNull(pod.getSpec().getVolumes()));
    volumes.addAll(volumes(settings));
    pod.getSpec().setVolumes(volumes);
    return new Result.Mutated(pod, List.copyOf(mutated));
  }

  private static boolean alreadyMutated(Pod pod) {
    return pod.getSpec() != null
        && (nonNull(pod.getSpec().getVolumes()).stream().anyMatch(v -> VOLUME.equals(v.getName()))
            || nonNull(pod.getSpec().getInitContainers()).stream()
                .anyMatch(c -> INIT_CONTAINER.equals(c.getName())));
  }

  /** The pod cannot be mutated as it is (no command to wrap, a malformed reference). */
  static final class NeedsCommandException extends Exception {
    NeedsCommandException(String message) {
      super(message);
    }
  }

  private static ImageCommands.PodContext context(Pod pod, String namespace) {
    List<String> pullSecrets =
        nonNull(pod.getSpec().getImagePullSecrets()).stream()
            .map(io.fabric8.kubernetes.api.model.LocalObjectReference::getName)
            .toList();
    String account =
        pod.getSpec().getServiceAccountName() == null
                || pod.getSpec().getServiceAccountName().isEmpty()
            ? "default"
            : pod.getSpec().getServiceAccountName();
    String architecture =
        pod.getSpec().getNodeSelector() == null
            ? null
            : pod.getSpec().getNodeSelector().get("kubernetes.io/arch");
    return new ImageCommands.PodContext(namespace, pullSecrets, account, architecture);
  }

  private Container maybeInject(
      Container container,
      InjectionSettings settings,
      String namespace,
      ImageCommands.PodContext context,
      List<String> mutated)
      throws NeedsCommandException, EnvSources.LookupException {
    if (settings.skipContainers().contains(container.getName())
        || !(usesReferences(container, namespace) || !settings.envFromPath().isEmpty())) {
      return container;
    }
    List<String> original = new ArrayList<>();
    if (container.getCommand() != null && !container.getCommand().isEmpty()) {
      original.addAll(container.getCommand());
      original.addAll(nonNull(container.getArgs()));
    } else {
      // Kubernetes' rule: the image's ENTRYPOINT, then the pod's args or else the image's CMD.
      ImageCommands.ImageCommand image;
      try {
        image = images.lookup(container.getImage(), context);
      } catch (ImageCommands.LookupException e) {
        throw new NeedsCommandException(
            "container '"
                + container.getName()
                + "' has no command and the entrypoint of image "
                + container.getImage()
                + " could not be read ("
                + e.getMessage()
                + "): set spec.containers[].command (and args) explicitly");
      }
      original.addAll(image.entrypoint());
      original.addAll(
          container.getArgs() != null && !container.getArgs().isEmpty()
              ? container.getArgs()
              : image.cmd());
      if (original.isEmpty()) {
        throw new NeedsCommandException(
            "container '"
                + container.getName()
                + "': image "
                + container.getImage()
                + " has neither ENTRYPOINT nor CMD; set spec.containers[].command");
      }
    }
    mutated.add(container.getName());
    List<String> command = new ArrayList<>(injectorCommand());
    command.addAll(original);
    ContainerBuilder builder =
        new ContainerBuilder(container).withCommand(command).withArgs((List<String>) null);
    List<EnvVar> env = new ArrayList<>();
    for (EnvVar variable : nonNull(container.getEnv())) {
      if (!InjectorEnv.CONTROL_VARIABLES.contains(variable.getName())) {
        env.add(variable);
      }
    }
    env.addAll(contract(settings));
    builder.withEnv(env);
    List<VolumeMount> mounts = new ArrayList<>(nonNull(container.getVolumeMounts()));
    VolumeMount injector = mount(VOLUME, properties.mountPath(), true);
    if (imageVolume()) {
      // The image holds the bundle at <mount path>/injector, the path its java was built for.
      injector.setSubPath(properties.mountPath().substring(1));
    }
    mounts.add(injector);
    if (settings.serviceAccountTokenPath().isEmpty()) {
      mounts.add(mount(TOKEN_VOLUME, TOKEN_DIR, true));
    }
    if (!settings.tlsSecret().isEmpty()) {
      mounts.add(mount(TLS_VOLUME, TLS_DIR, true));
    }
    builder.withVolumeMounts(mounts);
    if (settings.mutateProbes()) {
      builder.withLivenessProbe(probe(container.getLivenessProbe()));
      builder.withReadinessProbe(probe(container.getReadinessProbe()));
      builder.withStartupProbe(probe(container.getStartupProbe()));
    }
    return builder.build();
  }

  /** Whether any env value of the container is a reference (directly or from ConfigMap/Secret). */
  /**
   * Whether any env value of the container is a reference (directly or from ConfigMap/Secret).
   * Malformed references are refused here, where the pod author sees the message, instead of in the
   * container's log at start.
   */
  private boolean usesReferences(Container container, String namespace)
      throws EnvSources.LookupException, NeedsCommandException {
    boolean found = false;
    for (EnvVar variable : nonNull(container.getEnv())) {
      found |= check(container, variable.getName(), "", variable.getValue());
      EnvVarSource from = variable.getValueFrom();
      if (from != null && from.getConfigMapKeyRef() != null) {
        String name = from.getConfigMapKeyRef().getName();
        Optional<Map<String, String>> data = sources.configMap(namespace, name);
        if (data.isPresent()) {
          found |=
              check(
                  container,
                  variable.getName(),
                  " (ConfigMap '" + name + "')",
                  data.get().get(from.getConfigMapKeyRef().getKey()));
        }
      }
      if (from != null && from.getSecretKeyRef() != null) {
        String name = from.getSecretKeyRef().getName();
        Optional<Map<String, String>> data = sources.secret(namespace, name);
        if (data.isPresent()) {
          found |=
              check(
                  container,
                  variable.getName(),
                  " (Secret '" + name + "')",
                  data.get().get(from.getSecretKeyRef().getKey()));
        }
      }
    }
    for (EnvFromSource from : nonNull(container.getEnvFrom())) {
      Optional<Map<String, String>> data = Optional.empty();
      String where = "";
      if (from.getConfigMapRef() != null) {
        data = sources.configMap(namespace, from.getConfigMapRef().getName());
        where = " (ConfigMap '" + from.getConfigMapRef().getName() + "')";
      } else if (from.getSecretRef() != null) {
        data = sources.secret(namespace, from.getSecretRef().getName());
        where = " (Secret '" + from.getSecretRef().getName() + "')";
      }
      if (data.isPresent()) {
        String prefix = from.getPrefix() == null ? "" : from.getPrefix();
        for (var entry : new java.util.TreeMap<>(data.get()).entrySet()) {
          found |= check(container, prefix + entry.getKey(), where, entry.getValue());
        }
      }
    }
    return found;
  }

  /** True for a well-formed reference; a malformed one denies the pod. */
  private static boolean check(Container container, String variable, String where, String value)
      throws NeedsCommandException {
    if (!isReference(value)) {
      return false;
    }
    try {
      ReferenceParser.parse(value);
      return true;
    } catch (io.secretsstore.model.reference.ReferenceSyntaxException e) {
      throw new NeedsCommandException(
          "container '"
              + container.getName()
              + "', variable "
              + variable
              + where
              + ": malformed secrets-store reference: "
              + e.getMessage());
    }
  }

  private static boolean isReference(String value) {
    return value != null && ReferenceParser.looksLikeReference(value);
  }

  private List<String> injectorCommand() {
    String home = properties.mountPath() + "/injector";
    return List.of(home + "/bin/java", "@" + home + "/launch.args", "--");
  }

  private Probe probe(Probe probe) {
    if (probe == null || probe.getExec() == null || probe.getExec().getCommand() == null) {
      return probe;
    }
    List<String> command = new ArrayList<>(injectorCommand());
    command.addAll(probe.getExec().getCommand());
    Probe copy = new io.fabric8.kubernetes.api.model.ProbeBuilder(probe).build();
    copy.setExec(new ExecAction(command));
    return copy;
  }

  /** The env contract of the injector (names from common-model). */
  private List<EnvVar> contract(InjectionSettings settings) {
    List<EnvVar> env = new ArrayList<>();
    env.add(new EnvVar(InjectorEnv.VAULT_ADDR, settings.address(), null));
    env.add(new EnvVar(InjectorEnv.VAULT_ROLE, settings.role(), null));
    env.add(new EnvVar(InjectorEnv.VAULT_PATH, settings.authPath(), null));
    if (!settings.namespace().isEmpty()) {
      env.add(new EnvVar(InjectorEnv.VAULT_NAMESPACE, settings.namespace(), null));
    }
    if (!settings.tlsSecret().isEmpty()) {
      env.add(new EnvVar(InjectorEnv.VAULT_CACERT, TLS_DIR + "/ca.crt", null));
    } else if (!properties.connection().caCert().isEmpty()
        && settings.address().equals(properties.connection().url())) {
      // The module's CA belongs to the module's store, not to an address the pod chose.
      env.add(new EnvVar(InjectorEnv.VAULT_CACERT_BYTES, properties.connection().caCert(), null));
    }
    env.add(
        new EnvVar(
            InjectorEnv.VAULT_SKIP_VERIFY, Boolean.toString(settings.tlsSkipVerify()), null));
    env.add(
        new EnvVar(
            InjectorEnv.VAULT_IGNORE_MISSING_SECRETS,
            Boolean.toString(settings.ignoreMissingSecrets()),
            null));
    env.add(new EnvVar(InjectorEnv.VAULT_CLIENT_TIMEOUT, settings.clientTimeout(), null));
    env.add(new EnvVar(InjectorEnv.VAULT_LOG_LEVEL, settings.logLevel(), null));
    env.add(new EnvVar(InjectorEnv.VAULT_JSON_LOG, Boolean.toString(settings.jsonLog()), null));
    if (!settings.envFromPath().isEmpty()) {
      env.add(new EnvVar(InjectorEnv.VAULT_ENV_FROM_PATH, settings.envFromPath(), null));
    }
    env.add(
        new EnvVar(
            InjectorEnv.VAULT_TOKEN_PATH,
            settings.serviceAccountTokenPath().isEmpty()
                ? TOKEN_DIR + "/token"
                : settings.serviceAccountTokenPath(),
            null));
    env.add(new EnvVar(InjectorEnv.VAULT_RESTART_MODE, settings.restartMode(), null));
    env.add(new EnvVar(InjectorEnv.VAULT_POLL_INTERVAL, settings.pollInterval(), null));
    return env;
  }

  /**
   * Copies the injector bundle into the shared volume; passes the restricted Pod Security Standard.
   */
  private Container copyContainer(InjectionSettings settings) {
    SecurityContext restricted =
        new SecurityContextBuilder()
            .withRunAsNonRoot(true)
            .withRunAsUser(65532L)
            .withRunAsGroup(65532L)
            .withAllowPrivilegeEscalation(false)
            .withReadOnlyRootFilesystem(true)
            .withPrivileged(false)
            .withCapabilities(new Capabilities(null, List.of("ALL")))
            .withSeccompProfile(new SeccompProfile(null, "RuntimeDefault"))
            .build();
    return new ContainerBuilder()
        .withName(INIT_CONTAINER)
        .withImage(properties.injectorImage())
        .withImagePullPolicy(settings.pullPolicy())
        .withCommand(
            properties.mountPath() + "/injector/bin/java",
            "@" + properties.mountPath() + "/injector/launch.args",
            "--self-copy",
            INIT_MOUNT)
        .withNewResources()
        .withRequests(Map.of("cpu", new Quantity("10m"), "memory", new Quantity("64Mi")))
        .withLimits(Map.of("cpu", new Quantity("500m"), "memory", new Quantity("256Mi")))
        .endResources()
        .withSecurityContext(restricted)
        .withVolumeMounts(mount(VOLUME, INIT_MOUNT, false))
        .build();
  }

  private List<Volume> volumes(InjectionSettings settings) {
    List<Volume> volumes = new ArrayList<>();
    if (imageVolume()) {
      volumes.add(
          new VolumeBuilder()
              .withName(VOLUME)
              .withNewImage(settings.pullPolicy(), properties.injectorImage())
              .build());
    } else {
      volumes.add(
          new VolumeBuilder()
              .withName(VOLUME)
              .withNewEmptyDir()
              .withMedium("Memory")
              .withSizeLimit(new Quantity("128Mi"))
              .endEmptyDir()
              .build());
    }
    if (settings.serviceAccountTokenPath().isEmpty()) {
      volumes.add(
          new VolumeBuilder()
              .withName(TOKEN_VOLUME)
              .withNewProjected()
              .addNewSource()
              .withNewServiceAccountToken()
              .withAudience(properties.tokenAudience())
              .withExpirationSeconds(properties.tokenLifetime().toSeconds())
              .withPath("token")
              .endServiceAccountToken()
              .endSource()
              .endProjected()
              .build());
    }
    if (!settings.tlsSecret().isEmpty()) {
      volumes.add(
          new VolumeBuilder()
              .withName(TLS_VOLUME)
              .withNewSecret()
              .withSecretName(settings.tlsSecret())
              .addNewItem()
              .withKey("ca.crt")
              .withPath("ca.crt")
              .endItem()
              .endSecret()
              .build());
    }
    return volumes;
  }

  private boolean imageVolume() {
    return properties.delivery().equals("image-volume");
  }

  private static VolumeMount mount(String name, String path, boolean readOnly) {
    VolumeMount mount = new VolumeMount();
    mount.setName(name);
    mount.setMountPath(path);
    mount.setReadOnly(readOnly);
    return mount;
  }

  private static <T> List<T> nonNull(List<T> list) {
    return list == null ? List.of() : list;
  }
}
