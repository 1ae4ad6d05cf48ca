package io.secretsstore.daemon.management;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.util.Arrays;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.actuate.endpoint.ApiVersion;
import org.springframework.boot.actuate.endpoint.SecurityContext;
import org.springframework.boot.actuate.endpoint.web.WebEndpointResponse;
import org.springframework.boot.actuate.endpoint.web.WebServerNamespace;
import org.springframework.boot.actuate.info.InfoEndpoint;
import org.springframework.boot.health.actuate.endpoint.HealthDescriptor;
import org.springframework.boot.health.actuate.endpoint.HealthEndpointGroups;
import org.springframework.boot.health.actuate.endpoint.HealthEndpointWebExtension;
import org.springframework.boot.health.registry.HealthContributorRegistry;
import org.springframework.boot.health.registry.ReactiveHealthContributorRegistry;
import org.springframework.boot.micrometer.metrics.autoconfigure.export.prometheus.PrometheusOutputFormat;
import org.springframework.boot.micrometer.metrics.autoconfigure.export.prometheus.PrometheusScrapeEndpoint;
import org.springframework.context.SmartLifecycle;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.core.env.MapPropertySource;
import tools.jackson.databind.json.JsonMapper;

/**
 * The daemon's plain-HTTP port: {@code /actuator/health[/<group>]}, {@code /actuator/prometheus}
 * and {@code /actuator/info}, the paths the chart's probes and PodMonitor use, answered by Spring
 * Boot's own actuator endpoints (health groups, status codes, Prometheus formats) on the JDK's HTTP
 * server. No servlet container: a node daemon needs gRPC plus these few GETs (issue 17: Tomcat cost
 * the driver two servers' worth of threads, classes and buffers). One implementation for both node
 * daemons.
 */
public final class ManagementHttpServer implements SmartLifecycle {

  private static final Logger log = LoggerFactory.getLogger(ManagementHttpServer.class);
  private static final String ACTUATOR_JSON = "application/vnd.spring-boot.actuator.v3+json";

  private final int port;
  private final HealthEndpointWebExtension health;
  private final PrometheusScrapeEndpoint prometheus;
  private final InfoEndpoint info;
  private final ConfigurableEnvironment environment;
  private final JsonMapper json = JsonMapper.builder().build();
  private volatile HttpServer server;
  private volatile ExecutorService executor;

  public ManagementHttpServer(
      int port,
      HealthContributorRegistry registry,
      ObjectProvider<ReactiveHealthContributorRegistry> reactive,
      HealthEndpointGroups groups,
      ObjectProvider<PrometheusScrapeEndpoint> prometheus,
      ObjectProvider<InfoEndpoint> info,
      ConfigurableEnvironment environment) {
    this.port = port;
    this.health =
        new HealthEndpointWebExtension(
            registry, reactive.getIfAvailable(), groups, java.time.Duration.ofSeconds(10));
    this.prometheus = prometheus.getIfAvailable();
    this.info = info.getIfAvailable();
    this.environment = environment;
  }

  @Override
  public void start() {
    try {
      HttpServer http = HttpServer.create(new InetSocketAddress(port), 16);
      // Two threads: a slow readiness check (up to 2 s) never holds up a liveness probe.
      executor =
          Executors.newFixedThreadPool(
              2, Thread.ofPlatform().name("management-http-", 0).daemon().factory());
      http.setExecutor(executor);
      http.createContext("/actuator", this::handle);
      http.start();
      server = http;
      int bound = http.getAddress().getPort();
      // What Boot publishes for its own web server (tests and tools read it).
      environment
          .getPropertySources()
          .addFirst(new MapPropertySource("server.ports", Map.of("local.server.port", bound)));
      log.info("Management HTTP server started on port {}", bound);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot serve HTTP on port " + port, e);
    }
  }

  private void handle(HttpExchange exchange) throws IOException {
    try (exchange) {
      String method = exchange.getRequestMethod();
      if (!"GET".equals(method) && !"HEAD".equals(method)) {
        send(exchange, 405, "text/plain", new byte[0]);
        return;
      }
      String path = exchange.getRequestURI().getPath();
      String[] segments =
          Arrays.stream(path.substring("/actuator".length()).split("/"))
              .filter(s -> !s.isEmpty())
              .toArray(String[]::new);
      if (segments.length == 0) {
        send(exchange, 404, "text/plain", new byte[0]);
        return;
      }
      switch (segments[0]) {
        case "health" -> health(exchange, Arrays.copyOfRange(segments, 1, segments.length));
        case "prometheus" -> prometheus(exchange);
        case "info" -> info(exchange);
        default -> send(exchange, 404, "text/plain", new byte[0]);
      }
    } catch (RuntimeException e) {
      log.warn("{} {} failed", exchange.getRequestMethod(), exchange.getRequestURI().getPath(), e);
    }
  }

  private void health(HttpExchange exchange, String[] path) throws IOException {
    WebEndpointResponse<HealthDescriptor> response =
        health.health(
            ApiVersion.LATEST, WebServerNamespace.SERVER, SecurityContext.NONE, false, path);
    byte[] body =
        response.getBody() == null ? new byte[0] : json.writeValueAsBytes(response.getBody());
    send(exchange, response.getStatus(), ACTUATOR_JSON, body);
  }

  private void prometheus(HttpExchange exchange) throws IOException {
    if (prometheus == null) {
      send(exchange, 404, "text/plain", new byte[0]);
      return;
    }
    String accept = exchange.getRequestHeaders().getFirst("Accept");
    PrometheusOutputFormat format =
        accept != null && accept.contains("application/openmetrics-text")
            ? PrometheusOutputFormat.CONTENT_TYPE_OPENMETRICS_100
            : PrometheusOutputFormat.CONTENT_TYPE_004;
    WebEndpointResponse<byte[]> response = prometheus.scrape(format, includedNames(exchange));
    send(
        exchange,
        response.getStatus(),
        format.getProducedMimeType().toString(),
        response.getBody() == null ? new byte[0] : response.getBody());
  }

  /** {@code ?includedNames=a,b} as Boot's endpoint takes it; none: every metric. */
  private static Set<String> includedNames(HttpExchange exchange) {
    String query = exchange.getRequestURI().getQuery();
    if (query == null) {
      return null;
    }
    Set<String> names = new java.util.LinkedHashSet<>();
    for (String pair : query.split("&")) {
      if (pair.startsWith("includedNames=")) {
        names.addAll(Arrays.asList(pair.substring("includedNames=".length()).split(",")));
      }
    }
    return names.isEmpty() ? null : names;
  }

  private void info(HttpExchange exchange) throws IOException {
    Map<String, Object> body = info == null ? Map.of() : info.info();
    send(exchange, 200, ACTUATOR_JSON, json.writeValueAsBytes(body));
  }

  private static void send(HttpExchange exchange, int status, String type, byte[] body)
      throws IOException {
    exchange.getResponseHeaders().set("Content-Type", type);
    boolean head = "HEAD".equals(exchange.getRequestMethod());
    exchange.sendResponseHeaders(status, head || body.length == 0 ? -1 : body.length);
    if (!head && body.length > 0) {
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(body);
      }
    }
  }

  @Override
  public void stop() {
    HttpServer http = server;
    server = null;
    if (http != null) {
      http.stop(0);
    }
    if (executor != null) {
      executor.shutdownNow();
    }
  }

  @Override
  public boolean isRunning() {
    return server != null;
  }

  /** Early, like Boot's web server: probes can reach the port while the rest starts. */
  @Override
  public int getPhase() {
    return SmartLifecycle.DEFAULT_PHASE - 2048;
  }
}
