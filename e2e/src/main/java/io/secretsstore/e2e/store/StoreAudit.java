package io.secretsstore.e2e.store;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Predicate;

/**
 * Counts what the store really received, from its own audit log (OpenBao's file audit device):
 * every request with its operation and path, whoever sent it. Secret values never appear there (the
 * device HMACs them), paths do.
 */
public final class StoreAudit {

  /** One request as the store logged it. */
  public record Request(String operation, String path) {
    public boolean isLogin() {
      return path.startsWith("auth/") && path.endsWith("/login");
    }

    public boolean isRead() {
      return "read".equals(operation) && !path.startsWith("auth/") && !path.startsWith("sys/");
    }
  }

  private static final ObjectMapper JSON = new ObjectMapper();

  private final Path file;

  private StoreAudit(Path file) {
    this.file = file;
  }

  /** The audit log of {@code store} (configured when it started). */
  public static StoreAudit of(SeedStore store) {
    return new StoreAudit(store.auditLog());
  }

  /** A position in the log; {@link #since} counts what came after it. */
  public long mark() {
    try {
      return Files.exists(file) ? Files.size(file) : 0;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Every request logged after {@code mark}, oldest first. */
  public List<Request> since(long mark) {
    List<Request> requests = new ArrayList<>();
    try {
      if (!Files.exists(file)) {
        return requests;
      }
      byte[] bytes = Files.readAllBytes(file);
      String text =
          new String(
              bytes,
              (int) Math.min(mark, bytes.length),
              (int) Math.max(0, bytes.length - mark),
              StandardCharsets.UTF_8);
      for (String line : text.split("\n")) {
        if (line.isBlank()) {
          continue;
        }
        JsonNode entry = JSON.readTree(line);
        if ("request".equals(entry.path("type").asText())) {
          JsonNode request = entry.path("request");
          requests.add(
              new Request(request.path("operation").asText(), request.path("path").asText()));
        }
      }
      return requests;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the store's audit log " + file, e);
    }
  }

  /** Requests after {@code mark} that match, counted by path. */
  public Map<String, Integer> countByPath(long mark, Predicate<Request> filter) {
    Map<String, Integer> counts = new TreeMap<>();
    for (Request request : since(mark)) {
      if (filter.test(request)) {
        counts.merge(request.path(), 1, Integer::sum);
      }
    }
    return counts;
  }

  public long count(long mark, Predicate<Request> filter) {
    return since(mark).stream().filter(filter).count();
  }
}
