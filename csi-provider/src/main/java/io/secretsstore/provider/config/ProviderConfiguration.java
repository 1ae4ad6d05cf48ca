package io.secretsstore.provider.config;

import io.micrometer.core.instrument.MeterRegistry;
import io.secretsstore.provider.grpc.ProviderGrpcService;
import io.secretsstore.provider.mount.MountService;
import io.secretsstore.provider.mount.ObjectVersions;
import io.secretsstore.provider.mount.ProviderMetrics;
import io.secretsstore.provider.mount.ReadCoalescer;
import io.secretsstore.vault.StoreClients;
import io.secretsstore.vault.StoreMetrics;
import io.secretsstore.vault.login.TokenCache;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.time.Clock;
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
  StoreClients storeClients(StoreMetrics metrics) {
    return new StoreClients(metrics);
  }

  @Bean
  TokenCache tokenCache(StoreMetrics metrics) {
    return new TokenCache(Clock.systemUTC(), metrics);
  }

  @Bean
  ReadCoalescer readCoalescer(ProviderProperties properties) {
    return new ReadCoalescer(properties.coalesceWindow());
  }

  @Bean
  ObjectVersions objectVersions(ProviderProperties properties) {
    return ObjectVersions.fromKeyFile(properties.objectVersionKeyPath());
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
      ReadCoalescer coalescer,
      ObjectVersions versions,
      ProviderMetrics metrics) {
    return new MountService(properties, defaults, clients, tokens, coalescer, versions, metrics);
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

  /** Prepares the socket directory and removes a socket left by a previous run. */
  @Bean
  ProviderSocket providerSocket(ProviderProperties properties) {
    try {
      Files.createDirectories(properties.socketDir());
      Files.deleteIfExists(properties.socketPath());
    } catch (IOException e) {
      throw new UncheckedIOException(
          "cannot prepare the provider socket " + properties.socketPath(), e);
    }
    return new ProviderSocket();
  }

  /** Marker that the socket path is ready to bind. */
  public static final class ProviderSocket {}
}
