package io.secretsstore.e2e.bench;

import io.secretsstore.e2e.cluster.Command;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Counts TCP connection attempts (SYNs) to one loopback port with an iptables rule that has no
 * target: it only counts, so clients see exactly what they would see without it (while the store
 * gate is down, the kernel refuses them). The rule carries {@value #COMMENT}; {@code cluster.sh
 * down} removes any left behind and {@code verify-clean} reports one.
 */
final class ConnectionAttempts implements AutoCloseable {

  static final String COMMENT = "secrets-store-bench-attempts";
  private static final Duration TIMEOUT = Duration.ofSeconds(30);

  private final List<String> rule;

  private ConnectionAttempts(int port) {
    this.rule =
        List.of(
            "INPUT",
            "-i",
            "lo",
            "-p",
            "tcp",
            "--dport",
            Integer.toString(port),
            "--tcp-flags",
            "SYN,ACK,RST",
            "SYN",
            "-m",
            "comment",
            "--comment",
            COMMENT);
  }

  /** Starts counting attempts to {@code port} (from zero). */
  static ConnectionAttempts count(int port) {
    ConnectionAttempts attempts = new ConnectionAttempts(port);
    attempts.iptables("-I").orThrow();
    return attempts;
  }

  /** Attempts since {@link #count}. */
  long attempts() {
    Command.Result listing =
        Command.run(List.of("iptables", "-w", "-L", "INPUT", "-n", "-v", "-x"), Map.of(), TIMEOUT)
            .orThrow();
    for (String line : listing.stdout().split("\n")) {
      if (line.contains(COMMENT)) {
        return Long.parseLong(line.strip().split("\\s+")[0]);
      }
    }
    throw new IllegalStateException("the counting rule " + COMMENT + " is gone from INPUT");
  }

  @Override
  public void close() {
    iptables("-D");
  }

  private Command.Result iptables(String action) {
    List<String> command = new ArrayList<>(List.of("iptables", "-w", action));
    command.addAll(rule);
    return Command.run(command, Map.of(), TIMEOUT);
  }
}
