package io.secretsstore.e2e.bench;

import io.secretsstore.e2e.E2eSystem;
import io.secretsstore.e2e.InstalledSystem;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * {@code ./dev.sh bench system}: issue 18's full counts on the real cluster; writes {@code
 * docs/benchmarks.md} and the raw JSON under {@code e2e/target/bench/}. Not an {@code *IT}:
 * failsafe runs it only when named. It asserts nothing about timings; it prints them.
 */
@ExtendWith(E2eSystem.class)
class SystemBenchmark {

  @Test
  void measureWhatAUserPays(InstalledSystem system) throws InterruptedException {
    BenchResult result =
        new SystemBench(system, BenchPlan.full(), line -> System.err.println("bench: " + line))
            .run();
    System.out.println(BenchReport.markdown(result));
    Path doc = system.repo().root().resolve("docs/benchmarks.md");
    BenchReport.writeMarkdown(result, doc);
    Path json = BenchReport.writeJson(result, Path.of("target/bench").toAbsolutePath());
    System.out.println("raw: " + json + "\nreport: " + doc);
  }
}
