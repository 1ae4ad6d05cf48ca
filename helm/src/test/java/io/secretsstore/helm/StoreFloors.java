package io.secretsstore.helm;

import static io.secretsstore.helm.DaemonBenchSupport.*;
import static io.secretsstore.helm.KubeletCsi.*;
import static org.assertj.core.api.Assertions.assertThat;

import io.secretsstore.testkit.OpenBaoServer;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The floors of a mount's store work, from this JVM (HTTP/1.1, connections kept alive): what a warm
 * mount of the benchmark's import needs (3 GETs with a token the provider already has) and a cold
 * one (a Kubernetes login, then the 3 GETs with its token). Tokens are never printed.
 */
final class StoreFloors {

  static final int ROUNDS = 100;
  private static final Pattern CLIENT_TOKEN =
      Pattern.compile("\"client_token\"\\s*:\\s*\"([^\"]+)\"");

  private StoreFloors() {}

  /** Wall time of 3 GETs (the import's secrets) in a row, {@link #ROUNDS} times after a warm-up. */
  static double[] threeGets(OpenBaoServer store, List<String> paths) throws Exception {
    String token = store.rootToken();
    for (int i = 0; i < 20; i++) {
      gets(store, paths, token);
    }
    double[] took = new double[ROUNDS];
    for (int i = 0; i < ROUNDS; i++) {
      long t = System.nanoTime();
      gets(store, paths, token);
      took[i] = millisSince(t);
    }
    return took;
  }

  /** Wall time of a login with a fresh service-account token, then the 3 GETs with its token. */
  static double[] loginAndThreeGets(
      OpenBaoServer store, String authPath, String role, List<String> paths, Supplier<String> jwt)
      throws Exception {
    for (int i = 0; i < 10; i++) {
      gets(store, paths, login(store, authPath, role, jwt.get()));
    }
    double[] took = new double[ROUNDS];
    for (int i = 0; i < ROUNDS; i++) {
      String serviceAccountToken = jwt.get();
      long t = System.nanoTime();
      gets(store, paths, login(store, authPath, role, serviceAccountToken));
      took[i] = millisSince(t);
    }
    return took;
  }

  private static String login(OpenBaoServer store, String authPath, String role, String jwt)
      throws Exception {
    HttpResponse<String> r =
        HTTP.send(
            HttpRequest.newBuilder(URI.create(store.address() + "/v1/auth/" + authPath + "/login"))
                .timeout(Duration.ofSeconds(10))
                .POST(
                    HttpRequest.BodyPublishers.ofString(
                        "{\"role\":\"%s\",\"jwt\":\"%s\"}".formatted(role, jwt)))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).as("raw login").isEqualTo(200);
    Matcher m = CLIENT_TOKEN.matcher(r.body());
    assertThat(m.find()).as("raw login answered a client token").isTrue();
    return m.group(1);
  }

  private static void gets(OpenBaoServer store, List<String> paths, String token) throws Exception {
    for (String path : paths) {
      HttpResponse<String> r =
          HTTP.send(
              HttpRequest.newBuilder(URI.create(store.address() + "/v1/secret/data/" + path))
                  .header("X-Vault-Token", token)
                  .timeout(Duration.ofSeconds(10))
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      assertThat(r.statusCode()).as("raw GET").isEqualTo(200);
    }
  }
}
