package io.secretsstore.driver.config;

import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.grpc.netty.NettyServerBuilder;
import io.micrometer.core.instrument.MeterRegistry;
import io.secretsstore.daemon.startup.StartupWarmUp;
import io.secretsstore.driver.csi.IdentityGrpcService;
import io.secretsstore.driver.csi.NodeGrpcService;
import io.secretsstore.driver.csi.VolumeCallPool;
import io.secretsstore.driver.fs.MountTable;
import io.secretsstore.driver.health.CsiSocketHealthIndicator;
import io.secretsstore.driver.health.KubeletRegistrationHealthIndicator;
import io.secretsstore.driver.health.ProviderHealthIndicator;
import io.secretsstore.driver.provider.ProviderClients;
import io.secretsstore.driver.provider.ProvidersDirectory;
import io.secretsstore.driver.provider.UnixSocketChannels;
import io.secretsstore.driver.publish.DriverMetrics;
import io.secretsstore.driver.publish.ImportResolver;
import io.secretsstore.driver.publish.PublishWarmUp;
import io.secretsstore.driver.publish.VolumeRecovery;
import io.secretsstore.driver.publish.VolumeService;
import io.secretsstore.driver.registration.CsiDriverCheck;
import io.secretsstore.driver.registration.KubeletRegistration;
import io.secretsstore.driver.registration.PluginRegistrationServer;
import io.secretsstore.driver.rotation.RotationScheduler;
import io.secretsstore.driver.state.VolumeStateStore;
import io.secretsstore.driver.status.PodEvents;
import io.secretsstore.driver.status.PodStatusWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.context.event.ApplicationReadyEvent;
import org.springframework.boot.info.BuildProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.event.EventListener;
import org.springframework.grpc.server.ServerBuilderCustomizer;

/** Wires the driver; typed settings are read here once. */
@Configuration(proxyBeanMethods = false)
public class DriverConfiguration {

  /** Connect within this, or the API server is taken as unreachable. */
  static final int API_CONNECT_TIMEOUT_MILLIS = 5_000;

  /** One API request (the import read during a publish, a status write) ends within this. */
  static final int API_REQUEST_TIMEOUT_MILLIS = 10_000;

  /** Retries of a failed API request, 500 ms apart and doubling: 3 end within ~4 s. */
  static final int API_RETRIES = 3;

  /**
   * kubelet's CSI socket (Spring gRPC's server): no TCP option on its unix-socket connections, and
   * handlers on the transport threads instead of gRPC's unbounded cached pool (one thread per
   * waiting publish: 178 threads after a store outage). Identity and the Node info calls answer
   * there at once; publish and unpublish move to the bounded {@link VolumeCallPool}.
   */
  @Bean
  ServerBuilderCustomizer<NettyServerBuilder> csiSocketServer() {
    return builder -> UnixSocketChannels.withoutTcpOptions(builder).directExecutor();
  }

  @Bean(destroyMethod = "close")
  VolumeCallPool volumeCallPool(DriverProperties properties, MeterRegistry registry) {
    return new VolumeCallPool(
        properties.volumeCalls().threads(), properties.volumeCalls().queue(), registry);
  }

  @Bean(destroyMethod = "close")
  KubernetesClient kubernetesClient() {
    // In-cluster service account, or KUBECONFIG / kubernetes.master for local runs; explicit
    // limits instead of fabric8's defaults (10 retries with exponential backoff, no request
    // timeout): with a degraded API server a publish must fail inside kubelet's 2-minute
    // NodePublishVolume deadline with a message, not outlive it.
    Config config = Config.autoConfigure(null);
    config.setConnectionTimeout(API_CONNECT_TIMEOUT_MILLIS);
    config.setRequestTimeout(API_REQUEST_TIMEOUT_MILLIS);
    config.setRequestRetryBackoffLimit(API_RETRIES);
    config.setRequestRetryBackoffInterval(500);
    return new KubernetesClientBuilder().withConfig(config).build();
  }

  /**
   * The providers' socket directory, writable for the providers' group before any provider is
   * called (a non-root provider waits for this to bind its socket).
   */
  @Bean(destroyMethod = "close")
  ProviderClients providerClients(DriverProperties properties) {
    ProvidersDirectory.prepare(properties.providersDir(), properties.providersGroupId());
    return new ProviderClients(properties.providersDir(), properties.providerTimeout());
  }

  /**
   * Events and status objects, written in the background and bounded: while the API server is
   * unreachable the oldest pending writes are dropped instead of filling the heap.
   */
  @Bean(destroyMethod = "shutdown")
  ExecutorService kubernetesWrites() {
    return new ThreadPoolExecutor(
        1,
        1,
        0,
        TimeUnit.MILLISECONDS,
        new ArrayBlockingQueue<>(2_000),
        Thread.ofPlatform().name("kubernetes-writes").daemon().factory(),
        new ThreadPoolExecutor.DiscardOldestPolicy());
  }

  @Bean
  VolumeService volumeService(
      DriverProperties properties,
      KubernetesClient kubernetes,
      ProviderClients providers,
      ExecutorService kubernetesWrites,
      MeterRegistry registry) {
    Clock clock = Clock.systemUTC();
    VolumeService service =
        new VolumeService(
            new VolumeService.Settings(
                properties.kubeletPodsDir(),
                properties.tmpfsSize().toBytes(),
                properties.fileModeBits(),
                Duration.ofSeconds(30),
                properties.driverName()),
            new ImportResolver(kubernetes),
            providers,
            MountTable.ofThisProcess(),
            new PodEvents(kubernetes, kubernetesWrites, clock, properties.nodeId()),
            new PodStatusWriter(
                kubernetes, kubernetesWrites, properties.nodeId(), properties.podStatus()),
            self -> new DriverMetrics(registry, self::mountedCount),
            clock,
            openState(properties));
    return service;
  }

  private static VolumeStateStore openState(DriverProperties properties) {
    try {
      return VolumeStateStore.open(properties.stateDir());
    } catch (IOException e) {
      throw new IllegalStateException(
          "cannot prepare the restart state directory "
              + properties.stateDir()
              + " (secrets-store.driver.state-dir): "
              + e.getMessage(),
          e);
    }
  }

  /**
   * Volumes of a previous run are taken over once the driver serves: a bad record cannot stop the
   * start, and kubelet's unpublish of a volume not yet recovered still unmounts it.
   */
  @EventListener(ApplicationReadyEvent.class)
  void recoverVolumes(ApplicationReadyEvent ready) {
    new VolumeRecovery(ready.getApplicationContext().getBean(VolumeService.class)).recover();
  }

  @Bean(destroyMethod = "close")
  RotationScheduler rotationScheduler(
      DriverProperties properties, VolumeService volumes, MeterRegistry registry) {
    RotationScheduler scheduler =
        new RotationScheduler(
            volumes,
            volumes.metrics(),
            properties.rotation().interval(),
            properties.rotation().parallelism());
    if (properties.rotation().enabled()) {
      scheduler.start();
    }
    return scheduler;
  }

  /** {@code Probe} answers ready only once the start-up warm-up is over (CSI's "initializing"). */
  @Bean
  IdentityGrpcService identityGrpcService(
      DriverProperties properties,
      ObjectProvider<BuildProperties> build,
      DriverSocket socket,
      StartupWarmUp warmUp) {
    String version = build.getIfAvailable() == null ? "0.1.0" : build.getIfAvailable().getVersion();
    return new IdentityGrpcService(properties.driverName(), version, warmUp::finished);
  }

  /**
   * What the first publish would otherwise load and link, before readiness (common-daemon's
   * StartupWarmUp runs it; {@code secrets-store.warm-up.enabled=false} turns it off).
   */
  @Bean
  PublishWarmUp publishWarmUp(
      KubernetesClient kubernetes, CsiDriverCheck csiDriverCheck, ProviderClients providers) {
    return new PublishWarmUp(kubernetes, csiDriverCheck, providers, MountTable.ofThisProcess());
  }

  /**
   * Registration with kubelet's plugin watcher; empty when the upstream node-driver-registrar
   * sidecar does the job.
   */
  @Bean(destroyMethod = "close")
  KubeletRegistration kubeletRegistration(DriverProperties properties) {
    if (!properties.registration().enabled()) {
      return new KubeletRegistration(null);
    }
    return new KubeletRegistration(
        new PluginRegistrationServer(
            properties.registrationSocket(),
            properties.driverName(),
            properties.registration().kubeletEndpoint()));
  }

  /** The start-up check of this driver's CSIDriver object; it reads nothing while created. */
  @Bean
  CsiDriverCheck csiDriverCheck(DriverProperties properties, KubernetesClient kubernetes) {
    return new CsiDriverCheck(kubernetes, properties.driverName());
  }

  /**
   * Once the driver serves, in the background (already started by the warm-up unless that is off):
   * a missing object, RBAC or an unreachable API server is logged, never stops the start.
   */
  @EventListener(ApplicationReadyEvent.class)
  void checkCsiDriver(ApplicationReadyEvent ready) {
    ready.getApplicationContext().getBean(CsiDriverCheck.class).startInBackground();
  }

  /**
   * Registers only once the application is ready, i.e. the CSI socket serves: kubelet calls it
   * right after {@code GetInfo}, and a registration against a socket that does not answer yet
   * fails.
   */
  @EventListener(ApplicationReadyEvent.class)
  void registerWithKubelet(ApplicationReadyEvent ready) {
    ready.getApplicationContext().getBean(KubeletRegistration.class).start();
  }

  @Bean(destroyMethod = "close")
  CsiSocketHealthIndicator csiSocketHealthIndicator(DriverProperties properties) {
    return new CsiSocketHealthIndicator(properties.socketPath(), Duration.ofSeconds(3));
  }

  @Bean
  KubeletRegistrationHealthIndicator kubeletRegistrationHealthIndicator(
      KubeletRegistration registration) {
    return new KubeletRegistrationHealthIndicator(registration.server().orElse(null));
  }

  @Bean
  ProviderHealthIndicator providerHealthIndicator(ProviderClients providers) {
    return new ProviderHealthIndicator(providers);
  }

  @Bean
  NodeGrpcService nodeGrpcService(
      DriverProperties properties,
      VolumeService volumes,
      VolumeCallPool calls,
      DriverSocket socket) {
    return new NodeGrpcService(properties.nodeId(), volumes, calls);
  }

  /** Prepares kubelet's socket directory and removes a socket left by a previous run. */
  @Bean
  DriverSocket driverSocket(DriverProperties properties) {
    try {
      Files.createDirectories(properties.socketPath().getParent());
      Files.deleteIfExists(properties.socketPath());
    } catch (IOException e) {
      throw new UncheckedIOException("cannot prepare the socket " + properties.socketPath(), e);
    }
    return new DriverSocket();
  }

  /** Marker that the socket path is ready to bind. */
  public static final class DriverSocket {}
}
