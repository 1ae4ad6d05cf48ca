package io.secretsstore.provider;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.context.properties.ConfigurationPropertiesScan;

/**
 * The Vault provider of the secrets-store CSI driver: serves {@code v1alpha1.CSIDriverProvider} on
 * a unix socket, logs in to the store as the pod and returns the pod's secrets as files.
 */
@SpringBootApplication
@ConfigurationPropertiesScan
public class ProviderApplication {

  public static void main(String[] args) {
    SpringApplication.run(ProviderApplication.class, args);
  }
}
