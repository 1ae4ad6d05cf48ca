package io.secretsstore.provider.config;

import io.micrometer.core.instrument.MeterRegistry;
import io.secretsstore.provider.grpc.ProviderGrpcService;
import io.secretsstore.provider.mount.MountService;
import io.secretsstore.provider.mount.MountWarmUp;
import io.secretsstore.provider.mount.ObjectVersions;
import io.secretsstore.provider.mount.ProviderMetrics;
import io.secretsstore.provider.mount.SharedReads;
import io.secretsstore.provider.mount.StoreAccessPolicy;
import io.secretsstore.vault.StoreClients;
import io.secretsstore.vault.StoreMetrics;
import io.secretsstore.vault.StorePacing;
import io.secretsstore.vault.StoreReachability;
import io.secretsstore.vault.login.TokenCache;
import java.time.Clock;
import java.time.Duration;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.info.BuildProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** Wires the provider; typed settings are read here once (Strimzi style). */
@Configuration(proxyBeanMethods = false)
public class ProviderConfiguration {

  @Bean
  StoreMetrics storeMetrics(MeterRegistry registry) {
    return new StoreMetrics(registry);
  }

  @Bean
  StoreClients storeClients(StoreMetrics metrics, ProviderProperties properties) {
    // One pool of store permits for every connection; a permit is held per attempt only. During an
    // outage kubelet keeps publishing every waiting volume: an address that refused a connection
    // costs one attempt per hold, not one per publish (issue 14).
    return new StoreClients(
        metrics,
        new StorePacing(properties.maxStoreConcurrency()),
        StoreClients.DEFAULT_MAX_CLIENTS,
        new StoreReachability(properties.unreachableHold()));
  }

  @Bean
  TokenCache tokenCache(StoreMetrics metrics) {
    return new TokenCache(Clock.systemUTC(), metrics);
  }

  @Bean
  SharedReads sharedReads(ProviderProperties properties) {
    return new SharedReads(properties.coalesceWindow());
  }

  /**
   * Its key file is the provider's own (not in the shared socket directory): an unsafe one stops
   * the start with one line naming the file.
   */
  @Bean
  ObjectVersions objectVersions(ProviderProperties properties) {
    return ObjectVersions.fromKeyFile(properties.objectVersionKeyFile());
  }

  @Bean
  ProviderMetrics providerMetrics(MeterRegistry registry) {
    return new ProviderMetrics(registry);
  }

  @Bean
  MountService mountService(
      ProviderProperties properties,
      ConnectionDefaults defaults,
      StoreClients clients,
      TokenCache tokens,
      SharedReads coalescer,
      ObjectVersions versions,
      ProviderMetrics metrics) {
    return new MountService(
        properties,
        defaults,
        clients,
        tokens,
        coalescer,
        versions,
        metrics,
        new StoreAccessPolicy(properties, defaults));
  }

  /**
   * What the first mount would otherwise load, link and build, before readiness (common-daemon's
   * StartupWarmUp runs it; {@code secrets-store.warm-up.enabled=false} turns it off).
   */
  @Bean
  MountWarmUp mountWarmUp(
      MountService mounts,
      StoreClients clients,
      ConnectionDefaults defaults,
      ObjectVersions versions) {
    return new MountWarmUp(mounts, clients, defaults, versions, Clock.systemUTC());
  }

  /**
   * The gRPC service; created after {@link #providerSocket} so a stale socket file of a previous
   * run is gone before the server binds.
   */
  @Bean
  ProviderGrpcService providerGrpcService(
      MountService mounts, ObjectProvider<BuildProperties> build, ProviderSocket socket) {
    String version = build.getIfAvailable() == null ? "0.1.0" : build.getIfAvailable().getVersion();
    return new ProviderGrpcService(mounts, version);
  }

  /**
   * Waits until the socket path can be bound (the csi-driver makes the shared directory writable
   * for the provider's group) and removes our own socket of a previous run.
   */
  @Bean
  ProviderSocket providerSocket(ProviderProperties properties) {
    new SocketDirectory(properties.socketPath(), Duration.ofSeconds(1), Duration.ofSeconds(30))
        .awaitBindable();
    return new ProviderSocket();
  }

  /** Marker that the socket path is ready to bind. */
  public static final class ProviderSocket {}
}
