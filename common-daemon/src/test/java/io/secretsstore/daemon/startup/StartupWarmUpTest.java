package io.secretsstore.daemon.startup;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.availability.ApplicationAvailability;
import org.springframework.boot.availability.AvailabilityChangeEvent;
import org.springframework.boot.availability.ReadinessState;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.context.ApplicationEvent;
import org.springframework.context.ApplicationListener;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;

/**
 * The warm-up holds readiness: a real Spring Boot application with the management port, whose
 * warm-up step waits on a latch the test opens. Order and structure only, no timing windows.
 */
@ExtendWith(OutputCaptureExtension.class)
class StartupWarmUpTest {

  static final CountDownLatch entered = new CountDownLatch(1);
  static final CountDownLatch release = new CountDownLatch(1);
  static final List<String> order = new CopyOnWriteArrayList<>();

  /** A daemon whose warm-up is two steps: one that waits for the test, one that fails. */
  @SpringBootApplication
  static class Daemon {

    @Bean
    WarmUp warmUp() {
      return () ->
          List.of(
              new WarmUp.Step(
                  "held",
                  () -> {
                    order.add("held started");
                    entered.countDown();
                    release.await(5, TimeUnit.MINUTES);
                    order.add("held done");
                  }),
              new WarmUp.Step(
                  "failing",
                  () -> {
                    throw new IllegalStateException("synthetic\nfailure");
                  }));
    }

    @Bean
    ApplicationListener<ApplicationEvent> readiness() {
      return event -> {
        if (event instanceof AvailabilityChangeEvent<?> change
            && change.getState() instanceof ReadinessState state) {
          order.add("readiness " + state);
        }
      };
    }
  }

  @Test
  void readinessFollowsTheWarmUpAndAFailingStepIsOneLine(CapturedOutput output) throws Exception {
    CompletableFuture<ConfigurableApplicationContext> started =
        CompletableFuture.supplyAsync(
            () ->
                new SpringApplicationBuilder(Daemon.class)
                    .run(
                        "--server.port=0",
                        "--management.endpoint.health.probes.enabled=true",
                        "--spring.main.banner-mode=off"));
    assertThat(entered.await(5, TimeUnit.MINUTES)).isTrue();
    // The management port serves while the warm-up runs; readiness says not yet.
    int port = awaitPort(output);
    assertThat(status(port, "readiness")).isEqualTo(503);
    assertThat(status(port, "liveness")).isEqualTo(200);
    assertThat(order).containsExactly("held started");
    release.countDown();
    try (ConfigurableApplicationContext context = started.get(5, TimeUnit.MINUTES)) {
      StartupWarmUp warmUp = context.getBean(StartupWarmUp.class);
      assertThat(order).containsExactly("held started", "held done", "readiness ACCEPTING_TRAFFIC");
      assertThat(warmUp.finished()).isTrue();
      assertThat(warmUp.gaveUp()).isFalse();
      assertThat(warmUp.results())
          .extracting(StartupWarmUp.StepResult::name, StartupWarmUp.StepResult::succeeded)
          .containsExactly(
              org.assertj.core.groups.Tuple.tuple("held", true),
              org.assertj.core.groups.Tuple.tuple("failing", false),
              // common-daemon's own steps come after the daemon's.
              org.assertj.core.groups.Tuple.tuple("meters", true),
              org.assertj.core.groups.Tuple.tuple("virtual thread", true));
      assertThat(context.getBean(ApplicationAvailability.class).getReadinessState())
          .isEqualTo(ReadinessState.ACCEPTING_TRAFFIC);
      assertThat(status(port, "readiness")).isEqualTo(200);
      assertThat(output.getAll())
          .contains(
              "Start-up warm-up step 'failing' failed (ignored): IllegalStateException: synthetic"
                  + " failure")
          .doesNotContain("at io.secretsstore.daemon.startup");
    }
  }

  @Test
  void aStepThatDoesNotEndStopsHoldingReadinessAfterTheBound() throws Exception {
    CountDownLatch never = new CountDownLatch(1);
    StartupWarmUp warmUp =
        new StartupWarmUp(
            List.of(() -> List.of(new WarmUp.Step("stuck", never::await))),
            Duration.ofMillis(50),
            true);
    warmUp.run(null);
    assertThat(warmUp.gaveUp()).isTrue();
    assertThat(warmUp.finished()).isTrue();
    assertThat(warmUp.results()).isEmpty();
    never.countDown();
  }

  @Test
  void offRunsNothing() throws Exception {
    List<String> ran = new CopyOnWriteArrayList<>();
    StartupWarmUp warmUp =
        new StartupWarmUp(
            List.of(() -> List.of(new WarmUp.Step("one", () -> ran.add("one")))),
            Duration.ofSeconds(10),
            false);
    assertThat(warmUp.finished()).isFalse();
    warmUp.run(null);
    assertThat(warmUp.finished()).isTrue();
    assertThat(ran).isEmpty();
  }

  private static int awaitPort(CapturedOutput output) throws InterruptedException {
    java.util.regex.Pattern started =
        java.util.regex.Pattern.compile("Management HTTP server started on port (\\d+)");
    for (int i = 0; i < 3000; i++) {
      java.util.regex.Matcher m = started.matcher(output.getAll());
      if (m.find()) {
        return Integer.parseInt(m.group(1));
      }
      Thread.sleep(100);
    }
    throw new AssertionError("the management port did not start");
  }

  private static int status(int port, String group) throws Exception {
    try (HttpClient http = HttpClient.newHttpClient()) {
      return http.send(
              HttpRequest.newBuilder(
                      URI.create("http://127.0.0.1:" + port + "/actuator/health/" + group))
                  .build(),
              HttpResponse.BodyHandlers.discarding())
          .statusCode();
    }
  }
}
