package io.secretsstore.provider.mount;

import com.google.protobuf.ByteString;
import io.grpc.Status;
import io.micrometer.core.instrument.Timer;
import io.secretsstore.model.connection.TlsTrust;
import io.secretsstore.model.provider.ErrorCode;
import io.secretsstore.model.provider.v1alpha1.File;
import io.secretsstore.model.provider.v1alpha1.MountRequest;
import io.secretsstore.model.provider.v1alpha1.MountResponse;
import io.secretsstore.model.provider.v1alpha1.ObjectVersion;
import io.secretsstore.provider.config.ConnectionDefaults;
import io.secretsstore.provider.config.ProviderProperties;
import io.secretsstore.provider.mount.FileRequest.SecretSource;
import io.secretsstore.vault.KvSecret;
import io.secretsstore.vault.StoreClient;
import io.secretsstore.vault.StoreClients;
import io.secretsstore.vault.StoreConnection;
import io.secretsstore.vault.StoreResponse;
import io.secretsstore.vault.TlsOptions;
import io.secretsstore.vault.error.StoreException;
import io.secretsstore.vault.login.KubernetesLogin;
import io.secretsstore.vault.login.ServiceAccountJwt;
import io.secretsstore.vault.login.ServiceAccountRef;
import io.secretsstore.vault.login.TokenCache;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.databind.json.JsonMapper;

/**
 * Serves one {@code Mount}: parse, log in as the pod (token reused per identity), read each unique
 * secret once (identical reads of the same identity shared across concurrent mounts), build the
 * files and their versions.
 */
public final class MountService {

  private static final Logger log = LoggerFactory.getLogger(MountService.class);
  private static final JsonMapper JSON = JsonMapper.builder().build();
  private static final int DEFAULT_MODE = 0644;

  private final ProviderProperties properties;
  private final ConnectionDefaults defaults;
  private final StoreClients clients;
  private final TokenCache tokens;
  private final SharedReads coalescer;
  private final ObjectVersions versions;
  private final ProviderMetrics metrics;
  private final StoreAccessPolicy access;
  private final CaCertFiles caCertFiles;
  private final TlsTrust.Module moduleStore;
  private final Clock clock = Clock.systemUTC();
  private final IssuedWrites writes = new IssuedWrites(clock);
  private final IdentityBackoff backoff = new IdentityBackoff();

  public MountService(
      ProviderProperties properties,
      ConnectionDefaults defaults,
      StoreClients clients,
      TokenCache tokens,
      SharedReads coalescer,
      ObjectVersions versions,
      ProviderMetrics metrics,
      StoreAccessPolicy access) {
    this.properties = properties;
    this.access = access;
    this.caCertFiles = new CaCertFiles(java.util.Optional.ofNullable(properties.caCertDir()));
    this.moduleStore = TlsTrust.Module.of(defaults.url(), defaults.caCert());
    this.defaults = defaults;
    this.clients = clients;
    this.tokens = tokens;
    this.coalescer = coalescer;
    this.versions = versions;
    this.metrics = metrics;
  }

  public MountResponse mount(MountRequest request) {
    return mount(request, MountCancellation.none());
  }

  /**
   * Serves one mount; {@code cancellation} stops its store work when the caller gives up (a
   * cancelled gRPC call or a passed deadline): no new request is started, requests in flight are
   * aborted, and the mount returns only after its store work stopped.
   */
  public MountResponse mount(MountRequest request, MountCancellation cancellation) {
    Timer.Sample sample = metrics.start();
    MountParameters parameters = null;
    try {
      parameters = MountParametersParser.parse(request.getAttributes());
      MountResponse response =
          mount(parameters, defaultMode(request.getPermission()), cancellation);
      metrics.mountFinished(sample, "success");
      log.info(
          "Mounted {} file(s) for pod {} (role {}, {})",
          response.getFilesCount(),
          parameters.pod(),
          parameters.role(),
          parameters.dialect());
      return response;
    } catch (MountException e) {
      MountException failure = e;
      if (cancellation.isCancelled() && e.code() != ErrorCode.CANCELLED) {
        failure = cancelled(cancellation, e);
      }
      metrics.mountFinished(sample, failure.code().code());
      log.warn(
          "Mount failed for pod {}: {}: {}",
          parameters == null ? "(unparsed request)" : parameters.pod(),
          failure.code().code(),
          failure.getMessage());
      throw failure;
    } catch (RuntimeException e) {
      metrics.mountFinished(sample, ErrorCode.INTERNAL.code());
      log.error("Mount failed unexpectedly", e);
      throw new MountException(
          ErrorCode.INTERNAL,
          Status.Code.INTERNAL,
          "internal error in the provider; see its log",
          e);
    }
  }

  private static MountException cancelled(MountCancellation cancellation, Throwable cause) {
    return new MountException(
        ErrorCode.CANCELLED,
        Status.Code.CANCELLED,
        "the mount was cancelled (" + cancellation.reason() + "); its store requests were stopped",
        cause);
  }

  private MountResponse mount(
      MountParameters parameters, int defaultMode, MountCancellation cancellation) {
    // Where the token may go and which token, before any connection is made.
    parameters.address().ifPresent(access::checkAddress);
    StoreAccessPolicy.ChosenToken chosen = access.chooseToken(parameters);
    String jwt = chosen.jwt();
    // Every request's token is checked before it may share anything: a read in flight or a recent
    // one is handed only to a caller whose own token names the same account and audiences.
    ServiceAccountJwt caller = verifiedCaller(jwt, parameters.pod().serviceAccount());
    access.checkAudience(chosen, caller, parameters.address());
    StoreConnection connection = connection(parameters);
    // Held for the whole mount: a tenant naming many connections cannot close it under us.
    try (StoreClients.Lease lease = lease(connection)) {
      return mount(parameters, defaultMode, cancellation, jwt, caller, connection, lease.client());
    }
  }

  private StoreClients.Lease lease(StoreConnection connection) {
    try {
      return clients.lease(connection);
    } catch (IllegalArgumentException | IllegalStateException e) {
      throw MountException.invalid(ErrorCode.INVALID_PARAMETERS, e.getMessage());
    }
  }

  private MountResponse mount(
      MountParameters parameters,
      int defaultMode,
      MountCancellation cancellation,
      String jwt,
      ServiceAccountJwt caller,
      StoreConnection connection,
      StoreClient client) {
    String authPath = parameters.authPath().orElse(defaults.authPath());
    KubernetesLogin login =
        new KubernetesLogin(
            authPath, parameters.role(), parameters.pod().serviceAccount(), () -> jwt);
    Identity identity =
        new Identity(connection, authPath, parameters.role(), caller.subject(), caller.audiences());
    Optional<String> cycle = parameters.rotationCycle();

    Map<SecretSource, List<FileRequest>> bySource = new LinkedHashMap<>();
    for (FileRequest file : parameters.files()) {
      bySource.computeIfAbsent(file.source(), source -> new ArrayList<>()).add(file);
    }
    if (cycle.isPresent()) {
      // During a store outage a rotation cycle does not retry every identity every cycle.
      Optional<MountException> backingOff = backoff.skip(identity, cycle.get());
      if (backingOff.isPresent()) {
        metrics.read("backoff", bySource.size());
        log.debug("{} backs off in {}: store not asked", parameters.pod(), cycle.get());
        throw backingOff.get();
      }
    }
    int shared = parameters.files().size() - bySource.size();
    if (shared > 0) {
      metrics.read("shared", shared);
    }
    Map<SecretSource, CompletableFuture<SecretData>> reads = new LinkedHashMap<>();
    try {
      for (var entry : bySource.entrySet()) {
        SecretSource source = entry.getKey();
        List<FileRequest> files = entry.getValue();
        // Store permits are taken per attempt, inside the client (common-vault StorePacing): a
        // read that waits out a backoff holds none.
        Supplier<SecretData> load = () -> fetch(client, login, source, files);
        CompletableFuture<SecretData> result = new CompletableFuture<>();
        reads.put(source, result);
        cancellation.start(
            () -> {
              try {
                ReadKey key = new ReadKey(identity, source);
                SharedReads.Result read;
                if (!source.isRead()) {
                  read = writes.write(key, load);
                } else if (cycle.isPresent()) {
                  read = coalescer.readInCycle(key, cycle.get(), load);
                } else {
                  read = coalescer.read(key, load);
                }
                metrics.read(read.source().name().toLowerCase(java.util.Locale.ROOT), 1);
                result.complete(read.data());
              } catch (Throwable e) {
                // Whatever happens, the mount waiting for this read gets an answer.
                result.completeExceptionally(e);
              }
            });
      }

      MountResponse.Builder response = MountResponse.newBuilder();
      long total = 0;
      for (FileRequest file : parameters.files()) {
        SecretData data = await(reads.get(file.source()), cancellation);
        byte[] contents = contents(file, data);
        total += contents.length;
        if (total > properties.maxResponseBytes()) {
          throw new MountException(
              ErrorCode.RESPONSE_TOO_LARGE,
              Status.Code.RESOURCE_EXHAUSTED,
              "the files of this volume add up to more than "
                  + properties.maxResponseBytes()
                  + " bytes (secrets-store.provider.max-response-bytes); split them over several"
                  + " volumes");
        }
        response.addFiles(
            File.newBuilder()
                .setPath(file.name())
                .setMode(file.mode().orElse(defaultMode))
                .setContents(ByteString.copyFrom(contents)));
        response.addObjectVersion(
            ObjectVersion.newBuilder()
                .setId(file.name())
                .setVersion(versions.versionOf(file.source(), file.key(), contents)));
      }
      backoff.succeeded(identity);
      return response.build();
    } catch (MountException e) {
      if (cycle.isPresent() && IdentityBackoff.isTransient(e.code())) {
        backoff.failed(identity, cycle.get(), e);
      }
      throw e;
    } finally {
      if (cancellation.isCancelled()) {
        // Answer only once the store work of this mount has stopped.
        cancellation.awaitWorkers();
      }
      coalescer.evictExpired();
      writes.evictExpired();
      backoff.evictExpired();
    }
  }

  private SecretData fetch(
      StoreClient client, KubernetesLogin login, SecretSource source, List<FileRequest> files) {
    try {
      return tokens.withToken(
          client,
          login,
          token -> {
            if (source.isRead()) {
              StoreClient.KvRead read =
                  client.readKvResponse(token, source.path(), source.version());
              KvSecret secret = read.secret();
              return new SecretData(
                  secret.data(),
                  secret.version().isPresent() ? Integer.toString(secret.version().getAsInt()) : "",
                  read.response());
            }
            StoreResponse written = client.writeResponse(token, source.path(), source.arguments());
            return new SecretData(written.data(), "", written);
          });
    } catch (StoreException e) {
      throw storeFailure(e, source, files);
    } catch (IllegalArgumentException e) {
      throw MountException.invalid(ErrorCode.INVALID_PARAMETERS, e.getMessage());
    }
  }

  private static byte[] contents(FileRequest file, SecretData data) {
    Object value;
    if (file.key() == null) {
      // Upstream's object without secretKey: the store's whole answer, as the Go provider writes
      // it.
      return UpstreamJson.response(data.response()).getBytes(StandardCharsets.UTF_8);
    } else {
      value = data.data().get(file.key());
      if (value == null) {
        throw new MountException(
            ErrorCode.KEY_NOT_FOUND,
            Status.Code.NOT_FOUND,
            "file '"
                + file.name()
                + "': secret "
                + file.source().path()
                + " has no key '"
                + file.key()
                + "'; it has keys "
                + new java.util.TreeSet<>(data.data().keySet()));
      }
    }
    String text = value instanceof String string ? string : JSON.writeValueAsString(value);
    return file.encoding().apply(text, file.name());
  }

  StoreConnection connection(MountParameters parameters) {
    String address = parameters.address().orElse(defaults.url());
    if (address == null || address.isBlank()) {
      throw new MountException(
          ErrorCode.MISSING_CONNECTION,
          Status.Code.FAILED_PRECONDITION,
          "no store address: set 'address' in the import (vaultAddress in a SecretProviderClass)"
              + " or connection.url in the module settings");
    }
    // common-model's one trust rule (skip-verify, the request's PEM, its file, the module's CA for
    // the module's address however spelled, the system CAs), as in the controller and webhook.
    TlsTrust.Decision trust =
        TlsTrust.decide(
            new TlsTrust.Request(
                address,
                parameters.skipTlsVerify(),
                parameters.caCertPem().orElse(null),
                parameters.caCertPath().orElse(null)),
            moduleStore);
    trust.warning().ifPresent(warning -> log.warn("Pod {}: {}", parameters.pod(), warning));
    TlsOptions tls =
        switch (trust.source()) {
          case SKIP_VERIFY -> TlsOptions.insecureSkipVerify();
          case REQUEST_PEM, MODULE_CA -> TlsOptions.trustPem(trust.pem().orElseThrow());
          case REQUEST_FILE -> TlsOptions.trustPem(caCertFiles.read(trust.file().orElseThrow()));
          case SYSTEM_CAS -> TlsOptions.SYSTEM_CAS;
        };
    if (parameters.tlsServerName().isPresent()) {
      tls = tls.withServerName(parameters.tlsServerName().get());
    }
    try {
      return StoreConnection.builder(address)
          .namespace(parameters.namespace().orElse(defaults.namespace()))
          .tls(tls)
          .requestTimeout(properties.requestTimeout())
          .build();
    } catch (IllegalArgumentException e) {
      throw MountException.invalid(ErrorCode.INVALID_PARAMETERS, e.getMessage());
    }
  }

  private ServiceAccountJwt verifiedCaller(String jwt, ServiceAccountRef account) {
    try {
      return ServiceAccountJwt.requireFor(jwt, account, clock.instant());
    } catch (IllegalArgumentException e) {
      throw new MountException(
          ErrorCode.INVALID_TOKEN, Status.Code.PERMISSION_DENIED, e.getMessage());
    }
  }

  /**
   * A store failure as a mount failure. The store's transient failures (unreachable, timeout, 5xx,
   * 429) are answered {@code FAILED_PRECONDITION}, not {@code UNAVAILABLE}: each request was
   * already retried here, and the upstream driver's client retries {@code UNAVAILABLE} three times
   * itself (one publish would cost three mounts of store attempts). The stable code stays in the
   * trailer; our driver maps it for kubelet.
   */
  static MountException storeFailure(
      StoreException e, SecretSource source, List<FileRequest> files) {
    Status.Code status =
        switch (e.kind()) {
          case LOGIN_DENIED, PERMISSION_DENIED -> Status.Code.PERMISSION_DENIED;
          case NOT_FOUND, VERSION_DELETED, VERSION_DESTROYED, KEY_NOT_FOUND ->
              Status.Code.NOT_FOUND;
          case RATE_LIMITED, SERVER_ERROR, UNREACHABLE, TIMEOUT, TLS ->
              Status.Code.FAILED_PRECONDITION;
          case BAD_REQUEST, INVALID_RESPONSE -> Status.Code.INVALID_ARGUMENT;
          case CANCELLED -> Status.Code.CANCELLED;
        };
    String names = files.stream().map(f -> "'" + f.name() + "'").collect(Collectors.joining(", "));
    return new MountException(
        MountException.codeOf(e.kind()),
        status,
        "file " + names + " from " + source.path() + ": " + oneLine(e.getMessage()),
        e);
  }

  /** Messages end up in one event line: no line breaks from whatever the store said. */
  static String oneLine(String message) {
    return message == null ? "" : message.replaceAll("\\s*[\\r\\n]+\\s*", " ").strip();
  }

  private static SecretData await(
      CompletableFuture<SecretData> future, MountCancellation cancellation) {
    try {
      return future.get();
    } catch (ExecutionException e) {
      if (e.getCause() instanceof RuntimeException cause) {
        throw cause;
      }
      throw new IllegalStateException(e.getCause());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      cancellation.cancel("the provider's gRPC thread was interrupted");
      throw cancelled(cancellation, e);
    }
  }

  /** The request's default file mode: a JSON number (decimal, e.g. "420" for 0644). */
  static int defaultMode(String permission) {
    if (permission == null || permission.isBlank()) {
      return DEFAULT_MODE;
    }
    try {
      int mode = Integer.parseInt(permission.strip().replace("\"", ""));
      if (mode >= 0 && mode <= 0777) {
        return mode;
      }
    } catch (NumberFormatException ignored) {
      // reported below
    }
    throw MountException.invalid(
        ErrorCode.INVALID_ATTRIBUTES, "permission '" + permission + "' is not a file mode");
  }

  /**
   * Who reads, as verified from the caller's own token: identical reads are shared only within one
   * identity (account and token audiences) on one connection, auth mount and role.
   */
  private record Identity(
      StoreConnection connection,
      String authPath,
      String role,
      String subject,
      List<String> audiences) {}

  private record ReadKey(Identity identity, SecretSource source) {}
}
