package io.secretsstore.webhook.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.client.NamespacedKubernetesClient;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.secretsstore.testkit.KubernetesApiMock;
import io.secretsstore.webhook.config.SecretNamespaces;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A registry a tenant chose, answering what a hostile one would: a token realm or a redirect that
 * points into the cluster's network, a manifest without end, and answers that never come. The
 * registry itself is listed by the administrator (as an insecure registry, plain http on loopback);
 * where it sends the webhook is not, and gets the address rule of the registry itself.
 */
class HostileRegistryIT {

  static KubernetesApiMock kubernetes;
  static NamespacedKubernetesClient api;
  static SimpleMeterRegistry meters = new SimpleMeterRegistry();
  static Counting target;
  static Hostile realm;
  static Hostile redirect;
  static Hostile endless;

  @BeforeAll
  static void start() throws IOException {
    kubernetes = new KubernetesApiMock();
    api = kubernetes.client();
    target = new Counting();
    realm = new Hostile(Mode.REALM);
    redirect = new Hostile(Mode.REDIRECT);
    endless = new Hostile(Mode.ENDLESS);
  }

  @AfterAll
  static void stop() throws IOException {
    realm.close();
    redirect.close();
    endless.close();
    target.close();
    api.close();
    kubernetes.close();
  }

  /**
   * A plain-http "registry" (one answer per connection). It closes a TLS handshake at once, as a
   * real plain-http registry fails it, so jib's https-first attempt on an insecure registry ends
   * quickly.
   */
  enum Mode {
    REALM,
    REDIRECT,
    ENDLESS
  }

  static final class Hostile implements AutoCloseable {
    private final ServerSocket socket;
    private final Mode mode;

    Hostile(Mode mode) throws IOException {
      this.mode = mode;
      socket = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
      Thread.ofVirtual()
          .start(
              () -> {
                while (!socket.isClosed()) {
                  try {
                    Socket connection = socket.accept();
                    Thread.ofVirtual().start(() -> answer(connection));
                  } catch (IOException closed) {
                    return;
                  }
                }
              });
    }

    String authority() {
      return "127.0.0.1:" + socket.getLocalPort();
    }

    private void answer(Socket connection) {
      try (connection;
          var in = new java.io.BufferedInputStream(connection.getInputStream());
          OutputStream out = connection.getOutputStream()) {
        in.mark(1);
        if (in.read() == 0x16) {
          return; // a TLS ClientHello: not spoken here
        }
        in.reset();
        var reader =
            new java.io.BufferedReader(
                new java.io.InputStreamReader(in, StandardCharsets.US_ASCII));
        String requestLine = reader.readLine();
        for (String line = reader.readLine(); line != null && !line.isEmpty(); ) {
          line = reader.readLine();
        }
        String path = requestLine == null ? "" : requestLine.split(" ")[1];
        switch (mode) {
          case REALM ->
              // Token auth whose realm is an internal address nobody listed.
              respond(
                  out,
                  "401 Unauthorized",
                  "WWW-Authenticate: Bearer realm=\"http://"
                      + target.authority()
                      + "/token\",service=\"registry\",scope=\"repository:app:pull\"\r\n",
                  "{\"errors\":[{\"code\":\"UNAUTHORIZED\"}]}");
          case REDIRECT ->
              respond(
                  out,
                  path.equals("/v2/") ? "200 OK" : "302 Found",
                  path.equals("/v2/")
                      ? ""
                      : "Location: http://" + target.authority() + "/manifest\r\n",
                  "{}");
          case ENDLESS -> {
            if (path.equals("/v2/")) {
              respond(out, "200 OK", "", "{}");
              return;
            }
            // No length declared: the body ends when the connection does, which is never.
            out.write(
                ("HTTP/1.1 200 OK\r\nContent-Type:"
                        + " application/vnd.docker.distribution.manifest.v2+json\r\nConnection:"
                        + " close\r\n\r\n{")
                    .getBytes(StandardCharsets.US_ASCII));
            byte[] spaces = " ".repeat(64 * 1024).getBytes(StandardCharsets.US_ASCII);
            for (int i = 0; i < 1024; i++) { // 64 MiB unless the client stops reading
              out.write(spaces);
            }
          }
        }
      } catch (IOException | RuntimeException e) {
        // the client went away (what the cap does) or sent nonsense
      }
    }

    private static void respond(OutputStream out, String status, String headers, String body)
        throws IOException {
      byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
      out.write(
          ("HTTP/1.1 "
                  + status
                  + "\r\nContent-Type: application/json\r\nContent-Length: "
                  + bytes.length
                  + "\r\nConnection: close\r\n"
                  + headers
                  + "\r\n")
              .getBytes(StandardCharsets.US_ASCII));
      out.write(bytes);
      out.flush();
    }

    @Override
    public void close() throws IOException {
      socket.close();
    }
  }

  static RegistryImageCommands lookups(
      List<String> insecure,
      List<String> allowed,
      boolean allowPrivate,
      int maxConcurrent,
      Duration timeout) {
    RegistryProperties properties =
        new RegistryProperties(
            timeout,
            100,
            Duration.ofMinutes(10),
            false,
            insecure,
            Map.of(),
            "amd64",
            "",
            allowed,
            allowPrivate,
            maxConcurrent,
            4 * 1024 * 1024,
            4096);
    PullSecretCredentials credentials = new PullSecretCredentials(api, SecretNamespaces.ALL);
    return new RegistryImageCommands(properties, () -> credentials, meters);
  }

  static ImageCommands.LookupException refusal(RegistryImageCommands lookups, String image) {
    return catchThrowableOfType(
        ImageCommands.LookupException.class,
        () ->
            lookups.lookup(
                image, new ImageCommands.PodContext("team-x", List.of(), "default", null)));
  }

  static String refused(String authority) {
    return "the registry "
        + authority
        + " is not one the webhook may look images up in (registry.allowed-registries; registries"
        + " on internal addresses must be listed, and so must the hosts of their token service"
        + " and redirects)";
  }

  /** A token realm on an internal address is refused before any connection to it. */
  @Test
  void aTokenRealmIsHeldToTheAddressRule() {
    int before = target.connections();
    try (RegistryImageCommands lookups =
        lookups(List.of(realm.authority()), List.of(), false, 8, Duration.ofSeconds(10))) {
      assertThat(refusal(lookups, realm.authority() + "/app:1.0").getMessage())
          .isEqualTo(refused(target.authority()));
    }
    // With an allowlist, a realm it does not list is refused the same way.
    try (RegistryImageCommands lookups =
        lookups(
            List.of(realm.authority()),
            List.of(realm.authority()),
            true,
            8,
            Duration.ofSeconds(10))) {
      assertThat(refusal(lookups, realm.authority() + "/app:1.0").getMessage())
          .isEqualTo(refused(target.authority()));
    }
    assertThat(target.connections()).isEqualTo(before);

    // The check is what stopped it: with internal addresses allowed the realm is asked.
    try (RegistryImageCommands open =
        lookups(List.of(realm.authority()), List.of(), true, 8, Duration.ofSeconds(10))) {
      refusal(open, realm.authority() + "/app:1.0");
    }
    assertThat(target.connections()).isGreaterThan(before);
  }

  /** A redirect (followed by google-http-client itself) gets the same rule. */
  @Test
  void aRedirectIsHeldToTheAddressRule() {
    int before = target.connections();
    try (RegistryImageCommands lookups =
        lookups(List.of(redirect.authority()), List.of(), false, 8, Duration.ofSeconds(10))) {
      assertThat(refusal(lookups, redirect.authority() + "/app:1.0").getMessage())
          .isEqualTo(refused(target.authority()));
    }
    assertThat(target.connections()).isEqualTo(before);
  }

  /** A manifest that never ends is cut off at the cap (no declared length to check first). */
  @Test
  void anEndlessManifestIsCutOffAtTheCap() {
    try (RegistryImageCommands lookups =
        lookups(List.of(endless.authority()), List.of(), false, 8, Duration.ofSeconds(20))) {
      assertThat(refusal(lookups, endless.authority() + "/app:1.0").getMessage())
          .isEqualTo(
              "the manifest of image "
                  + endless.authority()
                  + "/app:1.0 is larger than registry.max-manifest-bytes (4096)");
    }
  }

  /**
   * Lookups in flight are bounded: with two registries that never answer holding both permits
   * (until their 25 s deadline), a third lookup is denied at once, before any connection; when they
   * end, the permits are back.
   */
  @Test
  void lookupsInFlightAreBounded() throws Exception {
    Counting silent = new Counting();
    String slow = silent.authority();
    try (RegistryImageCommands lookups =
        lookups(List.of(slow), List.of(), false, 2, Duration.ofSeconds(25))) {
      List<Thread> holders = new ArrayList<>();
      List<String> holderErrors = new CopyOnWriteArrayList<>();
      for (String image : List.of(slow + "/a:1", slow + "/b:1")) {
        holders.add(
            Thread.ofVirtual().start(() -> holderErrors.add(refusal(lookups, image).getMessage())));
      }
      // Both hold a permit: each has connected to the silent registry.
      await().atMost(Duration.ofSeconds(20)).until(() -> silent.connections() >= 2);

      assertThat(refusal(lookups, slow + "/c:1").getMessage())
          .startsWith("too many registry lookups at once (registry.max-concurrent-lookups 2)");
      assertThat(
              meters
                  .find("secrets_store.webhook.registry.lookups")
                  .tag("result", "busy")
                  .counter()
                  .count())
          .isGreaterThanOrEqualTo(1);

      silent.close(); // the holders' connections are dropped: they fail and give their permits back
      for (Thread holder : holders) {
        holder.join();
      }
      assertThat(holderErrors).hasSize(2).noneMatch(m -> m.startsWith("too many"));
      assertThat(refusal(lookups, slow + "/d:1").getMessage()).doesNotStartWith("too many");
    }
  }

  /** Accepts TCP connections, counts them, answers nothing, closes them when closed. */
  static final class Counting implements AutoCloseable {
    private final ServerSocket socket;
    private final AtomicInteger connections = new AtomicInteger();
    private final List<Socket> open = new CopyOnWriteArrayList<>();

    Counting() throws IOException {
      socket = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
      Thread.ofVirtual()
          .start(
              () -> {
                while (!socket.isClosed()) {
                  try {
                    open.add(socket.accept());
                    connections.incrementAndGet();
                  } catch (IOException closed) {
                    return;
                  }
                }
              });
    }

    String authority() {
      return "127.0.0.1:" + socket.getLocalPort();
    }

    int connections() {
      return connections.get();
    }

    @Override
    public void close() throws IOException {
      socket.close();
      for (Socket connection : open) {
        connection.close();
      }
    }
  }
}
