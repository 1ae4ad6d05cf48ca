package io.secretsstore.vault;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.sun.net.httpserver.HttpServer;
import io.secretsstore.testkit.OpenBaoServer;
import io.secretsstore.testkit.SharedStore;
import io.secretsstore.vault.error.StoreErrorKind;
import io.secretsstore.vault.error.StoreException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.vault.support.VaultToken;

/**
 * Backoff pauses hold no store permit, and a store's {@code Retry-After} is honoured (issue 14 item
 * 8). A forwarder in front of a real OpenBao answers the first {@code failures} requests with a
 * status and {@code Retry-After} of its choosing, as a loaded store or a rate-limit quota does; the
 * pauses are recorded, not slept, so nothing here depends on timing.
 */
class StorePacingIT {

  static OpenBaoServer store;
  static HttpServer forwarder;
  static final HttpClient http = HttpClient.newHttpClient();
  static final AtomicInteger failures = new AtomicInteger();
  static final AtomicInteger requests = new AtomicInteger();
  static volatile int failStatus = 429;
  static volatile String retryAfter = "3";
  static String path;

  /** Records each pause and the free permits at that moment; never sleeps. */
  static final class RecordingPacing extends StorePacing {
    final List<Duration> pauses = new CopyOnWriteArrayList<>();
    final List<Integer> freePermitsDuringPause = new CopyOnWriteArrayList<>();

    RecordingPacing(int maxConcurrent) {
      super(maxConcurrent);
    }

    @Override
    protected void pause(Duration duration) {
      pauses.add(duration);
      freePermitsDuringPause.add(availablePermits());
    }
  }

  @BeforeAll
  static void start() throws Exception {
    store = SharedStore.store();
    path = SharedStore.unique("pacing");
    store.admin().putKv2("secret", path, Map.of("k", "v"));
    forwarder = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    forwarder.createContext(
        "/",
        exchange -> {
          requests.incrementAndGet();
          if (failures.getAndDecrement() > 0) {
            if (retryAfter != null) {
              exchange.getResponseHeaders().add("Retry-After", retryAfter);
            }
            byte[] body = "{\"errors\":[\"slow down\"]}".getBytes();
            exchange.sendResponseHeaders(failStatus, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
            return;
          }
          try {
            HttpRequest.Builder forward =
                HttpRequest.newBuilder(URI.create(store.address() + exchange.getRequestURI()))
                    .method(
                        exchange.getRequestMethod(),
                        HttpRequest.BodyPublishers.ofByteArray(
                            exchange.getRequestBody().readAllBytes()));
            String token = exchange.getRequestHeaders().getFirst("X-Vault-Token");
            if (token != null) {
              forward.header("X-Vault-Token", token);
            }
            HttpResponse<byte[]> answer =
                http.send(forward.build(), HttpResponse.BodyHandlers.ofByteArray());
            exchange.getResponseHeaders().add("Content-Type", "application/json");
            exchange.sendResponseHeaders(answer.statusCode(), answer.body().length);
            exchange.getResponseBody().write(answer.body());
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            exchange.sendResponseHeaders(502, -1);
          } finally {
            exchange.close();
          }
        });
    forwarder.start();
  }

  @AfterAll
  static void stop() {
    forwarder.stop(0);
  }

  @BeforeEach
  void reset() {
    requests.set(0);
    failures.set(0);
    failStatus = 429;
    retryAfter = "3";
  }

  static StoreClient client(StorePacing pacing) {
    return StoreClient.create(
        StoreConnection.builder("http://127.0.0.1:" + forwarder.getAddress().getPort()).build(),
        StoreMetrics.unexported(),
        pacing);
  }

  static VaultToken root() {
    return VaultToken.of(store.rootToken());
  }

  @Test
  void aBackoffHoldsNoPermitAndRetryAfterIsWaitedOut() {
    RecordingPacing pacing = new RecordingPacing(1);
    failures.set(2);
    failStatus = 429;
    retryAfter = "3";
    KvSecret secret = client(pacing).readKv(root(), "secret/data/" + path, OptionalInt.empty());
    assertThat(secret.data()).containsEntry("k", "v");
    assertThat(requests).hasValue(3);
    // Each pause is the store's 3 s (longer than any jittered backoff of the default policy)...
    assertThat(pacing.pauses).containsExactly(Duration.ofSeconds(3), Duration.ofSeconds(3));
    // ...and the only permit was free while waiting.
    assertThat(pacing.freePermitsDuringPause).containsExactly(1, 1);
    assertThat(pacing.availablePermits()).isEqualTo(1);

    // 503 with Retry-After is honoured the same way.
    RecordingPacing again = new RecordingPacing(1);
    requests.set(0);
    failures.set(1);
    failStatus = 503;
    retryAfter = "1";
    client(again).readKv(root(), "secret/data/" + path, OptionalInt.empty());
    assertThat(requests).hasValue(2);
    assertThat(again.pauses).containsExactly(Duration.ofSeconds(1));
  }

  @Test
  void aRetryAfterLongerThanTheBoundFailsAtOnceInsteadOfWaiting() {
    RecordingPacing pacing = new RecordingPacing(4);
    failures.set(5);
    retryAfter = Long.toString(RetryPolicy.MAX_RETRY_AFTER.toSeconds() + 55);
    StoreException e =
        catchThrowableOfType(
            StoreException.class,
            () -> client(pacing).readKv(root(), "secret/data/" + path, OptionalInt.empty()));
    assertThat(e.kind()).isEqualTo(StoreErrorKind.RATE_LIMITED);
    assertThat(requests).hasValue(1);
    assertThat(pacing.pauses).isEmpty();
    assertThat(pacing.availablePermits()).isEqualTo(4);
  }

  @Test
  void withoutRetryAfterTheJitteredBackoffIsUsed() {
    RecordingPacing pacing = new RecordingPacing(1);
    failures.set(1);
    retryAfter = null;
    client(pacing).readKv(root(), "secret/data/" + path, OptionalInt.empty());
    assertThat(requests).hasValue(2);
    assertThat(pacing.pauses).hasSize(1);
    assertThat(pacing.pauses.getFirst()).isLessThanOrEqualTo(RetryPolicy.DEFAULT.initialBackoff());
    assertThat(pacing.freePermitsDuringPause).containsExactly(1);
  }
}
