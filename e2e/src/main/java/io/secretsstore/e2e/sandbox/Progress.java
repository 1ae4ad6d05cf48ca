package io.secretsstore.e2e.sandbox;

import java.time.Duration;
import java.util.function.Supplier;

/**
 * Prints what is being done and how long it took, so a first run that builds for minutes shows it.
 */
public interface Progress {

  void step(String what);

  void done(String what, Duration took);

  void note(String text);

  /** Runs {@code action} as one step. */
  default <T> T run(String what, Supplier<T> action) {
    step(what);
    long started = System.nanoTime();
    T result = action.get();
    done(what, Duration.ofNanos(System.nanoTime() - started));
    return result;
  }

  default void run(String what, Runnable action) {
    run(
        what,
        () -> {
          action.run();
          return null;
        });
  }

  /** To stderr: "==> what" then " done in 1.2 s". */
  static Progress console() {
    return new Progress() {
      @Override
      public void step(String what) {
        System.err.println("==> " + what);
      }

      @Override
      public void done(String what, Duration took) {
        System.err.printf("    done in %.1f s%n", took.toMillis() / 1000.0);
      }

      @Override
      public void note(String text) {
        System.err.println("    " + text);
      }
    };
  }
}
