package io.secretsstore.vault;

import java.time.Duration;
import java.util.concurrent.Semaphore;
import java.util.function.Supplier;

/**
 * How many store requests are in flight at once, and the pauses between attempts. A permit is held
 * for one attempt only: a request that waits out a backoff (or a store's {@code Retry-After}) holds
 * none, so an outage of one store, or one slow identity, does not starve the others.
 */
public class StorePacing {

  /** No limit; pauses sleep the calling thread. */
  public static final StorePacing UNLIMITED = new StorePacing(Integer.MAX_VALUE);

  private final Semaphore permits;
  private final int maxConcurrent;

  /**
   * @param maxConcurrent store requests in flight at once (at least 1)
   */
  public StorePacing(int maxConcurrent) {
    this.maxConcurrent = Math.max(1, maxConcurrent);
    this.permits = new Semaphore(this.maxConcurrent, true);
  }

  /** Runs one attempt under a permit. */
  <T> T attempt(Supplier<T> call) throws InterruptedException {
    permits.acquire();
    try {
      return call.get();
    } finally {
      permits.release();
    }
  }

  /** Pauses between two attempts; holds no permit. */
  protected void pause(Duration duration) throws InterruptedException {
    if (!duration.isZero()) {
      Thread.sleep(duration);
    }
  }

  /** Permits free now (for tests and metrics). */
  public int availablePermits() {
    return permits.availablePermits();
  }

  public int maxConcurrent() {
    return maxConcurrent;
  }
}
