package io.secretsstore.e2e;

import io.secretsstore.e2e.cluster.RepoLayout;
import io.secretsstore.e2e.sandbox.Progress;
import java.nio.file.Path;
import org.junit.jupiter.api.extension.ConditionEvaluationResult;
import org.junit.jupiter.api.extension.ExecutionCondition;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * Gives e2e tests the one {@link InstalledSystem} of this test run: the real cluster, the store and
 * our chart, started on first use and torn down when the whole run ends (JUnit closes it with the
 * root context; a shutdown hook covers a killed JVM).
 */
public final class E2eSystem implements ParameterResolver, ExecutionCondition {

  /**
   * A build without the images ({@code e2e.withoutChart}, which follows {@code image.skip}) runs
   * only the classes marked {@link ClusterAndStoreOnly}; with {@code -Pimages} everything runs.
   */
  @Override
  public ConditionEvaluationResult evaluateExecutionCondition(ExtensionContext context) {
    boolean chartNeeded =
        context
            .getTestClass()
            .map(c -> c.getAnnotation(ClusterAndStoreOnly.class) == null)
            .orElse(false);
    if (Boolean.getBoolean("e2e.withoutChart") && chartNeeded) {
      return ConditionEvaluationResult.disabled("e2e.withoutChart=true: this test needs our chart");
    }
    return ConditionEvaluationResult.enabled("");
  }

  @Override
  public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
    return parameter.getParameter().getType() == InstalledSystem.class;
  }

  @Override
  public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
    return context
        .getRoot()
        .getStore(ExtensionContext.Namespace.GLOBAL)
        .computeIfAbsent(
            InstalledSystem.class,
            key ->
                InstalledSystem.start(
                    RepoLayout.find(),
                    Path.of(System.getProperty("e2e.dir", "target/e2e")).toAbsolutePath(),
                    Progress.console(),
                    !Boolean.getBoolean("e2e.withoutChart")),
            InstalledSystem.class);
  }
}
