package io.secretsstore.model.crd;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;

/** A key of a secret in the store. */
public class SecretSource {

  @Required
  @Pattern(SsiPatterns.SOURCE_PATH)
  @JsonPropertyDescription("API path of the secret in the store, e.g. secret/data/myapp for KV v2.")
  private String path;

  @Required
  @Pattern(SsiPatterns.SOURCE_KEY)
  @JsonPropertyDescription("Key inside the secret.")
  private String key;

  public SecretSource() {}

  public SecretSource(String path, String key) {
    this.path = path;
    this.key = key;
  }

  public String getPath() {
    return path;
  }

  public void setPath(String path) {
    this.path = path;
  }

  public String getKey() {
    return key;
  }

  public void setKey(String key) {
    this.key = key;
  }
}
