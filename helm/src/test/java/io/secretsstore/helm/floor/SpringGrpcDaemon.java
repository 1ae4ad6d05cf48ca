package io.secretsstore.helm.floor;

import io.grpc.BindableService;
import io.grpc.protobuf.services.HealthStatusManager;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.context.annotation.Bean;

/**
 * The framework floor of a node daemon (issue 17): an empty Spring Boot application serving one
 * protobuf gRPC service ({@code grpc.health.v1.Health}) on a unix socket through spring-grpc's
 * Netty server, and nothing else. {@link io.secretsstore.helm.FrameworkFloors} starts it in its own
 * JVM with a daemon's JVM flags and libraries (with and without actuator and the management port),
 * so the benchmark can show what the stack costs before a daemon does any work. Its own package, so
 * that component scanning sees only this class.
 */
@SpringBootApplication(proxyBeanMethods = false)
public class SpringGrpcDaemon {

  @Bean
  BindableService health() {
    return new HealthStatusManager().getHealthService();
  }

  public static void main(String[] args) {
    SpringApplication.run(SpringGrpcDaemon.class, args);
  }
}
