package io.secretsstore.driver.csi;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.Context;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

class VolumeCallPoolTest {

  private final SimpleMeterRegistry meters = new SimpleMeterRegistry();

  @Test
  void aCallKubeletGaveUpOnLeavesTheQueueAndNeverRuns() throws Exception {
    try (VolumeCallPool pool = new VolumeCallPool(1, 1, meters)) {
      CountDownLatch release = new CountDownLatch(1);
      CountDownLatch started = new CountDownLatch(1);
      pool.run(
          "publish",
          new Answer(),
          () -> {
            started.countDown();
            await(release);
          });
      assertThat(started.await(60, TimeUnit.SECONDS)).isTrue();
      AtomicBoolean ran = new AtomicBoolean();
      Context.CancellableContext call = Context.current().withCancellation();
      call.run(() -> pool.run("publish", new Answer(), () -> ran.set(true)));
      assertThat(queued()).isEqualTo(1);
      call.cancel(null);
      assertThat(queued()).isZero();
      // Its place is free again: the next call queues instead of being refused.
      Answer next = new Answer();
      pool.run("publish", next, () -> {});
      assertThat(next.error.isDone()).isFalse();
      release.countDown();
      assertThat(ran).isFalse();
    }
  }

  @Test
  void aFullPoolRefusesAtOnceAndAnUnexpectedFailureStillAnswers() throws Exception {
    try (VolumeCallPool pool = new VolumeCallPool(1, 0, meters)) {
      CountDownLatch release = new CountDownLatch(1);
      CountDownLatch started = new CountDownLatch(1);
      Answer failing = new Answer();
      pool.run(
          "unpublish",
          failing,
          () -> {
            started.countDown();
            await(release);
            throw new IllegalStateException("boom");
          });
      assertThat(started.await(60, TimeUnit.SECONDS)).isTrue();
      Answer refused = new Answer();
      pool.run("publish", refused, () -> {});
      assertThat(Status.fromThrowable(refused.error.getNow(null)).getCode())
          .isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
      assertThat(VolumeCallMeters.refused(meters, "publish")).isEqualTo(1);
      release.countDown();
      Status failed = Status.fromThrowable(failing.error.get(60, TimeUnit.SECONDS));
      assertThat(failed.getCode()).isEqualTo(Status.Code.UNKNOWN);
      assertThat(failed.getDescription()).contains("unpublish failed").contains("boom");
    }
  }

  private double queued() {
    return VolumeCallMeters.gauge(meters, "queued");
  }

  private static void await(CountDownLatch latch) {
    try {
      latch.await(60, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** The error a call was answered with, if any. */
  private static final class Answer implements StreamObserver<Object> {
    final CompletableFuture<Throwable> error = new CompletableFuture<>();

    @Override
    public void onNext(Object value) {}

    @Override
    public void onError(Throwable t) {
      error.complete(t);
    }

    @Override
    public void onCompleted() {}
  }
}
