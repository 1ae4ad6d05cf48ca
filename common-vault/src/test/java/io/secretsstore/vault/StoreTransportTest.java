package io.secretsstore.vault;

import static org.assertj.core.api.Assertions.assertThat;

import io.secretsstore.vault.error.StoreErrorKind;
import io.secretsstore.vault.error.StoreException;
import io.secretsstore.vault.error.StoreLoginException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NoRouteToHostException;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.OptionalInt;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.springframework.vault.support.VaultToken;

/**
 * The store client's HTTP transport against loopback servers that misbehave on purpose: an answer
 * trickled a byte at a time, a 401 to a login, a redirect. Each request runs on a platform thread
 * (as a controller reconciler's), which no interrupt can free from a socket read.
 */
class StoreTransportTest {

  private final StoreMetrics metrics = StoreMetrics.unexported();

  /** Headers at once, then a body of 100000 bytes at one byte per 100 ms: never a read timeout. */
  @Test
  void anAnswerTrickledFasterThanTheReadTimeoutIsCutAtTheRequestDeadline() throws Exception {
    try (RawServer server =
        new RawServer(
            (in, out) -> {
              readHeaders(in);
              out.write(
                  ("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                          + "Content-Length: 100000\r\n\r\n{")
                      .getBytes(StandardCharsets.US_ASCII));
              trickle(out);
            })) {
      StoreClient client = client(server, Duration.ofMillis(800));
      StoreException failure =
          onPlatformThread(
              () -> client.readKv(VaultToken.of("t"), "secret/data/app", OptionalInt.empty()));
      // Without the deadline the call would not return for 10000 s (the hang detector fails it);
      // a machine so loaded that the server misses the 800 ms read timeout ends it as a timeout
      // too.
      assertThat(failure.kind()).isEqualTo(StoreErrorKind.TIMEOUT);
      assertThat(failure.getMessage())
          .contains("no answer within the request timeout")
          .doesNotContain("Exception");
      // Every attempt (reads are retried on a timeout) was cut, none left open.
      assertThat(metrics.requestCount("read", "timeout"))
          .isEqualTo(RetryPolicy.DEFAULT.maxAttempts());
      assertThat(server.connections()).isEqualTo(RetryPolicy.DEFAULT.maxAttempts());
    }
  }

  /** The status line, then one header byte per 100 ms: spring-vault's login path, a POST. */
  @Test
  void headersTrickledToALoginAreCutAtTheRequestDeadline() throws Exception {
    try (RawServer server =
        new RawServer(
            (in, out) -> {
              readHeaders(in);
              out.write("HTTP/1.1 200 OK\r\nX-Slow: ".getBytes(StandardCharsets.US_ASCII));
              trickle(out);
            })) {
      StoreClient client = client(server, Duration.ofMillis(800));
      StoreException failure = onPlatformThread(() -> client.login("kubernetes", "app", "jwt"));
      assertThat(failure).isInstanceOf(StoreLoginException.class);
      assertThat(failure.kind()).isEqualTo(StoreErrorKind.TIMEOUT);
      assertThat(failure.getMessage()).contains("no answer within the request timeout");
    }
  }

  /**
   * A platform caller that gives up (a reconciler shutting down) aborts its request in flight: the
   * attempt runs on a virtual thread whose socket closes when the interrupt is passed on.
   */
  @Test
  void anInterruptedPlatformCallerAbortsItsRequestAndReportsCancelled() throws Exception {
    try (RawServer server =
        new RawServer(
            (in, out) -> {
              readHeaders(in);
              Thread.sleep(Duration.ofMinutes(10)); // never answers
            })) {
      StoreClient client = client(server, Duration.ofMinutes(5));
      CompletableFuture<StoreException> failure = new CompletableFuture<>();
      Thread caller =
          Thread.ofPlatform()
              .start(
                  () -> {
                    try {
                      client.readKv(VaultToken.of("t"), "secret/data/app", OptionalInt.empty());
                      failure.completeExceptionally(new AssertionError("the call succeeded"));
                    } catch (StoreException e) {
                      failure.complete(e);
                    } catch (Throwable e) {
                      failure.completeExceptionally(e);
                    }
                  });
      while (server.connections() == 0) {
        Thread.sleep(10);
      }
      caller.interrupt();
      StoreException cancelled = failure.get(2, TimeUnit.MINUTES);
      assertThat(cancelled.kind()).isEqualTo(StoreErrorKind.CANCELLED);
      assertThat(cancelled.getMessage()).contains("it was aborted");
      assertThat(server.connections()).isEqualTo(1); // not retried
    }
  }

  /**
   * HttpURLConnection answers a 401 to a streamed body with an HttpRetryException instead of the
   * response: it is still the store's (or a proxy's) refusal of the login, with its status.
   */
  @Test
  void aLoginAnswered401IsALoginDenialWithItsStatus() throws Exception {
    try (RawServer server =
        new RawServer(
            (in, out) -> {
              readHeaders(in);
              out.write(
                  "HTTP/1.1 401 Unauthorized\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
                      .getBytes(StandardCharsets.US_ASCII));
            })) {
      StoreClient client = client(server, Duration.ofSeconds(5));
      StoreException failure = onPlatformThread(() -> client.login("kubernetes", "app", "jwt"));
      assertThat(failure).isInstanceOf(StoreLoginException.class);
      assertThat(failure.kind()).isEqualTo(StoreErrorKind.LOGIN_DENIED);
      assertThat(failure.httpStatus()).hasValue(401);
      assertThat(failure.getMessage()).doesNotContain("HttpRetryException");
      assertThat(server.connections()).isEqualTo(1);
    }
  }

  /** A token is never carried to the address a redirect names. */
  @Test
  void aRedirectIsNotFollowed() throws Exception {
    try (RawServer elsewhere =
            new RawServer(
                (in, out) -> {
                  readHeaders(in);
                  out.write(
                      "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}"
                          .getBytes(StandardCharsets.US_ASCII));
                });
        RawServer server =
            new RawServer(
                (in, out) -> {
                  readHeaders(in);
                  out.write(
                      ("HTTP/1.1 307 Temporary Redirect\r\nLocation: http://127.0.0.1:"
                              + elsewhere.port()
                              + "/v1/secret/data/app\r\nContent-Length: 0\r\n\r\n")
                          .getBytes(StandardCharsets.US_ASCII));
                })) {
      StoreClient client = client(server, Duration.ofSeconds(5));
      StoreException failure =
          onPlatformThread(
              () -> client.readKv(VaultToken.of("t"), "secret/data/app", OptionalInt.empty()));
      assertThat(failure.httpStatus()).hasValue(307);
      assertThat(elsewhere.connections()).isZero();
    }
  }

  @Test
  void failuresBeforeAConnectionExistedAreToldApartFromFailuresOnOne() throws Exception {
    assertThat(StoreRequestFactory.failedWhileConnecting(new NoRouteToHostException("x"))).isTrue();
    // A real failure thrown by Socket.connect that is neither refused nor a timeout.
    SocketException fromConnect;
    try (Socket closed = new Socket()) {
      closed.close();
      closed.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), 9));
      throw new AssertionError("connect on a closed socket succeeded");
    } catch (SocketException e) {
      fromConnect = e;
    }
    assertThat(StoreRequestFactory.failedWhileConnecting(new IOException("wrapped", fromConnect)))
        .isTrue();
    // The same type thrown on a connection that was made ("Connection reset") is not.
    assertThat(StoreRequestFactory.failedWhileConnecting(new SocketException("Connection reset")))
        .isFalse();
  }

  // ------------------------------------------------------------------ helpers

  private StoreClient client(RawServer server, Duration requestTimeout) {
    return StoreClient.create(
        StoreConnection.builder("http://127.0.0.1:" + server.port())
            .connectTimeout(Duration.ofMillis(500))
            .requestTimeout(requestTimeout)
            .build(),
        metrics);
  }

  private interface Call {
    Object run();
  }

  /** Runs {@code call} on a platform thread and returns how it failed. */
  private static StoreException onPlatformThread(Call call) throws Exception {
    CompletableFuture<StoreException> failure = new CompletableFuture<>();
    Thread.ofPlatform()
        .start(
            () -> {
              try {
                call.run();
                failure.completeExceptionally(new AssertionError("the call succeeded"));
              } catch (StoreException e) {
                failure.complete(e);
              } catch (Throwable e) {
                failure.completeExceptionally(e);
              }
            });
    // A hang detector, not a timing assertion: without the deadline the call never returns.
    return failure.get(2, TimeUnit.MINUTES);
  }

  private static void readHeaders(InputStream in) throws IOException {
    int matched = 0;
    byte[] end = "\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
    while (matched < end.length) {
      int b = in.read();
      if (b < 0) {
        throw new IOException("closed before the request's headers ended");
      }
      matched = b == end[matched] ? matched + 1 : (b == end[0] ? 1 : 0);
    }
    // A POST's body: whatever has arrived is left unread; the answer does not depend on it.
  }

  private static void trickle(OutputStream out) throws IOException, InterruptedException {
    out.flush();
    for (int i = 0; i < 100_000; i++) {
      out.write('a');
      out.flush();
      Thread.sleep(100);
    }
  }

  private interface Handler {
    void handle(InputStream in, OutputStream out) throws Exception;
  }

  /** A loopback listener answering each connection with {@code handler} on its own thread. */
  private static final class RawServer implements AutoCloseable {
    private final ServerSocket socket;
    private final AtomicInteger connections = new AtomicInteger();

    RawServer(Handler handler) throws IOException {
      socket = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
      Thread.ofVirtual()
          .start(
              () -> {
                while (!socket.isClosed()) {
                  Socket accepted;
                  try {
                    accepted = socket.accept();
                  } catch (IOException closed) {
                    return;
                  }
                  connections.incrementAndGet();
                  Thread.ofVirtual()
                      .start(
                          () -> {
                            try (accepted) {
                              handler.handle(accepted.getInputStream(), accepted.getOutputStream());
                            } catch (Exception cut) {
                              // The client closed the connection: that is what the tests provoke.
                            }
                          });
                }
              });
    }

    int port() {
      return socket.getLocalPort();
    }

    int connections() {
      return connections.get();
    }

    @Override
    public void close() throws IOException {
      socket.close();
    }
  }
}
