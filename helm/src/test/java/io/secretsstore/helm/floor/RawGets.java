package io.secretsstore.helm.floor;

import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.HttpURLConnection;
import java.net.Proxy;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * The floor of one store read in a JVM like the provider's: raw GETs of one secret over the
 * provider's transport ({@code HttpURLConnection}, kept alive), on a virtual thread as the
 * provider's reads run, no JSON mapping. Started by the daemons benchmark with the provider image's
 * JVM flags (C1 only, its heap). Arguments: the secret's URL, warm-up rounds, timed rounds; the
 * token on stdin (never on a command line). Prints {@code mean <ms> p50 <ms>}.
 */
public final class RawGets {

  private RawGets() {}

  public static void main(String[] args) throws Exception {
    URI url = URI.create(args[0]);
    int warmUp = Integer.parseInt(args[1]);
    int rounds = Integer.parseInt(args[2]);
    String token =
        new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8)).readLine();
    double[] took = new double[rounds];
    Thread reader =
        Thread.ofVirtual()
            .start(
                () -> {
                  try {
                    for (int i = 0; i < warmUp; i++) {
                      get(url, token);
                    }
                    for (int i = 0; i < rounds; i++) {
                      long t = System.nanoTime();
                      get(url, token);
                      took[i] = (System.nanoTime() - t) / 1e6;
                    }
                  } catch (Exception e) {
                    throw new IllegalStateException(e);
                  }
                });
    reader.join();
    double[] sorted = took.clone();
    Arrays.sort(sorted);
    System.out.printf(
        "mean %.3f p50 %.3f%n",
        Arrays.stream(took).average().orElse(Double.NaN), sorted[rounds / 2]);
  }

  private static void get(URI url, String token) throws Exception {
    HttpURLConnection connection = (HttpURLConnection) url.toURL().openConnection(Proxy.NO_PROXY);
    connection.setRequestProperty("X-Vault-Token", token);
    connection.setRequestProperty("Accept", "application/json");
    if (connection.getResponseCode() != 200) {
      throw new IllegalStateException("HTTP " + connection.getResponseCode());
    }
    try (InputStream body = connection.getInputStream()) {
      body.readAllBytes(); // read to the end: the connection goes back to the keep-alive cache
    }
  }
}
