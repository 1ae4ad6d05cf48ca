package io.secretsstore.controller;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.context.properties.ConfigurationPropertiesScan;

/** Reconciles SecretsStoreImports: validation, status and events, optional Secret sync. */
@SpringBootApplication
@ConfigurationPropertiesScan
public class ControllerApplication {

  public static void main(String[] args) {
    SpringApplication.run(ControllerApplication.class, args);
  }
}
