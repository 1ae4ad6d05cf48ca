package io.secretsstore.provider.mount;

import java.util.Map;
import java.util.OptionalInt;

/**
 * One file the pod asked for.
 *
 * @param name file name in the volume (validated: no '/', no '..', CRD pattern)
 * @param source what to read
 * @param key the key inside the secret; null writes the whole data as JSON
 * @param encoding how the value becomes bytes
 * @param mode file mode, or empty for the request's default
 */
public record FileRequest(
    String name, SecretSource source, String key, ValueEncoding encoding, OptionalInt mode) {

  /**
   * What to ask the store for. Two files with equal sources cost one store request.
   *
   * @param path API path as the user wrote it
   * @param version KV v2 version, or empty for the latest
   * @param method GET for reads; POST/PUT send {@code arguments} as the body (e.g. issuing a
   *     certificate)
   */
  public record SecretSource(
      String path, OptionalInt version, String method, Map<String, Object> arguments) {
    public SecretSource {
      arguments = Map.copyOf(arguments);
    }

    public boolean isRead() {
      return method.equals("GET");
    }
  }
}
