package io.secretsstore.testkit;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A plain-HTTP reverse proxy in front of a store that counts requests by method and path, so tests
 * can assert store-side request counts (logins, reads) without an audit device. It can also answer
 * a number of requests with a chosen status before forwarding, to test retries (429, 5xx), or hold
 * them before forwarding, to test client timeouts (a slow store, a starved client).
 */
public final class RequestCountingProxy implements AutoCloseable {

  private static final Set<String> HOP_BY_HOP =
      Set.of(
          "connection",
          "content-length",
          "host",
          "transfer-encoding",
          "upgrade",
          "keep-alive",
          "http2-settings",
          "te",
          "trailer",
          "expect");

  private final HttpServer server;
  private final HttpClient client =
      HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
  private final String target;
  private final Map<String, AtomicInteger> counts = new ConcurrentHashMap<>();
  private final AtomicInteger failuresToInject = new AtomicInteger();
  private volatile int injectedStatus = 503;
  private final AtomicInteger delaysToInject = new AtomicInteger();
  private volatile Duration injectedDelay = Duration.ZERO;

  public RequestCountingProxy(String targetAddress) {
    this.target =
        targetAddress.endsWith("/")
            ? targetAddress.substring(0, targetAddress.length() - 1)
            : targetAddress;
    try {
      server =
          HttpServer.create(
              new InetSocketAddress(java.net.InetAddress.getLoopbackAddress(), 0), 64);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
    server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
    server.createContext("/", this::forward);
    server.start();
  }

  public String address() {
    return "http://127.0.0.1:" + server.getAddress().getPort();
  }

  /**
   * Requests seen for {@code method} and a path (without query), e.g. ("POST",
   * "/v1/auth/kubernetes/login").
   */
  public int count(String method, String path) {
    AtomicInteger count = counts.get(method + " " + path);
    return count == null ? 0 : count.get();
  }

  /** All counts, keyed "METHOD /path". */
  public Map<String, Integer> counts() {
    Map<String, Integer> copy = new java.util.TreeMap<>();
    counts.forEach((key, value) -> copy.put(key, value.get()));
    return copy;
  }

  public void reset() {
    counts.clear();
  }

  /** Answers the next {@code times} requests with {@code status} instead of forwarding them. */
  public void failNext(int times, int status) {
    injectedStatus = status;
    failuresToInject.set(times);
  }

  /** Holds each of the next {@code times} requests for {@code delay} before forwarding it. */
  public void delayNext(int times, Duration delay) {
    injectedDelay = delay;
    delaysToInject.set(times);
  }

  @Override
  public void close() {
    server.stop(0);
  }

  /** Counts one injection down; true if there was one left to use. */
  private static boolean takeOne(AtomicInteger remaining) {
    return remaining.getAndUpdate(n -> Math.max(0, n - 1)) > 0;
  }

  private void forward(HttpExchange exchange) throws IOException {
    try (exchange) {
      String path = exchange.getRequestURI().getRawPath();
      counts
          .computeIfAbsent(exchange.getRequestMethod() + " " + path, key -> new AtomicInteger())
          .incrementAndGet();
      if (takeOne(failuresToInject)) {
        byte[] body = "{\"errors\":[\"injected by the test proxy\"]}".getBytes();
        exchange.sendResponseHeaders(injectedStatus, body.length);
        exchange.getResponseBody().write(body);
        return;
      }
      if (takeOne(delaysToInject)) {
        try {
          Thread.sleep(injectedDelay);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return;
        }
      }
      byte[] requestBody;
      try (InputStream in = exchange.getRequestBody()) {
        requestBody = in.readAllBytes();
      }
      HttpRequest.Builder request =
          HttpRequest.newBuilder(URI.create(target + exchange.getRequestURI()))
              .timeout(Duration.ofSeconds(30))
              .method(
                  exchange.getRequestMethod(), HttpRequest.BodyPublishers.ofByteArray(requestBody));
      exchange
          .getRequestHeaders()
          .forEach(
              (name, values) -> {
                if (!HOP_BY_HOP.contains(name.toLowerCase(java.util.Locale.ROOT))) {
                  values.forEach(value -> request.header(name, value));
                }
              });
      HttpResponse<byte[]> response =
          client.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
      response
          .headers()
          .map()
          .forEach(
              (name, values) -> {
                if (!HOP_BY_HOP.contains(name.toLowerCase(java.util.Locale.ROOT))
                    && !name.startsWith(":")) {
                  exchange.getResponseHeaders().put(name, List.copyOf(values));
                }
              });
      byte[] body = response.body();
      exchange.sendResponseHeaders(response.statusCode(), body.length == 0 ? -1 : body.length);
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(body);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
