package io.secretsstore.provider.mount;

import java.util.Map;
import java.util.TreeSet;

/**
 * What one store request returned: the key/value data and, for KV v2, the version read. {@code
 * toString} shows keys only.
 */
public record SecretData(Map<String, Object> data, String storeVersion) {

  public SecretData {
    data = Map.copyOf(data);
  }

  @Override
  public String toString() {
    return "SecretData[keys=" + new TreeSet<>(data.keySet()) + ", version=" + storeVersion + "]";
  }
}
