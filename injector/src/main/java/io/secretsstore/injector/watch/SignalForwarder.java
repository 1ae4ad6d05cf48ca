package io.secretsstore.injector.watch;

import io.secretsstore.injector.exec.Posix;
import io.secretsstore.injector.log.InjectorLog;
import java.util.ArrayList;
import java.util.List;

/**
 * Passes the injector's signals on to the application. The handlers are installed <em>before</em>
 * the application is spawned: a SIGTERM that arrives between the spawn and the handlers would
 * otherwise end the JVM and leave the application running as an orphan. Signals that arrive before
 * the application exists are kept and delivered once its pid is known.
 */
final class SignalForwarder {

  /** Signals passed on to the application (SIGQUIT stays with the JVM where it is reserved). */
  static final List<String> FORWARDED =
      List.of("TERM", "INT", "HUP", "QUIT", "USR1", "USR2", "WINCH");

  private final InjectorLog log;
  private final List<Integer> pending = new ArrayList<>();
  private int pid;

  SignalForwarder(InjectorLog log) {
    this.log = log;
  }

  @SuppressWarnings("restriction")
  void install() {
    for (String name : FORWARDED) {
      try {
        sun.misc.Signal.handle(new sun.misc.Signal(name), signal -> forward(signal.getNumber()));
      } catch (IllegalArgumentException e) {
        log.debug("SIG" + name + " cannot be forwarded here: " + e.getMessage());
      }
    }
  }

  /** The application now exists: deliver what was kept, then forward directly. */
  synchronized void attach(int applicationPid) {
    this.pid = applicationPid;
    for (int signal : pending) {
      Posix.kill(applicationPid, signal);
    }
    pending.clear();
  }

  private synchronized void forward(int signal) {
    if (pid == 0) {
      pending.add(signal);
    } else {
      Posix.kill(pid, signal);
    }
  }
}
