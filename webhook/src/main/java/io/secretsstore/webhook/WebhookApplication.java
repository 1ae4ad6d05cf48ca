package io.secretsstore.webhook;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.context.properties.ConfigurationPropertiesScan;

/** Mutating admission webhook: pods with secrets-store annotations start through the injector. */
@SpringBootApplication
@ConfigurationPropertiesScan
public class WebhookApplication {

  public static void main(String[] args) {
    SpringApplication.run(WebhookApplication.class, args);
  }
}
