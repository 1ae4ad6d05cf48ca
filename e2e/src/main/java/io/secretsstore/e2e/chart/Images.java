package io.secretsstore.e2e.chart;

import io.secretsstore.e2e.cluster.RepoLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** The image tarballs Jib builds ({@code ./dev.sh images}), one per service and the injector. */
public final class Images {

  public static final List<String> MODULES =
      List.of("csi-driver", "csi-provider", "controller", "webhook", "injector");

  private Images() {}

  /** Every tarball, or an error naming the ones missing and the command that builds them. */
  public static List<Path> tarballs(RepoLayout repo) {
    List<Path> found = new ArrayList<>();
    List<String> missing = new ArrayList<>();
    for (String module : MODULES) {
      Path tar = repo.module(module).resolve("target/jib-image.tar");
      if (Files.isRegularFile(tar)) {
        found.add(tar);
      } else {
        missing.add(repo.root().relativize(tar).toString());
      }
    }
    if (!missing.isEmpty()) {
      throw new IllegalStateException(
          "image tarballs missing: " + missing + " (build them with ./dev.sh images)");
    }
    return found;
  }
}
