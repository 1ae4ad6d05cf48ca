package io.secretsstore.provider;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.secretsstore.model.provider.v1alpha1.VersionRequest;
import io.secretsstore.testkit.NonRootJar;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The provider jar as the chart runs it (uid/gid 65532) in the host directory kubelet creates
 * (root:root 0755). The test plays the csi-driver, which at its start makes the directory
 * root:65532 0770. The csi-driver's {@code ProvidersDirectoryJarIT} runs the real pair.
 */
class ProviderSocketAsNonRootIT {

  static final Path JAR =
      Path.of(System.getProperty("provider.jar", "target/csi-provider-0.1.0-SNAPSHOT.jar"));
  static final Duration START = Duration.ofSeconds(240);

  Path base;
  Path providers;
  Path socket;
  Path state;

  @BeforeEach
  void kubeletsHostPath() throws Exception {
    base = Files.createTempDirectory("providers-");
    Files.setPosixFilePermissions(base, PosixFilePermissions.fromString("rwxr-xr-x"));
    providers = Files.createDirectory(base.resolve("providers"));
    Files.setPosixFilePermissions(providers, PosixFilePermissions.fromString("rwxr-xr-x"));
    socket = providers.resolve("vault.sock");
    // The chart's emptyDir "state": the provider's own, where its object-version key goes.
    state = Files.createDirectory(base.resolve("state"));
    Files.setAttribute(state, "unix:uid", NonRootJar.UID);
    Files.setPosixFilePermissions(state, PosixFilePermissions.fromString("rwx------"));
  }

  @AfterEach
  void removeDirectories() throws Exception {
    try (Stream<Path> paths = Files.walk(base)) {
      for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(path);
      }
    }
  }

  @Test
  void waitsForTheDriverToOpenTheDirectoryThenServes() throws Exception {
    try (NonRootJar provider = NonRootJar.start(JAR, arguments())) {
      await()
          .atMost(START)
          .until(() -> provider.output().contains("Cannot bind the provider socket yet"));
      assertThat(provider.output())
          .contains(providers + " is not writable for uid 65532 (owner 0:0, mode 0755)");
      assertThat(provider.isAlive()).as("waits instead of crashing").isTrue();
      assertThat(socket).doesNotExist();

      whatTheDriverDoesAtStart();

      await().atMost(START).until(this::serves);
      assertThat(provider.output()).contains("Provider socket " + socket + " can be bound now");
      assertThat(Files.getAttribute(socket, "unix:uid", LinkOption.NOFOLLOW_LINKS))
          .isEqualTo(NonRootJar.UID);
      assertThat(version()).isEqualTo("v1alpha1");
      // The object-version key is the provider's own file, outside the shared directory.
      Path key = state.resolve("object-version.key");
      assertThat(Files.readAttributes(key, "unix:uid,mode,size", LinkOption.NOFOLLOW_LINKS))
          .containsEntry("uid", NonRootJar.UID)
          .containsEntry("mode", 0100600)
          .containsEntry("size", 32L);
      try (Stream<Path> inShared = Files.list(providers)) {
        assertThat(inShared).containsExactly(socket);
      }
    }
  }

  @Test
  void removesOnlyItsOwnStaleSocket() throws Exception {
    whatTheDriverDoesAtStart();
    Path victim = Files.writeString(base.resolve("victim"), "root's file");
    Files.createSymbolicLink(socket, victim);
    try (NonRootJar provider = NonRootJar.start(JAR, arguments())) {
      await()
          .atMost(START)
          .until(() -> provider.output().contains(socket + " exists and is not a socket of uid"));
      assertThat(Files.isSymbolicLink(socket)).as("a foreign entry is left alone").isTrue();
      assertThat(Files.readString(victim)).isEqualTo("root's file");

      // Replace it by a socket of a previous run of the provider (same uid): that one goes.
      Files.delete(socket);
      try (ServerSocketChannel previous = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
        previous.bind(UnixDomainSocketAddress.of(socket));
      }
      Files.setAttribute(socket, "unix:uid", NonRootJar.UID, LinkOption.NOFOLLOW_LINKS);

      await().atMost(START).until(this::serves);
      assertThat(provider.output()).contains("Removed the socket " + socket + " of a previous run");
      assertThat(version()).isEqualTo("v1alpha1");
    }
  }

  private List<String> arguments() {
    return List.of(
        "--secrets-store.provider.socket-dir=" + providers,
        "--secrets-store.provider.object-version-key-file=" + state.resolve("object-version.key"),
        "--server.port=0",
        "--secrets-store.connection.url=http://127.0.0.1:1");
  }

  /** ProvidersDirectory.prepare in the csi-driver: root:65532, 0770. */
  private void whatTheDriverDoesAtStart() throws Exception {
    Files.setAttribute(providers, "unix:gid", NonRootJar.UID);
    Files.setPosixFilePermissions(providers, PosixFilePermissions.fromString("rwxrwx---"));
  }

  private boolean serves() {
    try {
      return version() != null;
    } catch (Exception e) {
      return false;
    }
  }

  private String version() throws Exception {
    try (ProviderClient client = new ProviderClient(socket)) {
      return client
          .stub
          .withDeadlineAfter(10, TimeUnit.SECONDS)
          .version(VersionRequest.newBuilder().setVersion("v1alpha1").build())
          .getVersion();
    }
  }
}
