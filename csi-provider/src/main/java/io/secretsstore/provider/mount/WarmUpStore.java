package io.secretsstore.provider.mount;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;

/**
 * A stand-in store on the loopback interface for the start-up warm-up, inside this process: it
 * answers one Kubernetes login and one KV v2 read with canned JSON, so the store client's first
 * HTTP exchange (HttpURLConnection, spring-vault's login, the JSON of both answers) runs before
 * readiness without a request to the real store. Closed right after.
 */
final class WarmUpStore implements AutoCloseable {

  static final String AUTH_PATH = "warm-up";
  static final String SECRET_PATH = "secret/data/warm-up";

  private static final String LOGIN =
      "{\"request_id\":\"warm-up\",\"lease_id\":\"\",\"renewable\":false,\"lease_duration\":0,"
          + "\"data\":null,\"wrap_info\":null,\"warnings\":null,\"auth\":{\"client_token\":"
          + "\"warm-up-token\",\"accessor\":\"warm-up\",\"policies\":[\"default\"],"
          + "\"token_policies\":[\"default\"],\"metadata\":{\"role\":\"warm-up\"},"
          + "\"lease_duration\":600,\"renewable\":true,\"entity_id\":\"warm-up\","
          + "\"token_type\":\"service\",\"orphan\":true}}";

  static final String KV_READ =
      "{\"request_id\":\"warm-up\",\"lease_id\":\"\",\"renewable\":false,\"lease_duration\":0,"
          + "\"data\":{\"data\":{\"user\":\"u\",\"config\":{\"a\":1}},\"metadata\":{"
          + "\"created_time\":\"2026-01-01T00:00:00.000000Z\",\"custom_metadata\":null,"
          + "\"deletion_time\":\"\",\"destroyed\":false,\"version\":1}},\"wrap_info\":null,"
          + "\"warnings\":null,\"auth\":null}";

  private final HttpServer server;

  WarmUpStore() throws IOException {
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 4);
    server.createContext("/v1/auth/" + AUTH_PATH + "/login", exchange -> answer(exchange, LOGIN));
    server.createContext("/v1/" + SECRET_PATH, exchange -> answer(exchange, KV_READ));
    server.start();
  }

  /** {@code http://127.0.0.1:<port>}. */
  String address() {
    return "http://" + server.getAddress().getHostString() + ":" + server.getAddress().getPort();
  }

  private static void answer(HttpExchange exchange, String json) throws IOException {
    try (exchange) {
      exchange.getRequestBody().readAllBytes();
      byte[] body = json.getBytes(StandardCharsets.UTF_8);
      exchange.getResponseHeaders().set("Content-Type", "application/json");
      exchange.sendResponseHeaders(200, body.length);
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(body);
      }
    }
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
