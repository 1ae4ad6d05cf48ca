package io.secretsstore.vault;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.secretsstore.testkit.OpenBaoServer;
import io.secretsstore.vault.error.StoreErrorKind;
import io.secretsstore.vault.error.StoreException;
import io.secretsstore.vault.error.StoreLoginException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.springframework.vault.support.VaultToken;

/**
 * A store nothing can connect to costs one connection attempt per hold, through the real HTTP
 * transport: counted by the client's own request metrics (one sample per attempt) and by the
 * listener that answers once the store is "back". The hold's clock is the test's, so the counts do
 * not depend on how fast the machine is.
 */
class StoreReachabilityIT {

  private final AtomicLong clock = new AtomicLong(1_000_000_000L);
  private final StoreReachability reachability =
      new StoreReachability(Duration.ofSeconds(5), clock::get);
  private final StoreMetrics metrics = StoreMetrics.unexported();

  @Test
  void aRefusedStoreIsTriedOncePerHoldAndAgainAsSoonAsItAnswers() throws Exception {
    String address = deadAddress();
    StoreClients clients = new StoreClients(metrics, new StorePacing(4), 8, reachability);
    StoreClient client = clients.forConnection(StoreConnection.builder(address).build());
    // Another Vault namespace is another client, but the same listener.
    StoreClient otherNamespace =
        clients.forConnection(StoreConnection.builder(address).namespace("team-a").build());

    assertThatThrownBy(() -> client.login("kubernetes", "app", "jwt"))
        .isInstanceOfSatisfying(
            StoreLoginException.class,
            e -> {
              assertThat(e.kind()).isEqualTo(StoreErrorKind.UNREACHABLE);
              assertThat(e.getMessage()).contains("connection refused");
            });
    // The failed attempt was not retried: the next attempt would only have been refused.
    assertThat(metrics.requestCount("login", "unreachable")).isEqualTo(1);

    for (int i = 0; i < 20; i++) {
      StoreClient caller = i % 2 == 0 ? client : otherNamespace;
      assertThatThrownBy(
              () -> caller.readKv(VaultToken.of("t"), "secret/app", java.util.OptionalInt.empty()))
          .isInstanceOfSatisfying(
              StoreException.class,
              e -> {
                assertThat(e.kind()).isEqualTo(StoreErrorKind.UNREACHABLE);
                assertThat(e.getMessage())
                    .contains(address)
                    .contains("connection refused")
                    .contains("not contacted again yet: a connection failed moments ago")
                    .doesNotContain("Exception");
              });
    }
    assertThat(metrics.requestCount("read", "unreachable")).isZero();
    assertThat(metrics.failFastCount("read")).isEqualTo(20);

    // The hold is over: one probe connects, fails, and the next hold is longer.
    clock.addAndGet(Duration.ofSeconds(1).toNanos());
    assertThatThrownBy(
            () -> client.readKv(VaultToken.of("t"), "secret/app", java.util.OptionalInt.empty()))
        .isInstanceOf(StoreException.class);
    assertThat(metrics.requestCount("read", "unreachable")).isEqualTo(1);
    clock.addAndGet(Duration.ofSeconds(1).toNanos());
    assertThatThrownBy(
            () -> client.readKv(VaultToken.of("t"), "secret/app", java.util.OptionalInt.empty()))
        .hasMessageContaining("not contacted again yet"); // the second hold is 2 s
    assertThat(metrics.requestCount("read", "unreachable")).isEqualTo(1);

    // The store comes back on the same port: the first attempt after the hold reaches it, and
    // every later one goes to it without waiting.
    URI uri = URI.create(address);
    try (NotFoundStore back = new NotFoundStore(uri.getPort())) {
      clock.addAndGet(Duration.ofSeconds(1).toNanos());
      for (int i = 0; i < 5; i++) {
        assertThatThrownBy(
                () ->
                    client.readKv(VaultToken.of("t"), "secret/app", java.util.OptionalInt.empty()))
            .isInstanceOfSatisfying(
                StoreException.class,
                e -> assertThat(e.kind()).isEqualTo(StoreErrorKind.NOT_FOUND));
      }
      assertThat(back.requests()).isEqualTo(5);
      assertThat(metrics.failFastCount("read")).isEqualTo(21);
      assertThat(reachability.heldAddresses()).isZero();
    }
  }

  /**
   * The transport (HttpURLConnection) reports a connect timeout as a plain SocketTimeoutException,
   * like a slow answer: it is still told apart as "nothing answered there", so it opens the hold.
   */
  @Test
  void aConnectTimeoutIsATimeoutThatOpensTheHold() throws Exception {
    try (ServerSocket full = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      // Nobody accepts: once its listen queue is full, a new connection gets no answer at all.
      List<Socket> queued = new ArrayList<>();
      try {
        for (int i = 0; i < 16; i++) {
          Socket s = new Socket();
          queued.add(s);
          try {
            s.connect(full.getLocalSocketAddress(), 200);
          } catch (SocketTimeoutException queueFull) {
            break;
          }
        }
        StoreClient client =
            new StoreClients(metrics, new StorePacing(4), 8, reachability)
                .forConnection(
                    StoreConnection.builder("http://127.0.0.1:" + full.getLocalPort())
                        .connectTimeout(Duration.ofMillis(200))
                        .build());
        assertThatThrownBy(
                () ->
                    client.readKv(VaultToken.of("t"), "secret/app", java.util.OptionalInt.empty()))
            .isInstanceOfSatisfying(
                StoreException.class,
                e -> {
                  assertThat(e.kind()).isEqualTo(StoreErrorKind.TIMEOUT);
                  assertThat(e.getMessage())
                      .contains("no connection within the connect timeout")
                      .doesNotContain("Exception");
                });
        // Not retried (the next attempt would be refused by the hold it opened).
        assertThat(metrics.requestCount("read", "timeout")).isEqualTo(1);
        assertThat(reachability.heldAddresses()).isEqualTo(1);
      } finally {
        for (Socket s : queued) {
          s.close();
        }
      }
    }
  }

  @Test
  void withoutFailFastEveryRetryConnects() {
    String address = deadAddress();
    StoreClient client =
        new StoreClients(metrics, new StorePacing(4), 8)
            .forConnection(StoreConnection.builder(address).build());
    for (int i = 0; i < 3; i++) {
      assertThatThrownBy(
              () -> client.readKv(VaultToken.of("t"), "secret/app", java.util.OptionalInt.empty()))
          .isInstanceOf(StoreException.class);
    }
    assertThat(metrics.requestCount("read", "unreachable"))
        .isEqualTo(3L * RetryPolicy.DEFAULT.maxAttempts());
    assertThat(metrics.failFastCount("read")).isZero();
  }

  /** The address of a store that was there and stopped: connections are refused. */
  private static String deadAddress() {
    OpenBaoServer doomed = OpenBaoServer.startLocal(null);
    String address = doomed.address();
    doomed.stop();
    return address;
  }

  /** Answers every HTTP request with 404 and an empty error list, one connection per request. */
  private static final class NotFoundStore implements AutoCloseable {
    private final ServerSocket socket;
    private final AtomicInteger requests = new AtomicInteger();

    NotFoundStore(int port) throws IOException {
      socket = new ServerSocket();
      socket.setReuseAddress(true);
      socket.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
      Thread.ofVirtual().start(this::serve);
    }

    private void serve() {
      while (!socket.isClosed()) {
        try (Socket connection = socket.accept()) {
          readHeaders(connection.getInputStream());
          requests.incrementAndGet();
          byte[] body = "{\"errors\":[]}".getBytes(StandardCharsets.UTF_8);
          OutputStream out = connection.getOutputStream();
          out.write(
              ("HTTP/1.1 404 Not Found\r\nContent-Type: application/json\r\nConnection: close\r\n"
                      + "Content-Length: "
                      + body.length
                      + "\r\n\r\n")
                  .getBytes(StandardCharsets.US_ASCII));
          out.write(body);
          out.flush();
        } catch (IOException e) {
          // closed
        }
      }
    }

    private static void readHeaders(InputStream in) throws IOException {
      int matched = 0;
      byte[] end = {'\r', '\n', '\r', '\n'};
      int b;
      while (matched < 4 && (b = in.read()) >= 0) {
        matched = b == end[matched] ? matched + 1 : (b == '\r' ? 1 : 0);
      }
    }

    int requests() {
      return requests.get();
    }

    @Override
    public void close() throws IOException {
      socket.close();
    }
  }
}
