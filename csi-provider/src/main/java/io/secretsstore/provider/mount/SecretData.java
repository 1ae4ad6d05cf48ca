package io.secretsstore.provider.mount;

import io.secretsstore.vault.StoreResponse;
import java.util.Map;
import java.util.TreeSet;

/**
 * What one store request returned: the key/value data, for KV v2 the version read, and the store's
 * whole answer (what upstream writes for an object without {@code secretKey}). {@code toString}
 * shows keys only.
 */
public record SecretData(Map<String, Object> data, String storeVersion, StoreResponse response) {

  public SecretData {
    data = Map.copyOf(data);
  }

  @Override
  public String toString() {
    return "SecretData[keys=" + new TreeSet<>(data.keySet()) + ", version=" + storeVersion + "]";
  }
}
