package io.secretsstore.controller.secrets;

import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.secretsstore.controller.config.ConnectionDefaults;
import io.secretsstore.controller.config.ControllerProperties;
import io.secretsstore.controller.imports.ImportOutcome;
import io.secretsstore.model.connection.LoginAdvice;
import io.secretsstore.model.crd.PodMountStatus;
import io.secretsstore.model.crd.SecretFile;
import io.secretsstore.model.crd.SecretSyncStatus;
import io.secretsstore.model.crd.SecretsStoreImport;
import io.secretsstore.model.crd.SecretsStoreImportSpec;
import io.secretsstore.model.values.Base64Values;
import io.secretsstore.vault.KvSecret;
import io.secretsstore.vault.StoreClient;
import io.secretsstore.vault.StoreClients;
import io.secretsstore.vault.error.StoreErrorKind;
import io.secretsstore.vault.error.StoreException;
import io.secretsstore.vault.login.KubernetesLogin;
import io.secretsstore.vault.login.ServiceAccountRef;
import io.secretsstore.vault.login.TokenCache;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.TreeMap;
import java.util.concurrent.Semaphore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.databind.json.JsonMapper;

/**
 * The opt-in Secret mode: logs in to the store as a service account of the import's namespace (a
 * short-lived, audience-bound token from the TokenRequest API, at most one per sync), reads each
 * listed key once per path, and writes the Secret only when it differs. On any failure the Secret
 * keeps its previous content. Never uses a cluster-wide store credential.
 */
public final class SecretSync {

  private static final Logger log = LoggerFactory.getLogger(SecretSync.class);
  private static final JsonMapper JSON = JsonMapper.builder().build();

  private final KubernetesClient kubernetes;
  private final StoreClients stores;
  private final TokenCache tokens;
  private final ImportStoreConnection connections;
  private final SyncTokens syncTokens;
  private final Clock clock;
  private final Semaphore concurrency;

  public SecretSync(
      KubernetesClient kubernetes,
      StoreClients stores,
      TokenCache tokens,
      ConnectionDefaults defaults,
      ControllerProperties.SecretSync settings,
      Clock clock) {
    this.kubernetes = kubernetes;
    this.stores = stores;
    this.tokens = tokens;
    this.connections = new ImportStoreConnection(defaults);
    this.syncTokens = new SyncTokens(kubernetes, settings);
    this.clock = clock;
    this.concurrency = new Semaphore(settings.maxConcurrentSyncs());
  }

  /** The last successful sync of an import, to answer Secret events without asking the store. */
  private record LastSync(Long generation, Secret desired, ImportOutcome outcome, Instant at) {}

  private final Map<String, LastSync> lastSyncs = new java.util.concurrent.ConcurrentHashMap<>();

  /**
   * Brings the import's Secret in line with the store; the outcome becomes the import's status.
   * Between refreshes (same generation, less than 80% of {@code refreshInterval} since the last
   * store read) it only restores the Secret from the last read: a manual edit, or the event of our
   * own write, costs the store nothing.
   */
  public ImportOutcome sync(SecretsStoreImport ssi, Duration refreshInterval)
      throws SyncFailure, InterruptedException {
    String namespace = ssi.getMetadata().getNamespace();
    String name = SecretModel.secretName(ssi);
    Secret existing = kubernetes.secrets().inNamespace(namespace).withName(name).get();
    Instant now = clock.instant();
    LastSync last = lastSyncs.get(ssi.getMetadata().getUid());
    if (last != null
        && java.util.Objects.equals(last.generation(), ssi.getMetadata().getGeneration())
        && now.isBefore(last.at().plus(refreshInterval.multipliedBy(4).dividedBy(5)))
        && last.desired().getMetadata().getName().equals(name)
        && (existing == null || SecretModel.isOurs(existing, ssi))) {
      write(ssi, existing, last.desired());
      return last.outcome();
    }
    lastSyncs
        .values()
        .removeIf(old -> old.at().isBefore(now.minus(refreshInterval.multipliedBy(10))));
    ImportOutcome outcome = fullSync(ssi, existing, name);
    return outcome;
  }

  private ImportOutcome fullSync(SecretsStoreImport ssi, Secret existing, String name)
      throws SyncFailure, InterruptedException {
    String namespace = ssi.getMetadata().getNamespace();
    if (existing != null && !SecretModel.isOurs(existing, ssi)) {
      throw new SyncFailure(
          ImportOutcome.SECRET_NAME_TAKEN,
          "Secret '"
              + name
              + "' already exists and is not managed by this import; set spec.secret.name to"
              + " another name or remove that Secret",
          false);
    }
    Map<String, byte[]> values;
    Map<String, String> versions;
    concurrency.acquire();
    try {
      Read read = readValues(ssi);
      values = read.values();
      versions = read.versions();
    } finally {
      concurrency.release();
    }
    Secret desired = SecretModel.desired(ssi, values);
    write(ssi, existing, desired);
    SecretSyncStatus status = new SecretSyncStatus();
    status.setSecretName(name);
    status.setLastSyncTime(clock.instant().toString());
    List<PodMountStatus.ObjectVersion> objects = new ArrayList<>();
    new TreeMap<>(versions)
        .forEach((key, version) -> objects.add(new PodMountStatus.ObjectVersion(key, version)));
    status.setObjects(objects);
    ImportOutcome outcome =
        new ImportOutcome(
            true,
            ImportOutcome.SYNCED,
            "Synced into Secret '"
                + name
                + "'. The values are stored in etcd as a Kubernetes Secret, readable by anyone who may"
                + " read Secrets in this namespace.",
            status);
    lastSyncs.put(
        ssi.getMetadata().getUid(),
        new LastSync(ssi.getMetadata().getGeneration(), desired, outcome, clock.instant()));
    return outcome;
  }

  /** Creates the Secret, or reverts it to {@code desired} when it differs; no write otherwise. */
  private void write(SecretsStoreImport ssi, Secret existing, Secret desired) {
    String where = desired.getMetadata().getNamespace() + "/" + desired.getMetadata().getName();
    if (existing == null) {
      kubernetes.resource(desired).create();
      log.info("created Secret {} from import {}", where, ssi.getMetadata().getName());
    } else if (!SecretModel.matches(existing, desired)) {
      kubernetes.resource(SecretModel.merged(existing, desired)).update();
      log.info("updated Secret {} from import {}", where, ssi.getMetadata().getName());
    }
  }

  private record Read(Map<String, byte[]> values, Map<String, String> versions) {}

  private Read readValues(SecretsStoreImport ssi) throws SyncFailure {
    SecretsStoreImportSpec spec = ssi.getSpec();
    String namespace = ssi.getMetadata().getNamespace();
    String account = spec.getSecret().getServiceAccountName();
    // Both checks come before any token is requested: a refused import costs no TokenRequest.
    StoreClient store = stores.forConnection(connections.of(spec));
    String audience = syncTokens.audience(spec);
    KubernetesLogin login =
        new KubernetesLogin(
            connections.authPath(spec),
            spec.getRole(),
            new ServiceAccountRef(namespace, account),
            syncTokens.onFirstUse(namespace, account, audience));
    Map<String, KvSecret> secrets = new LinkedHashMap<>();
    Map<String, byte[]> values = new TreeMap<>();
    Map<String, String> versions = new TreeMap<>();
    try {
      for (SecretFile file : spec.getFiles()) {
        String path = file.getSource().getPath();
        KvSecret secret =
            secrets.computeIfAbsent(
                path,
                p ->
                    tokens.withToken(
                        store, login, token -> store.readKv(token, p, OptionalInt.empty())));
        byte[] value = bytes(secret.requireValue(file.getSource().getKey()));
        if (Boolean.TRUE.equals(file.getDecodeBase64())) {
          try {
            // The one decodeBase64 rule (whitespace anywhere ignored), as for CSI files.
            value = Base64Values.decode(new String(value, StandardCharsets.US_ASCII));
          } catch (IllegalArgumentException e) {
            throw new SyncFailure(
                ImportOutcome.SYNC_FAILED,
                "key '"
                    + file.getSource().getKey()
                    + "' of "
                    + path
                    + " is not Base64 (file '"
                    + file.getName()
                    + "' has decodeBase64: true)",
                false);
          }
        }
        values.put(file.getName(), value);
        versions.put(
            file.getName(),
            secret.version().isPresent() ? "v" + secret.version().getAsInt() : "kv1");
      }
    } catch (RuntimeException e) {
      // Logins shared with concurrent syncs arrive wrapped; the cause says what happened.
      Throwable cause = e;
      while (cause instanceof java.util.concurrent.CompletionException
          && cause.getCause() != null) {
        cause = cause.getCause();
      }
      switch (cause) {
        // Store messages name address, path, role and status; never values or tokens.
        case StoreException failure ->
            throw new SyncFailure(
                ImportOutcome.SYNC_FAILED,
                failure.getMessage() + advice(failure, login.authPath(), spec.getRole(), audience),
                failure.retryable());
        case SyncTokens.TokenRequestFailed token ->
            throw new SyncFailure(ImportOutcome.SYNC_FAILED, token.getMessage(), token.retryable);
        case IllegalArgumentException invalid ->
            throw new SyncFailure(ImportOutcome.SYNC_FAILED, invalid.getMessage(), false);
        default -> throw e;
      }
    }
    return new Read(values, versions);
  }

  /** For a denied login, what to set on the store role (the token's audience); else nothing. */
  private static String advice(StoreException failure, String authPath, String role, String aud) {
    return failure.kind() == StoreErrorKind.LOGIN_DENIED && failure.httpStatus().orElse(0) == 403
        ? LoginAdvice.deniedLogin(authPath, role, aud)
        : "";
  }

  private static byte[] bytes(Object value) {
    if (value instanceof String text) {
      return text.getBytes(StandardCharsets.UTF_8);
    }
    return JSON.writeValueAsString(value).getBytes(StandardCharsets.UTF_8);
  }
}
