package io.secretsstore.testkit;

import java.util.UUID;

/**
 * One store and one Kubernetes API mock per test JVM, started on first use and shared by all test
 * classes (a 2-core machine should not start OpenBao per class). Tests isolate themselves with
 * {@link #unique(String)} names for mounts, roles and policies.
 */
public final class SharedStore {

  private static OpenBaoServer store;
  private static KubernetesApiMock kubernetes;

  private SharedStore() {}

  public static synchronized OpenBaoServer store() {
    if (store == null) {
      store = OpenBaoServer.start();
    }
    return store;
  }

  public static synchronized KubernetesApiMock kubernetes() {
    if (kubernetes == null) {
      kubernetes = new KubernetesApiMock();
    }
    return kubernetes;
  }

  /** A name unique in this JVM run, e.g. {@code kv-3f2a9c1b}. */
  public static String unique(String prefix) {
    return prefix + "-" + UUID.randomUUID().toString().substring(0, 8);
  }
}
