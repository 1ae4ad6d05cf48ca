package io.secretsstore.helm;

import static io.secretsstore.helm.DaemonBenchSupport.*;
import static io.secretsstore.helm.DaemonMemory.*;
import static io.secretsstore.helm.DaemonsBenchmark.*;
import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthGrpc;
import io.secretsstore.helm.floor.SpringGrpcDaemon;
import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import java.util.zip.ZipFile;

/**
 * The framework floor of the node daemons (issue 17): {@link SpringGrpcDaemon}, an empty Spring
 * Boot + spring-grpc application serving one protobuf service on a unix socket, started as {@link
 * IdleJvm} is (its own JVM, a daemon image's JVM flags, the chart's limit as RAM, NMT) on the
 * provider's own libraries (its fat jar extracted) without the provider's store client and the
 * project's modules, with the provider's {@code spring.autoconfigure.exclude}. Three processes: the
 * libraries without actuator and the management port ("Spring Boot + gRPC", the provider's flags),
 * and with them (common-daemon's port, {@code health,prometheus,info} as the daemons expose them)
 * once with the provider's flags and once with the driver's. Start to ready is timed from the
 * process start until {@code grpc.health.v1.Health} answers SERVING on its socket and, with
 * actuator, {@code /actuator/health/readiness} answers 200; RSS and NMT after {@link
 * DaemonsBenchmark#IDLE} idle.
 */
final class FrameworkFloors {

  /** The floors one run measured. */
  record Result(Floor bare, Floor provider, Floor driver) {}

  /** The provider's own work, not the framework's: its store client and the project's modules. */
  private static final List<String> PROVIDER_JARS =
      List.of("common-vault-", "common-model-", "spring-vault-", "spring-boot-jarmode-");

  /** Actuator, health, metrics and the management port (common-daemon). */
  private static final List<String> ACTUATOR_JARS =
      List.of(
          "spring-boot-actuator",
          "spring-boot-health-",
          "spring-boot-micrometer-",
          "micrometer-registry-",
          "micrometer-jakarta",
          "prometheus-metrics-",
          "common-daemon-");

  private static final Pattern EXCLUDED =
      Pattern.compile("(?m)^\\s+- (org\\.springframework\\S+AutoConfiguration)\\s*$");

  private FrameworkFloors() {}

  static Result measure(RenderedChart chart, Path providerJar, Path driverJar, Path work)
      throws Exception {
    Path dir = Files.createDirectories(work.resolve("framework"));
    Path lib = DaemonStartups.extract(providerJar, dir.resolve("cp")).resolveSibling("lib");
    Path classes =
        Path.of(SpringGrpcDaemon.class.getProtectionDomain().getCodeSource().getLocation().toURI());
    List<String> excludes = autoconfigureExcludes(providerJar);
    List<Running> running = new ArrayList<>();
    try {
      // One after another (each start timed alone), then idle together.
      running.add(start("bare", chart, PROVIDER, providerJar, lib, classes, excludes, dir, false));
      running.add(
          start("provider", chart, PROVIDER, providerJar, lib, classes, excludes, dir, true));
      running.add(start("driver", chart, DRIVER, driverJar, lib, classes, excludes, dir, true));
      Thread.sleep(IDLE.toMillis());
      List<Floor> floors = new ArrayList<>();
      for (Running r : running) {
        assertThat(r.process.isAlive()).as("framework floor " + r.name + " still running").isTrue();
        Snapshot s = Snapshot.of(r.process.pid(), "framework floor " + r.name);
        floors.add(new Floor(r.startMs, s.rssMiB(), s));
      }
      return new Result(floors.get(0), floors.get(1), floors.get(2));
    } finally {
      for (Running r : running) {
        r.process.destroy();
      }
      for (Running r : running) {
        if (!r.process.waitFor(20, TimeUnit.SECONDS)) {
          r.process.destroyForcibly().waitFor(20, TimeUnit.SECONDS);
        }
      }
    }
  }

  private record Running(String name, Process process, double startMs) {}

  private static Running start(
      String name,
      RenderedChart chart,
      String workload,
      Path flagsOf,
      Path lib,
      Path classes,
      List<String> excludes,
      Path dir,
      boolean actuator)
      throws Exception {
    List<String> classPath = new ArrayList<>();
    try (Stream<Path> jars = Files.list(lib)) {
      jars.map(Path::toString)
          .filter(jar -> !startsWithAny(jar, PROVIDER_JARS))
          .filter(jar -> actuator || !startsWithAny(jar, ACTUATOR_JARS))
          .sorted()
          .forEach(classPath::add);
    }
    classPath.add(classes.toString());
    Path socket = dir.resolve(name + ".sock");
    int port = freePort();
    List<String> command = floorJvm(chart, workload, flagsOf);
    command.add("-cp");
    command.add(String.join(File.pathSeparator, classPath));
    command.add(SpringGrpcDaemon.class.getName());
    command.add("--spring.main.banner-mode=off");
    command.add("--spring.grpc.server.netty.domain-socket-path=" + socket);
    command.add("--spring.autoconfigure.exclude=" + String.join(",", excludes));
    if (actuator) {
      command.add("--server.port=" + port);
      command.add("--management.endpoints.web.exposure.include=health,prometheus,info");
      command.add("--management.endpoint.health.probes.enabled=true");
    }
    Path log = dir.resolve(name + ".log");
    long started = System.nanoTime();
    Process process =
        new ProcessBuilder(command)
            .directory(dir.toFile())
            .redirectErrorStream(true)
            .redirectOutput(log.toFile())
            .start();
    try {
      Instant giveUp = Instant.now().plus(Duration.ofMinutes(2));
      while (!(healthServes(socket) && (!actuator || ready(port)))) {
        if (!process.isAlive() || Instant.now().isAfter(giveUp)) {
          throw new AssertionError(
              "framework floor "
                  + name
                  + " never became ready; its log:\n"
                  + Files.readString(log, StandardCharsets.UTF_8));
        }
        Thread.sleep(20);
      }
      return new Running(name, process, millisSince(started));
    } catch (Throwable notReady) {
      // Not handed to the caller yet, so not stopped by its cleanup.
      process.destroyForcibly().waitFor(20, TimeUnit.SECONDS);
      throw notReady;
    }
  }

  private static boolean startsWithAny(String jar, List<String> prefixes) {
    String name = Path.of(jar).getFileName().toString();
    return prefixes.stream().anyMatch(name::startsWith);
  }

  /** The provider's own {@code spring.autoconfigure.exclude} (its application.yaml). */
  static List<String> autoconfigureExcludes(Path providerJar) throws Exception {
    try (ZipFile jar = new ZipFile(providerJar.toFile())) {
      String yaml =
          new String(
              jar.getInputStream(jar.getEntry("BOOT-INF/classes/application.yaml")).readAllBytes(),
              StandardCharsets.UTF_8);
      List<String> excludes = new ArrayList<>();
      Matcher m = EXCLUDED.matcher(yaml);
      while (m.find()) {
        excludes.add(m.group(1));
      }
      assertThat(excludes).as("the provider's spring.autoconfigure.exclude").isNotEmpty();
      return excludes;
    }
  }

  /** Whether {@code grpc.health.v1.Health} answers SERVING on {@code socket}. */
  static boolean healthServes(Path socket) {
    if (!Files.exists(socket)) {
      return false;
    }
    try (UnixChannel unix = new UnixChannel(socket)) {
      return HealthGrpc.newBlockingStub(unix.channel)
              .withDeadlineAfter(2, TimeUnit.SECONDS)
              .check(HealthCheckRequest.getDefaultInstance())
              .getStatus()
          == HealthCheckResponse.ServingStatus.SERVING;
    } catch (RuntimeException e) {
      return false;
    }
  }
}
