package io.secretsstore.driver.csi;

import io.grpc.Context;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs the CSI calls that can wait — publish and unpublish, which wait on the provider, the API
 * server and mount(2) — on a fixed number of threads with a bounded queue. The CSI server runs its
 * handlers on its transport threads (direct executor), so every other call (Identity, {@code
 * NodeGetInfo}, {@code NodeGetCapabilities}) answers there at once and never queues behind a
 * publish. A call that finds every thread busy and the queue full is refused at once with {@code
 * RESOURCE_EXHAUSTED}, which kubelet retries with its backoff; the transport thread never blocks
 * and the thread count never grows with the calls kubelet sends.
 */
public final class VolumeCallPool implements AutoCloseable {

  /** Name prefix of the pool's threads. */
  public static final String THREAD_PREFIX = "csi-volume-call-";

  private static final Logger log = LoggerFactory.getLogger(VolumeCallPool.class);

  private final ThreadPoolExecutor pool;
  private final int threads;
  private final int queue;
  private final MeterRegistry registry;

  public VolumeCallPool(int threads, int queue, MeterRegistry registry) {
    this.threads = threads;
    this.queue = queue;
    this.registry = registry;
    BlockingQueue<Runnable> waiting =
        queue == 0 ? new SynchronousQueue<>() : new ArrayBlockingQueue<>(queue);
    pool =
        new ThreadPoolExecutor(
            threads,
            threads,
            0,
            TimeUnit.MILLISECONDS,
            waiting,
            Thread.ofPlatform().name(THREAD_PREFIX, 0).daemon().factory(),
            new ThreadPoolExecutor.AbortPolicy());
    registry.gauge("secrets_store.driver.volume_calls.threads", pool, p -> threads);
    registry.gauge(
        "secrets_store.driver.volume_calls.busy", pool, ThreadPoolExecutor::getActiveCount);
    registry.gauge("secrets_store.driver.volume_calls.queued", pool, p -> p.getQueue().size());
  }

  /**
   * Runs {@code call} on the pool in the caller's gRPC context (kubelet's deadline and cancellation
   * reach the provider call, as before), or refuses it at once on {@code response}.
   */
  public void run(String method, StreamObserver<?> response, Runnable call) {
    Context context = Context.current();
    Runnable task = context.wrap(() -> runGuarded(method, response, call));
    try {
      pool.execute(task);
    } catch (RejectedExecutionException full) {
      Counter.builder("secrets_store.driver.volume_calls.refused")
          .tag("method", method)
          .register(registry)
          .increment();
      response.onError(
          Status.RESOURCE_EXHAUSTED
              .withDescription(
                  "the driver is busy: all "
                      + threads
                      + " publish/unpublish threads and "
                      + queue
                      + " queue places are taken (secrets-store.driver.volume-calls); kubelet"
                      + " retries")
              .asRuntimeException());
      return;
    }
    // A call kubelet gave up on (deadline, cancel) leaves the queue instead of taking a thread
    // later; once the call ran, removing it is a no-op.
    context.addListener(cancelled -> pool.remove(task), Runnable::run);
  }

  /** An unexpected failure still answers kubelet (the server no longer sees the exception). */
  private static void runGuarded(String method, StreamObserver<?> response, Runnable call) {
    try {
      call.run();
    } catch (RuntimeException e) {
      log.warn("{} failed unexpectedly: {}", method, e.toString());
      try {
        response.onError(
            Status.UNKNOWN.withDescription(method + " failed: " + e).asRuntimeException());
      } catch (RuntimeException alreadyClosed) {
        // the call had already answered or was cancelled
      }
    }
  }

  @Override
  public void close() {
    pool.shutdownNow();
  }
}
