package io.secretsstore.e2e.cluster;

import java.nio.file.Files;
import java.nio.file.Path;

/** Where the repository's tools and build outputs are, wherever the JVM was started. */
public final class RepoLayout {

  private final Path root;

  private RepoLayout(Path root) {
    this.root = root;
  }

  /** From {@code -Drepo.root}, else the nearest directory upwards that holds {@code dev.sh}. */
  public static RepoLayout find() {
    String configured = System.getProperty("repo.root");
    if (configured != null && !configured.isBlank()) {
      return new RepoLayout(Path.of(configured).toAbsolutePath().normalize());
    }
    for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
      if (Files.isRegularFile(dir.resolve("dev.sh")) && Files.isDirectory(dir.resolve("tools"))) {
        return new RepoLayout(dir);
      }
    }
    throw new IllegalStateException(
        "cannot find the repository root (no dev.sh above " + Path.of("").toAbsolutePath() + ")");
  }

  public Path root() {
    return root;
  }

  public Path tool(String relative) {
    return root.resolve("tools").resolve(relative);
  }

  public Path chart() {
    return root.resolve("helm");
  }

  public Path module(String name) {
    return root.resolve(name);
  }
}
