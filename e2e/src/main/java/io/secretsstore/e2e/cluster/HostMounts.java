package io.secretsstore.e2e.cluster;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * The host's mount table as the tests need it: the cluster runs on this machine, so what kubelet
 * and the CSI driver mounted under the cluster's directories is visible in {@code
 * /proc/self/mountinfo}.
 */
public final class HostMounts {

  /** One mount: where it is and its per-mount options (ro, nosuid, nodev, ...). */
  public record Mount(String mountPoint, List<String> options) {}

  private HostMounts() {}

  /** Every mount whose mount point lies under {@code dir}. */
  public static List<Mount> under(Path dir) {
    try {
      return Files.readAllLines(Path.of("/proc/self/mountinfo")).stream()
          .map(line -> line.split(" "))
          .filter(fields -> fields[4].startsWith(dir.toString()))
          .map(fields -> new Mount(fields[4], List.of(fields[5].split(","))))
          .toList();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read /proc/self/mountinfo", e);
    }
  }
}
