package io.secretsstore.vault;

import io.micrometer.core.instrument.Timer;
import io.secretsstore.vault.StoreClient.Operation;
import io.secretsstore.vault.error.StoreErrorKind;
import io.secretsstore.vault.error.StoreException;
import io.secretsstore.vault.error.StoreLoginException;
import java.time.Duration;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.function.Supplier;

/**
 * Runs one store operation under the connection's {@link RetryPolicy}: each attempt under a {@link
 * StorePacing} permit, failures mapped to {@link StoreException}s, retryable ones repeated after a
 * jittered pause (or the store's {@code Retry-After}) that holds no permit. A write that reached
 * the store is never repeated; an interrupted caller's request is abandoned ({@code cancelled}),
 * not retried. An address that nothing could connect to moments ago is not tried again until its
 * {@link StoreReachability} hold has passed.
 */
final class RetryingExecutor {

  private final StoreConnection connection;
  private final StoreMetrics metrics;
  private final StorePacing pacing;
  private final StoreReachability reachability;

  RetryingExecutor(
      StoreConnection connection,
      StoreMetrics metrics,
      StorePacing pacing,
      StoreReachability reachability) {
    this.connection = connection;
    this.metrics = metrics;
    this.pacing = pacing;
    this.reachability = reachability;
  }

  <T> T execute(Operation operation, String path, Supplier<T> call) {
    RetryPolicy policy = connection.retryPolicy();
    for (int attempt = 1; ; attempt++) {
      Optional<String> refusal = reachability.refusal(connection.address());
      if (refusal.isPresent()) {
        // Nothing could connect moments ago: fail now, without a connection and without retries
        // (the caller's own schedule, kubelet's or a rotation cycle's, comes back later).
        metrics.recordFailFast(operation.tag);
        throw unreachable(operation, path, refusal.get());
      }
      Timer.Sample sample = metrics.startRequest();
      StoreException failure;
      boolean neverSent;
      Optional<Duration> retryAfter;
      StoreReachability.Outcome outcome = StoreReachability.Outcome.UNKNOWN;
      String cause = null;
      try {
        T result = pacing.attempt(() -> onVirtualThread(call));
        outcome = StoreReachability.Outcome.REACHED;
        metrics.recordRequest(sample, operation.tag, "success");
        return result;
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        metrics.recordRequest(sample, operation.tag, StoreErrorKind.CANCELLED.code());
        throw cancelled(path, "before the request was sent", e);
      } catch (RuntimeException e) {
        if (Thread.currentThread().isInterrupted()) {
          // An interrupted virtual thread's socket is closed and its read fails ("Closed by
          // interrupt"); a platform thread's request ends at its answer or its deadline. Either
          // way the caller gave up and the store is not at fault.
          metrics.recordRequest(sample, operation.tag, StoreErrorKind.CANCELLED.code());
          throw cancelled(path, "while the request was in flight; it was aborted", e);
        }
        failure = StoreErrorMapping.map(operation, connection.displayAddress(), path, e);
        neverSent = StoreErrorMapping.neverProcessed(e, failure);
        retryAfter = StoreErrorMapping.retryAfter(e);
        outcome = StoreErrorMapping.reachability(e, failure);
        cause = StoreErrorMapping.detailOf(failure);
        metrics.recordRequest(sample, operation.tag, failure.errorCode());
      } finally {
        reachability.attempted(connection.address(), outcome, cause);
      }
      // A write (issuing a certificate, dynamic credentials) that reached the store may have
      // happened: repeating it would issue twice. It is repeated only when the store provably did
      // not act on it (no connection, or 429).
      boolean mayRepeat = operation != Operation.WRITE || neverSent;
      if (!failure.retryable() || !mayRepeat || attempt >= policy.maxAttempts()) {
        throw failure;
      }
      if (outcome == StoreReachability.Outcome.UNREACHABLE && reachability.enabled()) {
        // The next attempt would only be refused by the hold this failure opened.
        throw failure;
      }
      // A store that says when to come back is believed, up to a bound; one that asks for longer
      // gets the failure now instead of a request that waits past its caller's deadline.
      if (retryAfter.isPresent() && retryAfter.get().compareTo(RetryPolicy.MAX_RETRY_AFTER) > 0) {
        throw failure;
      }
      Duration pause = policy.backoffAfter(attempt);
      if (retryAfter.isPresent() && retryAfter.get().compareTo(pause) > 0) {
        pause = retryAfter.get();
      }
      metrics.recordRetry(operation.tag, failure.errorCode());
      try {
        // No permit is held while waiting.
        pacing.pause(pause);
      } catch (InterruptedException interrupted) {
        Thread.currentThread().interrupt();
        throw cancelled(path, "while waiting to retry after: " + failure.getMessage(), interrupted);
      }
    }
  }

  /**
   * Runs one attempt on a virtual thread: the caller's own if it is one (the csi-provider's reads),
   * else a new one the caller waits for (a controller reconciler's platform thread). Only a virtual
   * thread's socket wait ends when it is interrupted, which is how a request is aborted: by its
   * {@link RequestDeadline}, or by the caller giving up (the interrupt is passed on, the worker
   * waited for, and the caller's own interrupt restored, so the attempt reports cancelled).
   */
  private static <T> T onVirtualThread(Supplier<T> call) {
    if (Thread.currentThread().isVirtual()) {
      return call.get();
    }
    CompletableFuture<T> result = new CompletableFuture<>();
    Thread worker =
        Thread.ofVirtual()
            .name("store-request")
            .start(
                () -> {
                  try {
                    result.complete(call.get());
                  } catch (Throwable e) {
                    result.completeExceptionally(e);
                  }
                });
    try {
      result.get();
    } catch (InterruptedException callerGaveUp) {
      worker.interrupt();
      boolean joined = false;
      while (!joined) {
        try {
          worker.join();
          joined = true;
        } catch (InterruptedException again) {
          // Already passed on; the worker ends once its socket is closed.
        }
      }
      Thread.currentThread().interrupt();
    } catch (ExecutionException failed) {
      // Rethrown below, as the caller's own call would have thrown it.
    }
    try {
      return result.join();
    } catch (CompletionException e) {
      if (e.getCause() instanceof RuntimeException runtime) {
        throw runtime;
      }
      if (e.getCause() instanceof Error error) {
        throw error;
      }
      throw e;
    }
  }

  private StoreException unreachable(Operation operation, String path, String why) {
    String address = connection.displayAddress();
    return operation == Operation.LOGIN
        ? new StoreLoginException(
            StoreErrorKind.UNREACHABLE, address, path, OptionalInt.empty(), why, null)
        : new StoreException(
            StoreErrorKind.UNREACHABLE, address, path, OptionalInt.empty(), why, null);
  }

  private StoreException cancelled(String path, String when, Throwable cause) {
    return new StoreException(
        StoreErrorKind.CANCELLED,
        connection.displayAddress(),
        path,
        OptionalInt.empty(),
        "the caller was cancelled " + when,
        cause);
  }
}
