package io.secretsstore.e2e;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Every secret value the suite writes to the store, so that {@link LogScanIT} can prove none of
 * them reached a component's log, an event or a status.
 */
final class SuiteSecrets {

  private static final Set<String> VALUES = ConcurrentHashMap.newKeySet();

  private SuiteSecrets() {}

  /** Registers and returns a value that is unique enough to be searched for in logs. */
  static String value(String hint) {
    String value =
        hint + "-" + Long.toHexString(Double.doubleToLongBits(Math.random())).substring(0, 8);
    VALUES.add(value);
    return value;
  }

  static Set<String> all() {
    return Set.copyOf(VALUES);
  }
}
