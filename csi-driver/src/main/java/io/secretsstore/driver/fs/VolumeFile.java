package io.secretsstore.driver.fs;

/**
 * One file of a secrets volume as a provider returned it.
 *
 * @param name file name inside the volume (validated by {@link AtomicWriter} before any write)
 * @param mode permission bits, e.g. {@code 0644}
 * @param contents the bytes; never logged
 */
public record VolumeFile(String name, int mode, byte[] contents) {

  @Override
  public String toString() {
    return "VolumeFile[" + name + ", mode " + Integer.toOctalString(mode) + "]";
  }
}
