package io.secretsstore.driver.publish;

import io.secretsstore.model.names.CsiNames;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;

/**
 * One rotation cycle over a node's volumes. It carries an id the provider uses to share one store
 * read per (verified identity, path, version) among the cycle's calls, and it reads each import
 * once for all volumes of the cycle. Both are structures, not time windows: they hold however long
 * a cycle takes on a loaded node.
 */
public final class RotationCycle {

  private final String id;
  private final Map<String, CompletableFuture<ProviderMount>> imports = new ConcurrentHashMap<>();

  private RotationCycle(String id) {
    this.id = id;
  }

  /** A new cycle with an id no earlier cycle had. */
  public static RotationCycle start() {
    return new RotationCycle(UUID.randomUUID().toString());
  }

  public String id() {
    return id;
  }

  /** The volume's import, read once per cycle (a failed read fails every volume of it). */
  ProviderMount importOf(
      ImportResolver resolver, String namespace, Map<String, String> volumeContext)
      throws PublishException {
    String key =
        namespace
            + "/"
            + volumeContext.get(CsiNames.ATTRIBUTE_SECRETS_STORE_IMPORT)
            + "/"
            + volumeContext.get(CsiNames.ATTRIBUTE_SECRET_PROVIDER_CLASS);
    CompletableFuture<ProviderMount> mine = new CompletableFuture<>();
    CompletableFuture<ProviderMount> existing = imports.putIfAbsent(key, mine);
    if (existing == null) {
      try {
        mine.complete(resolver.resolve(namespace, volumeContext));
      } catch (PublishException | RuntimeException e) {
        mine.completeExceptionally(e);
      }
    }
    try {
      return (existing == null ? mine : existing).join();
    } catch (CompletionException e) {
      if (e.getCause() instanceof PublishException publish) {
        throw publish;
      }
      if (e.getCause() instanceof RuntimeException runtime) {
        throw runtime;
      }
      throw e;
    }
  }

  @Override
  public String toString() {
    return "rotation cycle " + id;
  }
}
