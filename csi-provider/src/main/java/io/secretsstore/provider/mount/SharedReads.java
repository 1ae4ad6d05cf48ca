package io.secretsstore.provider.mount;

import io.secretsstore.model.provider.ErrorCode;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * Shares identical store reads of one verified identity. Keys always contain the identity, so one
 * pod's read is never served to another service account.
 *
 * <ul>
 *   <li><b>Publishes</b> ({@link #read}): single-flight with a freshness bound. A read in flight is
 *       joined; a successful read is reused until {@code freshness} after it started (the pods of
 *       one Deployment start within moments of each other). Failures are shared only while in
 *       flight.
 *   <li><b>Rotation</b> ({@link #readInCycle}): one read per key per rotation cycle, named by the
 *       driver. Every call of a cycle gets that read's result, or its failure, whenever it arrives
 *       within the cycle: the sharing is a structure, not a time window. A newer cycle replaces the
 *       entry; an entry is kept at most {@code cycleRetention}, which bounds how stale a replayed
 *       cycle id can make a result. A successful cycle read also refreshes the publish entry.
 * </ul>
 */
public final class SharedReads {

  /** The result of a read: the data and how it was obtained. */
  public record Result(SecretData data, Source source) {}

  /** Whether a read went to the store, joined one in flight, or reused a finished one. */
  public enum Source {
    STORE,
    COALESCED,
    CACHED
  }

  static final Duration DEFAULT_CYCLE_RETENTION = Duration.ofMinutes(10);

  private record Entry(CompletableFuture<SecretData> future, long startedAt, String cycle) {}

  private final ConcurrentHashMap<Object, Entry> recent = new ConcurrentHashMap<>();
  private final ConcurrentHashMap<Object, Entry> cycles = new ConcurrentHashMap<>();
  private final long freshnessNanos;
  private final long cycleRetentionNanos;
  private final LongSupplier nanoTime;

  public SharedReads(Duration freshness) {
    this(freshness, DEFAULT_CYCLE_RETENTION, System::nanoTime);
  }

  SharedReads(Duration freshness, Duration cycleRetention, LongSupplier nanoTime) {
    this.freshnessNanos = freshness.toNanos();
    this.cycleRetentionNanos = cycleRetention.toNanos();
    this.nanoTime = nanoTime;
  }

  /**
   * A publish's read of {@code key}: joins an identical read in flight, reuses one that started
   * within the freshness bound and succeeded, or reads with {@code loader}.
   *
   * @param key identity + connection + source; must implement equals/hashCode
   */
  public Result read(Object key, Supplier<SecretData> loader) {
    Objects.requireNonNull(key, "key");
    while (true) {
      long now = nanoTime.getAsLong();
      Entry existing = recent.get(key);
      if (existing != null) {
        CompletableFuture<SecretData> future = existing.future();
        if (!future.isDone()) {
          SecretData joined = await(future);
          if (joined == null) {
            continue; // its owner was cancelled: read ourselves
          }
          return new Result(joined, Source.COALESCED);
        }
        if (!future.isCompletedExceptionally() && now - existing.startedAt() <= freshnessNanos) {
          return new Result(future.join(), Source.CACHED);
        }
        recent.remove(key, existing);
        continue;
      }
      Entry mine = new Entry(new CompletableFuture<>(), now, null);
      if (recent.putIfAbsent(key, mine) != null) {
        continue;
      }
      try {
        SecretData data = loader.get();
        mine.future().complete(data);
        if (freshnessNanos <= 0) {
          recent.remove(key, mine);
        }
        return new Result(data, Source.STORE);
      } catch (RuntimeException e) {
        recent.remove(key, mine);
        mine.future().completeExceptionally(e);
        throw e;
      }
    }
  }

  /**
   * A rotation's read of {@code key} in rotation cycle {@code cycle}: the first call of the cycle
   * reads with {@code loader}; every other call of that cycle gets the same result or failure.
   */
  public Result readInCycle(Object key, String cycle, Supplier<SecretData> loader) {
    Objects.requireNonNull(key, "key");
    Objects.requireNonNull(cycle, "cycle");
    while (true) {
      long now = nanoTime.getAsLong();
      Entry existing = cycles.get(key);
      if (existing != null
          && existing.cycle().equals(cycle)
          && now - existing.startedAt() <= cycleRetentionNanos) {
        Source source = existing.future().isDone() ? Source.CACHED : Source.COALESCED;
        SecretData joined = await(existing.future());
        if (joined != null) {
          return new Result(joined, source);
        }
        // Its owner was cancelled: this call reads for the cycle instead.
      }
      Entry mine = new Entry(new CompletableFuture<>(), now, cycle);
      boolean installed =
          existing == null
              ? cycles.putIfAbsent(key, mine) == null
              : cycles.replace(key, existing, mine);
      if (!installed) {
        continue;
      }
      try {
        SecretData data = loader.get();
        mine.future().complete(data);
        if (freshnessNanos > 0) {
          // The freshest read there is: a pod that starts now may use it.
          recent.put(key, new Entry(mine.future(), mine.startedAt(), null));
        }
        return new Result(data, Source.STORE);
      } catch (RuntimeException e) {
        if (isCancellation(e)) {
          cycles.remove(key, mine);
        }
        mine.future().completeExceptionally(e);
        throw e;
      }
    }
  }

  /** Drops finished entries past their bound, so memory follows the working set. */
  public void evictExpired() {
    long now = nanoTime.getAsLong();
    recent
        .values()
        .removeIf(entry -> entry.future().isDone() && now - entry.startedAt() > freshnessNanos);
    cycles
        .values()
        .removeIf(
            entry -> entry.future().isDone() && now - entry.startedAt() > cycleRetentionNanos);
  }

  int size() {
    return recent.size() + cycles.size();
  }

  /**
   * Another caller's read: its data, its failure, or null if that caller was cancelled (its read
   * was abandoned, not answered). Interruptible: a cancelled waiter stops waiting.
   */
  private static SecretData await(CompletableFuture<SecretData> future) {
    try {
      return future.get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw cancelledWhileWaiting(e);
    } catch (ExecutionException e) {
      if (isCancellation(e.getCause())) {
        return null;
      }
      if (e.getCause() instanceof RuntimeException cause) {
        throw cause;
      }
      throw new IllegalStateException(e.getCause());
    }
  }

  /** Whether {@code failure} is a cancelled caller's, not the store's answer. */
  static boolean isCancellation(Throwable failure) {
    return failure instanceof MountException mount && mount.code() == ErrorCode.CANCELLED;
  }

  static MountException cancelledWhileWaiting(InterruptedException e) {
    return new MountException(
        ErrorCode.CANCELLED,
        io.grpc.Status.Code.CANCELLED,
        "the mount was cancelled while waiting for an identical store request in flight",
        e);
  }
}
