package io.secretsstore.webhook.mutation;

import io.fabric8.kubernetes.api.model.Capabilities;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.ExecAction;
import io.fabric8.kubernetes.api.model.Probe;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.SeccompProfile;
import io.fabric8.kubernetes.api.model.SecurityContext;
import io.fabric8.kubernetes.api.model.SecurityContextBuilder;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeBuilder;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.secretsstore.model.connection.TlsTrust;
import io.secretsstore.model.names.InjectorEnv;
import io.secretsstore.webhook.config.WebhookProperties;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The injector contract: what a mutated pod gets so the injector can run in it (the command that
 * starts it, the {@code VAULT_*} env it reads, the copy init container or image volume, the
 * projected audience-bound token, the TLS volume, wrapped exec probes). Pure: settings in, objects
 * out; {@link PodMutator} decides which containers get it.
 */
final class InjectorContract {

  private final WebhookProperties properties;

  InjectorContract(WebhookProperties properties) {
    this.properties = properties;
  }

  List<String> injectorCommand() {
    String home = properties.mountPath() + "/injector";
    return List.of(home + "/bin/java", "@" + home + "/launch.args", "--");
  }

  Probe probe(Probe probe) {
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
  List<EnvVar> contract(InjectionSettings settings) {
    List<EnvVar> env = new ArrayList<>();
    env.add(new EnvVar(InjectorEnv.VAULT_ADDR, settings.address(), null));
    env.add(new EnvVar(InjectorEnv.VAULT_ROLE, settings.role(), null));
    env.add(new EnvVar(InjectorEnv.VAULT_PATH, settings.authPath(), null));
    if (!settings.namespace().isEmpty()) {
      env.add(new EnvVar(InjectorEnv.VAULT_NAMESPACE, settings.namespace(), null));
    }
    if (!settings.tlsSecret().isEmpty()) {
      env.add(new EnvVar(InjectorEnv.VAULT_CACERT, PodMutator.TLS_DIR + "/ca.crt", null));
    } else if (!properties.connection().caCert().isEmpty()
        && TlsTrust.Module.of(properties.connection().url(), properties.connection().caCert())
            .isModuleAddress(settings.address())) {
      // The module's CA belongs to the module's store (however the pod spells its address), not
      // to an address the pod chose (common-model TlsTrust).
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
                ? PodMutator.TOKEN_DIR + "/token"
                : settings.serviceAccountTokenPath(),
            null));
    env.add(new EnvVar(InjectorEnv.VAULT_RESTART_MODE, settings.restartMode(), null));
    env.add(new EnvVar(InjectorEnv.VAULT_POLL_INTERVAL, settings.pollInterval(), null));
    return env;
  }

  /**
   * Copies the injector bundle into the shared volume; passes the restricted Pod Security Standard.
   */
  Container copyContainer(InjectionSettings settings) {
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
        .withName(PodMutator.INIT_CONTAINER)
        .withImage(properties.injectorImage())
        .withImagePullPolicy(settings.pullPolicy())
        .withCommand(
            properties.mountPath() + "/injector/bin/java",
            "@" + properties.mountPath() + "/injector/launch.args",
            "--self-copy",
            PodMutator.INIT_MOUNT)
        .withNewResources()
        .withRequests(Map.of("cpu", new Quantity("10m"), "memory", new Quantity("64Mi")))
        .withLimits(Map.of("cpu", new Quantity("500m"), "memory", new Quantity("256Mi")))
        .endResources()
        .withSecurityContext(restricted)
        .withVolumeMounts(mount(PodMutator.VOLUME, PodMutator.INIT_MOUNT, false))
        .build();
  }

  List<Volume> volumes(InjectionSettings settings) {
    List<Volume> volumes = new ArrayList<>();
    if (InjectorDelivery.csi(properties.delivery())) {
      volumes.add(InjectorDelivery.csiVolume(PodMutator.VOLUME));
    } else if (imageVolume()) {
      volumes.add(
          new VolumeBuilder()
              .withName(PodMutator.VOLUME)
              .withNewImage(settings.pullPolicy(), properties.injectorImage())
              .build());
    } else {
      volumes.add(
          new VolumeBuilder()
              .withName(PodMutator.VOLUME)
              .withNewEmptyDir()
              .withMedium("Memory")
              .withSizeLimit(new Quantity("128Mi"))
              .endEmptyDir()
              .build());
    }
    if (settings.serviceAccountTokenPath().isEmpty()) {
      volumes.add(
          new VolumeBuilder()
              .withName(PodMutator.TOKEN_VOLUME)
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
              .withName(PodMutator.TLS_VOLUME)
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

  boolean imageVolume() {
    return properties.delivery().equals(InjectorDelivery.IMAGE_VOLUME);
  }

  /** The csi delivery's volume is the bundle itself, mounted where its java was built for. */
  String injectorMountPath() {
    return InjectorDelivery.csi(properties.delivery())
        ? properties.mountPath() + "/injector"
        : properties.mountPath();
  }

  static VolumeMount mount(String name, String path, boolean readOnly) {
    VolumeMount mount = new VolumeMount();
    mount.setName(name);
    mount.setMountPath(path);
    mount.setReadOnly(readOnly);
    return mount;
  }
}
