package io.secretsstore.driver;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.context.properties.ConfigurationPropertiesScan;

/**
 * The CSI node plugin: serves CSI Identity and Node to kubelet on a unix socket, mounts a tmpfs per
 * secrets volume, fills it through a secrets-store provider and keeps it rotated.
 */
@SpringBootApplication
@ConfigurationPropertiesScan
public class DriverApplication {

  public static void main(String[] args) {
    SpringApplication.run(DriverApplication.class, args);
  }
}
