package io.secretsstore.controller.operator;

import io.javaoperatorsdk.operator.Operator;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
import java.util.List;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;

/**
 * Registers the reconcilers and starts the operator once every bean exists; stops it (informers,
 * leader lease) before the context's beans go away.
 */
public final class OperatorLifecycle implements SmartLifecycle {

  private static final Logger log = LoggerFactory.getLogger(OperatorLifecycle.class);

  private final Operator operator;
  private final Supplier<List<Reconciler<?>>> reconcilers;
  private final ShutdownFlag shutdown;
  private volatile boolean running;

  OperatorLifecycle(
      Operator operator, Supplier<List<Reconciler<?>>> reconcilers, ShutdownFlag shutdown) {
    this.operator = operator;
    this.reconcilers = reconcilers;
    this.shutdown = shutdown;
  }

  @Override
  public synchronized void start() {
    List<Reconciler<?>> all = reconcilers.get();
    for (Reconciler<?> reconciler : all) {
      operator.register(reconciler);
    }
    operator.start();
    running = true;
    log.info("operator started with {} reconciler(s)", all.size());
  }

  @Override
  public synchronized void stop() {
    if (running) {
      shutdown.stopping();
      operator.stop();
      running = false;
    }
  }

  @Override
  public boolean isRunning() {
    return running;
  }
}
