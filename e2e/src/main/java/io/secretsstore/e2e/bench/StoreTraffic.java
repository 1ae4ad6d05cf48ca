package io.secretsstore.e2e.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * The benchmark's view of the store's audit log (the same file {@code store.StoreAudit} counts):
 * each entry with its time, so rotation cycles can be told apart, and the service-account namespace
 * the store resolved for a login, so logins of the benchmark's pods are counted apart from other
 * tests'. Only paths, operations and metadata are read; values are HMAC'd by the store.
 */
final class StoreTraffic {

  /** One audit entry: a request, or the response to one. */
  record Entry(
      boolean response,
      Instant time,
      String operation,
      String path,
      String serviceAccountNamespace,
      boolean error) {

    boolean isLogin() {
      return path.startsWith("auth/") && path.endsWith("/login");
    }

    /** A read of the benchmark's secrets (every one is under {@code secret/data/e2e/bench-}). */
    boolean isBenchRead() {
      return !response && "read".equals(operation) && path.startsWith("secret/data/e2e/bench-");
    }

    /** A login the store granted to a pod of the benchmark's namespace. */
    boolean isBenchLogin() {
      return response
          && isLogin()
          && !error
          && BenchManifests.NAMESPACE.equals(serviceAccountNamespace);
    }

    boolean isFailedLogin() {
      return response && isLogin() && error;
    }
  }

  private static final ObjectMapper JSON = new ObjectMapper();
  private final Path file;

  StoreTraffic(Path file) {
    this.file = file;
  }

  long mark() {
    try {
      return Files.exists(file) ? Files.size(file) : 0;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  List<Entry> since(long mark) {
    List<Entry> entries = new ArrayList<>();
    try {
      if (!Files.exists(file)) {
        return entries;
      }
      byte[] bytes = Files.readAllBytes(file);
      int from = (int) Math.min(mark, bytes.length);
      String text = new String(bytes, from, bytes.length - from, StandardCharsets.UTF_8);
      for (String line : text.split("\n")) {
        if (line.isBlank() || !line.startsWith("{")) {
          continue;
        }
        JsonNode entry;
        try {
          entry = JSON.readTree(line);
        } catch (IOException partialLine) {
          continue; // the store is still writing the last line
        }
        String type = entry.path("type").asText();
        if (!"request".equals(type) && !"response".equals(type)) {
          continue;
        }
        JsonNode request = entry.path("request");
        String namespace =
            entry.path("auth").path("metadata").path("service_account_namespace").asText("");
        if (namespace.isEmpty()) {
          namespace =
              entry
                  .path("response")
                  .path("auth")
                  .path("metadata")
                  .path("service_account_namespace")
                  .asText("");
        }
        entries.add(
            new Entry(
                "response".equals(type),
                parseTime(entry.path("time").asText()),
                request.path("operation").asText(),
                request.path("path").asText(),
                namespace,
                !entry.path("error").asText("").isEmpty()));
      }
      return entries;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the store's audit log " + file, e);
    }
  }

  private static Instant parseTime(String text) {
    try {
      return Instant.parse(text);
    } catch (RuntimeException e) {
      return Instant.EPOCH;
    }
  }

  /** Logins and reads of the benchmark after {@code mark}. */
  Counts countsSince(long mark) {
    return Counts.of(since(mark));
  }

  /** What the store received for the benchmark's pods in one interval. */
  record Counts(long logins, long failedLogins, long reads, long uniqueReadPaths) {
    static Counts of(List<Entry> entries) {
      return new Counts(
          entries.stream().filter(Entry::isBenchLogin).count(),
          entries.stream().filter(Entry::isFailedLogin).count(),
          entries.stream().filter(Entry::isBenchRead).count(),
          entries.stream().filter(Entry::isBenchRead).map(Entry::path).distinct().count());
    }
  }
}
