package io.secretsstore.testkit;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.Comparator;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * Finds the OpenBao server binary the tests run.
 *
 * <p>In order: system property {@code openbao.bin}, environment {@code OPENBAO_BIN}, the newest
 * binary in the build cache of {@code tools/openbao/build.sh}, and finally that script itself
 * (found by walking up from the working directory), which builds and caches the binary.
 */
public final class OpenBaoBinary {

  private static volatile Path resolved;

  private OpenBaoBinary() {}

  public static synchronized Path locate() {
    if (resolved != null) {
      return resolved;
    }
    Optional<Path> explicit =
        Optional.ofNullable(System.getProperty("openbao.bin"))
            .or(() -> Optional.ofNullable(System.getenv("OPENBAO_BIN")))
            .filter(value -> !value.isBlank())
            .map(Path::of);
    if (explicit.isPresent()) {
      if (!Files.isExecutable(explicit.get())) {
        throw new IllegalStateException(
            "OPENBAO_BIN / openbao.bin points at " + explicit.get() + ", which is not executable");
      }
      return resolved = explicit.get();
    }
    Optional<Path> cached = newestCached();
    if (cached.isPresent()) {
      return resolved = cached.get();
    }
    return resolved = buildWithScript();
  }

  private static Optional<Path> newestCached() {
    Path root = cacheRoot().resolve("openbao");
    if (!Files.isDirectory(root)) {
      return Optional.empty();
    }
    try (Stream<Path> versions = Files.list(root)) {
      return versions
          .map(dir -> dir.resolve("bao"))
          .filter(Files::isExecutable)
          .max(Comparator.comparing(OpenBaoBinary::modified));
    } catch (IOException e) {
      return Optional.empty();
    }
  }

  private static FileTime modified(Path path) {
    try {
      return Files.getLastModifiedTime(path);
    } catch (IOException e) {
      return FileTime.fromMillis(0);
    }
  }

  static Path cacheRoot() {
    String explicit = System.getenv("SSI_CACHE_DIR");
    if (explicit != null && !explicit.isBlank()) {
      return Path.of(explicit);
    }
    String xdg = System.getenv("XDG_CACHE_HOME");
    Path base =
        xdg != null && !xdg.isBlank()
            ? Path.of(xdg)
            : Path.of(System.getProperty("user.home"), ".cache");
    return base.resolve("secrets-store-integration");
  }

  private static Path buildWithScript() {
    Path script = findBuildScript();
    try {
      Process process =
          new ProcessBuilder(script.toString())
              .redirectError(ProcessBuilder.Redirect.INHERIT)
              .start();
      String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      int exit = process.waitFor();
      Path binary = Path.of(output.strip());
      if (exit != 0 || !Files.isExecutable(binary)) {
        throw new IllegalStateException(
            script + " failed (exit " + exit + "); run it by hand to see why");
      }
      return binary;
    } catch (IOException e) {
      throw new IllegalStateException("cannot run " + script + ": " + e.getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while building OpenBao", e);
    }
  }

  private static Path findBuildScript() {
    for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
      Path script = dir.resolve("tools/openbao/build.sh");
      if (Files.isExecutable(script)) {
        return script;
      }
    }
    throw new IllegalStateException(
        "no OpenBao binary: set OPENBAO_BIN, or run tools/openbao/build.sh (needs Go), or run the"
            + " tests through ./dev.sh test which builds it");
  }
}
