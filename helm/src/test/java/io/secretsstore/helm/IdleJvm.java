package io.secretsstore.helm;

/**
 * The smallest JVM process a daemon could be: says it is ready, then sleeps. {@link
 * DaemonsBenchmark} starts it with the daemons' own JVM flags as the floor of their start-up time
 * and resident memory.
 */
public final class IdleJvm {

  private IdleJvm() {}

  public static void main(String[] args) throws InterruptedException {
    System.out.println("ready");
    System.out.flush();
    Thread.sleep(Long.MAX_VALUE);
  }
}
