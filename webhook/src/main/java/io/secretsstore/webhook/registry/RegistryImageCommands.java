package io.secretsstore.webhook.registry;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.cloud.tools.jib.api.Credential;
import com.google.cloud.tools.jib.api.DescriptorDigest;
import com.google.cloud.tools.jib.api.ImageReference;
import com.google.cloud.tools.jib.api.InvalidImageReferenceException;
import com.google.cloud.tools.jib.api.RegistryException;
import com.google.cloud.tools.jib.api.RegistryUnauthorizedException;
import com.google.cloud.tools.jib.event.EventHandlers;
import com.google.cloud.tools.jib.http.FailoverHttpClient;
import com.google.cloud.tools.jib.image.json.BuildableManifestTemplate;
import com.google.cloud.tools.jib.image.json.ManifestListTemplate;
import com.google.cloud.tools.jib.image.json.ManifestTemplate;
import com.google.cloud.tools.jib.registry.ManifestAndDigest;
import com.google.cloud.tools.jib.registry.RegistryClient;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;

/**
 * Reads ENTRYPOINT/CMD from the registry with jib-core: credentials from the pod's pull secrets,
 * the platform's manifest from an index, TLS verified unless the registry is listed as insecure,
 * mirrors honoured, a deadline, and a bounded cache (tags for a while, digests until evicted,
 * {@code latest} not at all unless configured).
 */
public final class RegistryImageCommands implements ImageCommands, AutoCloseable {

  private static final ObjectMapper JSON = new ObjectMapper();

  private record Cached(ImageCommand command, long expiresAtNanos) {}

  private final RegistryProperties properties;
  private final Supplier<PullSecretCredentials> credentials;
  private final MeterRegistry meters;
  private final ExecutorService lookups =
      Executors.newThreadPerTaskExecutor(Thread.ofVirtual().name("registry-lookup-", 0).factory());
  private final Map<String, Cached> cache;

  public RegistryImageCommands(
      RegistryProperties properties,
      Supplier<PullSecretCredentials> credentials,
      MeterRegistry meters) {
    this.properties = properties;
    this.credentials = credentials;
    this.meters = meters;
    this.cache =
        java.util.Collections.synchronizedMap(
            new LinkedHashMap<>(16, 0.75f, true) {
              @Override
              protected boolean removeEldestEntry(Map.Entry<String, Cached> eldest) {
                return size() > properties.cacheSize();
              }
            });
  }

  @Override
  public ImageCommand lookup(String image, PodContext pod) throws LookupException {
    ImageReference reference;
    try {
      reference = ImageReference.parse(image);
    } catch (InvalidImageReferenceException e) {
      throw new LookupException("'" + image + "' is not an image reference");
    }
    String architecture =
        pod.architecture() == null ? properties.defaultArchitecture() : pod.architecture();
    // A lookup by tag is per pull-secret set: another namespace may not see a private image.
    String key =
        image
            + "|"
            + architecture
            + "|"
            + pod.namespace()
            + "|"
            + pod.imagePullSecrets()
            + "|"
            + pod.serviceAccount();
    Cached hit = cache.get(key);
    if (hit != null && System.nanoTime() < hit.expiresAtNanos()) {
      meters.counter("secrets_store.webhook.registry.lookups", "result", "cache_hit").increment();
      return hit.command();
    }
    Timer.Sample sample = Timer.start(meters);
    String result = "error";
    Future<ImageCommand> future = lookups.submit(() -> fetch(reference, architecture, pod));
    try {
      ImageCommand command = future.get(properties.timeout().toMillis(), TimeUnit.MILLISECONDS);
      result = "fetched";
      cacheFor(reference)
          .ifPresent(ttl -> cache.put(key, new Cached(command, System.nanoTime() + ttl)));
      return command;
    } catch (TimeoutException e) {
      future.cancel(true);
      result = "timeout";
      throw new LookupException(
          "the registry "
              + reference.getRegistry()
              + " did not answer within "
              + properties.timeout().toMillis()
              + " ms");
    } catch (ExecutionException e) {
      Throwable cause = e.getCause();
      if (cause instanceof LookupException lookup) {
        throw lookup;
      }
      throw new LookupException(describe(reference, cause));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new LookupException("interrupted");
    } finally {
      sample.stop(meters.timer("secrets_store.webhook.registry.lookup", "result", result));
      meters.counter("secrets_store.webhook.registry.lookups", "result", result).increment();
    }
  }

  /** How long the answer may be reused (nanoseconds), or not at all. */
  private Optional<Long> cacheFor(ImageReference reference) {
    if (properties.cacheSize() == 0) {
      return Optional.empty();
    }
    if (reference.getDigest().isPresent()) {
      return Optional.of(Long.MAX_VALUE / 4);
    }
    boolean mutable = reference.getTag().map(t -> t.equals("latest")).orElse(true);
    if (mutable && !properties.cacheMutableTags()) {
      return Optional.empty();
    }
    return Optional.of(properties.cacheTtl().toNanos());
  }

  private ImageCommand fetch(ImageReference reference, String architecture, PodContext pod)
      throws IOException, RegistryException, LookupException {
    String registry =
        properties.mirrors().getOrDefault(reference.getRegistry(), reference.getRegistry());
    boolean insecure = properties.insecureRegistries().contains(registry);
    if (!insecure) {
      checkTls(registry);
    }
    FailoverHttpClient http = new FailoverHttpClient(insecure, false, event -> {});
    try {
      // A mirror is asked with its own credentials first, like container runtimes do.
      Optional<Credential> credential = credentials.get().forRegistry(registry, pod);
      if (credential.isEmpty() && !registry.equals(reference.getRegistry())) {
        credential = credentials.get().forRegistry(reference.getRegistry(), pod);
      }
      RegistryClient.Factory factory =
          RegistryClient.factory(EventHandlers.NONE, registry, reference.getRepository(), http)
              .setUserAgent("secrets-store-webhook");
      credential.ifPresent(factory::setCredential);
      RegistryClient client = factory.newRegistryClient();
      if (credential.isPresent()) {
        client.configureBasicAuth();
      }
      client.doPullBearerAuth();
      ManifestAndDigest<ManifestTemplate> manifest = client.pullManifest(reference.getQualifier());
      ManifestTemplate template = manifest.getManifest();
      if (template instanceof ManifestListTemplate index) {
        List<String> digests = index.getDigestsForPlatform(architecture, "linux");
        if (digests.isEmpty()) {
          throw new LookupException(
              "image " + reference + " has no linux/" + architecture + " variant in its index");
        }
        template = client.pullManifest(digests.getFirst()).getManifest();
      }
      if (!(template instanceof BuildableManifestTemplate buildable)
          || buildable.getContainerConfiguration() == null) {
        throw new LookupException(
            "image " + reference + " has a manifest format the webhook cannot read");
      }
      DescriptorDigest config = buildable.getContainerConfiguration().getDigest();
      ByteArrayOutputStream bytes = new ByteArrayOutputStream();
      client.pullBlob(config, size -> {}, read -> {}).writeTo(bytes);
      JsonNode configuration = JSON.readTree(bytes.toByteArray()).path("config");
      return new ImageCommand(
          strings(configuration.path("Entrypoint")), strings(configuration.path("Cmd")));
    } finally {
      http.shutDown();
    }
  }

  /**
   * A TLS handshake before jib's client, whose retries would turn an untrusted certificate into a
   * timeout: the user learns what is wrong.
   */
  private void checkTls(String registry) throws LookupException {
    int colon = registry.lastIndexOf(':');
    String host = colon > 0 ? registry.substring(0, colon) : registry;
    int port = colon > 0 ? Integer.parseInt(registry.substring(colon + 1)) : 443;
    if (registry.equals("docker.io")) {
      host = "registry-1.docker.io";
    }
    int timeout = (int) Math.min(properties.timeout().toMillis(), 3_000);
    try (java.net.Socket plain = new java.net.Socket()) {
      plain.connect(new java.net.InetSocketAddress(host, port), timeout);
      plain.setSoTimeout(timeout);
      try (javax.net.ssl.SSLSocket socket =
          (javax.net.ssl.SSLSocket)
              javax.net.ssl.SSLContext.getDefault()
                  .getSocketFactory()
                  .createSocket(plain, host, port, false)) {
        javax.net.ssl.SSLParameters parameters = socket.getSSLParameters();
        parameters.setEndpointIdentificationAlgorithm("HTTPS");
        socket.setSSLParameters(parameters);
        socket.startHandshake();
      }
    } catch (javax.net.ssl.SSLException e) {
      throw new LookupException(
          "TLS with the registry "
              + registry
              + " failed: its certificate is not trusted (or not for that name); add its CA, or"
              + " list it under registry.insecure-registries");
    } catch (IOException | java.security.NoSuchAlgorithmException e) {
      // Not a TLS problem: jib's client reports connection failures itself.
    }
  }

  private static List<String> strings(JsonNode array) {
    List<String> values = new ArrayList<>();
    array.forEach(value -> values.add(value.asText()));
    return values;
  }

  private static String describe(ImageReference reference, Throwable cause) {
    String registry = reference.getRegistry();
    if (cause instanceof RegistryUnauthorizedException) {
      return "the registry "
          + registry
          + " refused access to "
          + reference.getRepository()
          + " (check the pod's imagePullSecrets)";
    }
    if (cause instanceof javax.net.ssl.SSLException
        || (cause != null && cause.getCause() instanceof javax.net.ssl.SSLException)) {
      return "TLS with the registry " + registry + " failed (certificate not trusted?)";
    }
    String message =
        cause == null || cause.getMessage() == null
            ? ""
            : cause.getMessage().toLowerCase(java.util.Locale.ROOT);
    if (message.contains("manifest unknown")
        || message.contains("manifest_unknown")
        || message.contains("not found")
        || message.contains("404")) {
      return "image " + reference + " was not found in the registry";
    }
    return "the registry "
        + registry
        + " could not be read: "
        + (cause == null ? "" : cause.getClass().getSimpleName());
  }

  @Override
  public void close() {
    lookups.shutdownNow();
  }
}
