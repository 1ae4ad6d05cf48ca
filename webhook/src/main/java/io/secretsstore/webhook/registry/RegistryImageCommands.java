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
  private final RegistryAccess access;

  /** Bounds memory and connections however many admissions ask at once. */
  private final java.util.concurrent.Semaphore inFlight;

  public RegistryImageCommands(
      RegistryProperties properties,
      Supplier<PullSecretCredentials> credentials,
      MeterRegistry meters) {
    this.properties = properties;
    this.credentials = credentials;
    this.meters = meters;
    this.access = new RegistryAccess(properties);
    RegistryHttp.verifyAvailable();
    this.inFlight = new java.util.concurrent.Semaphore(properties.maxConcurrentLookups());
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
    long deadline = System.nanoTime() + properties.timeout().toNanos();
    // No waiting for a permit: a lookup beyond the bound is denied at once, so a burst of pods
    // naming slow registries cannot pile admissions up behind it. The permit is held by the fetch
    // itself, until it has really stopped (an interrupted fetch on a virtual thread closes its
    // socket), not only until its caller gave up.
    if (!inFlight.tryAcquire()) {
      result = "busy";
      sample.stop(meters.timer("secrets_store.webhook.registry.lookup", "result", result));
      meters.counter("secrets_store.webhook.registry.lookups", "result", result).increment();
      throw new LookupException(
          "too many registry lookups at once (registry.max-concurrent-lookups "
              + properties.maxConcurrentLookups()
              + "); set the container's command in the pod spec, or retry");
    }
    Future<ImageCommand> future;
    try {
      future =
          lookups.submit(
              () -> {
                try {
                  return fetch(reference, architecture, pod);
                } finally {
                  inFlight.release();
                }
              });
    } catch (RuntimeException e) {
      inFlight.release();
      throw e;
    }
    try {
      long left = Math.max(0, deadline - System.nanoTime());
      ImageCommand command = future.get(left, TimeUnit.NANOSECONDS);
      result = "fetched";
      cacheFor(reference)
          .ifPresent(ttl -> cache.put(key, new Cached(command, System.nanoTime() + ttl)));
      return command;
    } catch (TimeoutException e) {
      future.cancel(true);
      result = "timeout";
      throw new LookupException(RegistryAccess.unreachable(reference.getRegistry()));
    } catch (ExecutionException e) {
      Throwable cause = e.getCause();
      if (cause instanceof LookupException lookup) {
        throw lookup;
      }
      throw new LookupException(describe(reference, cause, pod));
    } catch (InterruptedException e) {
      future.cancel(true);
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
    access.check(registry);
    boolean insecure = properties.insecureRegistries().contains(registry);
    FailoverHttpClient http = RegistryHttp.client(access, properties, insecure);
    try {
      return fetch(reference, architecture, pod, registry, http);
    } catch (IOException | RegistryException | RuntimeException e) {
      // What the guarded transport refused or cut off, however jib wrapped it.
      for (Throwable cause = e; cause != null; cause = cause.getCause()) {
        if (cause instanceof RegistryHttp.Refused || cause instanceof RegistryHttp.RefusedHost) {
          throw new LookupException(cause.getMessage());
        }
        if (cause instanceof RegistryHttp.TooLarge tooLarge) {
          throw new LookupException(
              tooLarge.blob
                  ? tooLarge(reference)
                  : "the manifest of image "
                      + reference
                      + " is larger than "
                      + tooLarge.setting
                      + " ("
                      + tooLarge.limit
                      + ")");
        }
      }
      throw e;
    } finally {
      http.shutDown();
    }
  }

  private ImageCommand fetch(
      ImageReference reference,
      String architecture,
      PodContext pod,
      String registry,
      FailoverHttpClient http)
      throws IOException, RegistryException, LookupException {
    // Only the credentials of the host asked: the origin's are never sent to its mirror.
    Optional<Credential> credential = credentials.get().forRegistry(registry, pod);
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
    long declared = buildable.getContainerConfiguration().getSize();
    if (declared > properties.maxConfigBytes()) {
      throw new LookupException(tooLarge(reference));
    }
    CappedOutput bytes = new CappedOutput(properties.maxConfigBytes());
    try {
      client.pullBlob(config, size -> {}, read -> {}).writeTo(bytes);
    } catch (IOException | RuntimeException e) {
      if (bytes.exceeded) {
        throw new LookupException(tooLarge(reference));
      }
      throw e;
    }
    JsonNode configuration = JSON.readTree(bytes.toByteArray()).path("config");
    return new ImageCommand(
        strings(configuration.path("Entrypoint")), strings(configuration.path("Cmd")));
  }

  private String tooLarge(ImageReference reference) {
    return "the config of image "
        + reference
        + " is larger than registry.max-config-bytes ("
        + properties.maxConfigBytes()
        + ")";
  }

  /** Keeps at most {@code limit} bytes; more means the registry is not serving an image config. */
  private static final class CappedOutput extends java.io.OutputStream {
    private final long limit;
    private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    private volatile boolean exceeded;

    CappedOutput(long limit) {
      this.limit = limit;
    }

    @Override
    public void write(int b) throws IOException {
      write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
      if (bytes.size() + (long) len > limit) {
        exceeded = true;
        throw new IOException("more than " + limit + " bytes");
      }
      bytes.write(b, off, len);
    }

    byte[] toByteArray() {
      return bytes.toByteArray();
    }
  }

  private static List<String> strings(JsonNode array) {
    List<String> values = new ArrayList<>();
    array.forEach(value -> values.add(value.asText()));
    return values;
  }

  private String describe(ImageReference reference, Throwable cause, PodContext pod) {
    String registry = reference.getRegistry();
    if (cause instanceof RegistryUnauthorizedException) {
      var reads = credentials.get().secretReads();
      return "the registry "
          + registry
          + " refused access to "
          + reference.getRepository()
          + (reads.allows(pod.namespace())
              ? " (check the pod's imagePullSecrets)"
              : " without credentials: "
                  + reads.refusal(pod.namespace())
                  + "; set the container's command in the pod spec");
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
    // TLS failures, refused connections, unknown hosts: one text (see RegistryAccess).
    return RegistryAccess.unreachable(registry);
  }

  @Override
  public void close() {
    lookups.shutdownNow();
  }
}
