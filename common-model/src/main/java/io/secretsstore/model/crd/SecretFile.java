package io.secretsstore.model.crd;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;

/** One file of an import: its name in the volume and the key it is taken from. */
public class SecretFile {

  @Required
  @Pattern(SsiPatterns.FILE_NAME)
  @Size(max = SsiPatterns.FILE_NAME_MAX_LENGTH)
  @JsonPropertyDescription(
      "File name in the mounted volume (not starting with '..', which the volume keeps for"
          + " itself).")
  private String name;

  @Default("false")
  @JsonPropertyDescription("Decode the value from Base64 before writing the file.")
  private Boolean decodeBase64;

  @Required
  @JsonPropertyDescription("Where the value comes from.")
  private SecretSource source;

  public SecretFile() {}

  public SecretFile(String name, SecretSource source) {
    this.name = name;
    this.source = source;
  }

  public String getName() {
    return name;
  }

  public void setName(String name) {
    this.name = name;
  }

  public Boolean getDecodeBase64() {
    return decodeBase64;
  }

  public void setDecodeBase64(Boolean decodeBase64) {
    this.decodeBase64 = decodeBase64;
  }

  /** {@code decodeBase64}, with the schema default applied. */
  public boolean decodesBase64() {
    return Boolean.TRUE.equals(decodeBase64);
  }

  public SecretSource getSource() {
    return source;
  }

  public void setSource(SecretSource source) {
    this.source = source;
  }
}
