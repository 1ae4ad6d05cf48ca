package io.secretsstore.provider.mount;

import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * Shares identical reads of one identity: a read already in flight is joined, and a successful read
 * is reused until {@code window} after it started (the pods of one Deployment start within moments
 * of each other). Keys always contain the identity, so one pod's read is never served to another
 * service account; failures are shared only while in flight, never reused.
 */
public final class ReadCoalescer {

  /** The result of {@link #read}: the data and how it was obtained. */
  public record Result(SecretData data, Source source) {}

  /** Whether a read went to the store, joined one in flight, or reused a recent one. */
  public enum Source {
    STORE,
    COALESCED,
    CACHED
  }

  private record Entry(CompletableFuture<SecretData> future, long startedAt) {}

  private final ConcurrentHashMap<Object, Entry> entries = new ConcurrentHashMap<>();
  private final long windowNanos;
  private final LongSupplier nanoTime;

  public ReadCoalescer(Duration window) {
    this(window, System::nanoTime);
  }

  ReadCoalescer(Duration window, LongSupplier nanoTime) {
    this.windowNanos = window.toNanos();
    this.nanoTime = nanoTime;
  }

  /**
   * Reads {@code key} with {@code loader}, unless an identical read is in flight or finished within
   * the window.
   *
   * @param key identity + connection + source; must implement equals/hashCode
   */
  public Result read(Object key, Supplier<SecretData> loader) {
    Objects.requireNonNull(key, "key");
    while (true) {
      long now = nanoTime.getAsLong();
      Entry existing = entries.get(key);
      if (existing != null) {
        CompletableFuture<SecretData> future = existing.future();
        if (!future.isDone()) {
          return new Result(await(future), Source.COALESCED);
        }
        if (!future.isCompletedExceptionally() && now - existing.startedAt() <= windowNanos) {
          return new Result(future.join(), Source.CACHED);
        }
        entries.remove(key, existing);
        continue;
      }
      Entry mine = new Entry(new CompletableFuture<>(), now);
      if (entries.putIfAbsent(key, mine) != null) {
        continue;
      }
      try {
        SecretData data = loader.get();
        mine.future().complete(data);
        if (windowNanos <= 0) {
          entries.remove(key, mine);
        }
        return new Result(data, Source.STORE);
      } catch (RuntimeException e) {
        entries.remove(key, mine);
        mine.future().completeExceptionally(e);
        throw e;
      }
    }
  }

  /** Drops finished entries older than the window, so memory follows the working set. */
  public void evictExpired() {
    long now = nanoTime.getAsLong();
    entries
        .entrySet()
        .removeIf(
            entry ->
                entry.getValue().future().isDone()
                    && now - entry.getValue().startedAt() > windowNanos);
  }

  int size() {
    return entries.size();
  }

  private static SecretData await(CompletableFuture<SecretData> future) {
    try {
      return future.join();
    } catch (CompletionException e) {
      if (e.getCause() instanceof RuntimeException cause) {
        throw cause;
      }
      throw e;
    }
  }
}
