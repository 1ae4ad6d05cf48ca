package io.secretsstore.injector;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.jar.JarFile;
import org.junit.jupiter.api.Test;

/**
 * The jar that runs in every pod carries no framework: common-vault comes along only with its
 * framework-free classes (error kinds and messages, KvSecret, TLS trust), nothing of Spring,
 * Jackson or Micrometer. If common-vault's shared classes ever import them, this fails here rather
 * than with a NoClassDefFoundError in a pod.
 */
class InjectorJarIT {

  @Test
  void theJarHoldsTheInjectorAndTheFrameworkFreeSharedClassesOnly() throws Exception {
    try (JarFile jar = new JarFile(InjectorProcess.jar().toFile())) {
      List<String> entries = jar.stream().map(e -> e.getName()).toList();
      assertThat(entries)
          .contains(
              "io/secretsstore/injector/Main.class",
              "io/secretsstore/vault/error/StoreException.class",
              "io/secretsstore/vault/TlsContexts.class",
              "io/secretsstore/model/reference/ReferenceParser.class");
      assertThat(entries)
          .noneMatch(e -> e.startsWith("org/springframework/"))
          .noneMatch(e -> e.startsWith("tools/jackson/") || e.startsWith("com/fasterxml/"))
          .noneMatch(e -> e.startsWith("io/micrometer/") || e.startsWith("org/slf4j/"))
          .noneMatch(e -> e.startsWith("io/fabric8/") || e.startsWith("io/grpc/"))
          .noneMatch(e -> e.equals("io/secretsstore/vault/StoreClient.class"));
      assertThat(jar.getManifest().getMainAttributes().getValue("Main-Class"))
          .isEqualTo("io.secretsstore.injector.Main");
    }
  }
}
