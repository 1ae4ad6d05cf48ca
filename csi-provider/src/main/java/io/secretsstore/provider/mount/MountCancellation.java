package io.secretsstore.provider.mount;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The caller's side of one mount: the gRPC layer calls {@link #cancel} when the call is cancelled
 * or its deadline passes, and the mount's store work (logins, reads, writes, backoff pauses, waits
 * for a store permit) is interrupted. A mount that was cancelled does not start new store work.
 */
public final class MountCancellation {

  private final List<Thread> workers = new CopyOnWriteArrayList<>();
  private volatile String reason;

  /** A mount nobody cancels. */
  public static MountCancellation none() {
    return new MountCancellation();
  }

  /** Stops the mount's store work; {@code why} says who gave up (for the log and the metric). */
  public void cancel(String why) {
    reason = why;
    workers.forEach(Thread::interrupt);
  }

  public boolean isCancelled() {
    return reason != null;
  }

  /** Why the mount was cancelled, or null. */
  public String reason() {
    return reason;
  }

  /** Starts {@code work} on its own virtual thread, interrupted if the mount is cancelled. */
  Thread start(Runnable work) {
    Thread worker = Thread.ofVirtual().name("mount-read").unstarted(work);
    workers.add(worker);
    if (isCancelled()) {
      // cancel() may have run before the thread was registered: it never starts its work.
      worker.interrupt();
    }
    worker.start();
    return worker;
  }

  /** Waits until every worker has stopped. */
  void awaitWorkers() {
    boolean interrupted = false;
    for (Thread worker : workers) {
      while (true) {
        try {
          worker.join();
          break;
        } catch (InterruptedException e) {
          interrupted = true;
        }
      }
    }
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
  }
}
