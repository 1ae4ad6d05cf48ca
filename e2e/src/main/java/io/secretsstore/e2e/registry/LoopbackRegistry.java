package io.secretsstore.e2e.registry;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.secretsstore.e2e.cluster.Command;
import io.secretsstore.e2e.cluster.RepoLayout;
import io.secretsstore.testkit.LoopbackPorts;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The CNCF distribution registry (tools/registry) on {@code 127.0.0.1:<free port>}, plain HTTP and
 * no auth, for images whose entrypoint the webhook looks up (pods without {@code command}). Images
 * are pushed from OCI image layouts with the registry's HTTP API (blobs, then the manifest), which
 * is what any client does; the node gets the same image from its tarball, so nothing is pulled.
 */
public final class LoopbackRegistry implements AutoCloseable {

  private static final ObjectMapper JSON = new ObjectMapper();

  private final Process process;
  private final int port;
  private final Path log;
  private final HttpClient http = HttpClient.newHttpClient();

  private LoopbackRegistry(Process process, int port, Path log) {
    this.process = process;
    this.port = port;
    this.log = log;
  }

  /** Starts the registry with its storage and log under {@code dir}. */
  public static LoopbackRegistry start(RepoLayout repo, Path dir) {
    try {
      Files.createDirectories(dir);
      int port = LoopbackPorts.free();
      Path config = dir.resolve("config.yml");
      Files.writeString(
          config,
          """
          version: 0.1
          log:
            level: warn
          storage:
            filesystem:
              rootdirectory: %s
          http:
            addr: 127.0.0.1:%d
          """
              .formatted(dir.resolve("data"), port));
      Path log = dir.resolve("registry.log");
      Process process =
          new ProcessBuilder(binary(repo), "serve", config.toString())
              .redirectErrorStream(true)
              .redirectOutput(log.toFile())
              .start();
      LoopbackRegistry registry = new LoopbackRegistry(process, port, log);
      Runtime.getRuntime().addShutdownHook(new Thread(process::destroyForcibly));
      registry.awaitListening();
      return registry;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** {@code 127.0.0.1:<port>}: how image names and the webhook's settings name this registry. */
  public String host() {
    return "127.0.0.1:" + port;
  }

  /**
   * Pushes the image of an OCI layout tarball (one manifest, as umoci writes it) as {@code
   * <host>/<repository>:<tag>} and returns that name.
   */
  public String push(Path layoutTar, String repository, String tag) {
    try {
      Path layout = Files.createTempDirectory(log.getParent(), "layout");
      Command.run(
              List.of("tar", "-xf", layoutTar.toString(), "-C", layout.toString()),
              Map.of(),
              Duration.ofMinutes(2))
          .orThrow();
      JsonNode index = JSON.readTree(layout.resolve("index.json").toFile());
      JsonNode manifestDescriptor = index.path("manifests").path(0);
      byte[] manifest = blob(layout, manifestDescriptor.path("digest").asText());
      JsonNode parsed = JSON.readTree(manifest);
      List<String> blobs = new ArrayList<>();
      blobs.add(parsed.path("config").path("digest").asText());
      parsed.path("layers").forEach(layer -> blobs.add(layer.path("digest").asText()));
      for (String digest : blobs) {
        upload(repository, digest, blob(layout, digest));
      }
      send(
          HttpRequest.newBuilder(uri("/v2/" + repository + "/manifests/" + tag))
              .header("Content-Type", manifestDescriptor.path("mediaType").asText())
              .PUT(HttpRequest.BodyPublishers.ofByteArray(manifest))
              .build(),
          201);
      return host() + "/" + repository + ":" + tag;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private void upload(String repository, String digest, byte[] content) {
    HttpResponse<String> started =
        send(
            HttpRequest.newBuilder(uri("/v2/" + repository + "/blobs/uploads/"))
                .POST(HttpRequest.BodyPublishers.noBody())
                .build(),
            202);
    String location = started.headers().firstValue("Location").orElseThrow();
    URI target = URI.create("http://" + host()).resolve(location);
    String separator = target.getQuery() == null ? "?" : "&";
    send(
        HttpRequest.newBuilder(URI.create(target + separator + "digest=" + digest))
            .header("Content-Type", "application/octet-stream")
            .PUT(HttpRequest.BodyPublishers.ofByteArray(content))
            .build(),
        201);
  }

  private HttpResponse<String> send(HttpRequest request, int expected) {
    try {
      HttpResponse<String> response =
          http.send(request, HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
      if (response.statusCode() != expected) {
        throw new IllegalStateException(
            "registry: "
                + request.method()
                + " "
                + request.uri().getPath()
                + " answered "
                + response.statusCode()
                + ": "
                + response.body());
      }
      return response;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while talking to the registry", e);
    }
  }

  private static byte[] blob(Path layout, String digest) throws IOException {
    return Files.readAllBytes(layout.resolve("blobs").resolve(digest.replace(':', '/')));
  }

  private URI uri(String path) {
    return URI.create("http://" + host() + path);
  }

  private void awaitListening() throws IOException {
    Instant deadline = Instant.now().plus(Duration.ofSeconds(60));
    while (true) {
      try (Socket ignored = new Socket("127.0.0.1", port)) {
        return;
      } catch (IOException notYet) {
        if (!process.isAlive() || Instant.now().isAfter(deadline)) {
          process.destroyForcibly();
          throw new IllegalStateException(
              "the registry did not start:\n" + Files.readString(log, StandardCharsets.UTF_8));
        }
        try {
          Thread.sleep(100);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new IllegalStateException("interrupted while the registry started", e);
        }
      }
    }
  }

  /** REGISTRY_BIN, else tools/registry/build.sh (cached build). */
  private static String binary(RepoLayout repo) {
    String configured = System.getenv("REGISTRY_BIN");
    if (configured != null && !configured.isBlank()) {
      return configured;
    }
    return Command.run(
            List.of(repo.root().resolve("tools/registry/build.sh").toString()),
            Map.of(),
            Duration.ofMinutes(30))
        .orThrow()
        .stdout()
        .trim();
  }

  @Override
  public void close() {
    process.destroy();
    try {
      if (!process.waitFor(10, java.util.concurrent.TimeUnit.SECONDS)) {
        process.destroyForcibly();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      process.destroyForcibly();
    }
  }
}
