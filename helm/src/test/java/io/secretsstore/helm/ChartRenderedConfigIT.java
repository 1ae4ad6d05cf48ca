package io.secretsstore.helm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.MutatingWebhookConfiguration;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.grpc.ManagedChannel;
import io.secretsstore.model.csi.v1.GetPluginInfoRequest;
import io.secretsstore.model.csi.v1.IdentityGrpc;
import io.secretsstore.model.csi.v1.NodeGetInfoRequest;
import io.secretsstore.model.csi.v1.NodeGrpc;
import io.secretsstore.model.csi.v1.ProbeRequest;
import io.secretsstore.model.names.CsiNames;
import io.secretsstore.testkit.KubernetesApiMock;
import io.secretsstore.testkit.LoopbackPorts;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Each service's jar started with exactly what the chart renders for it (args, env, mounted
 * ConfigMaps; see {@link RenderedService}), against a Kubernetes API (the fabric8 mock, CRUD) that
 * holds the chart's own cluster objects. Checks the identity and settings the chart intended: the
 * driver's node id and socket, the provider's socket where the driver looks, the controller's Lease
 * (namespace and holder from the downward API) and the webhook certificate it issues, and the
 * webhook serving that certificate for its Service name.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ChartRenderedConfigIT {

  static final String NODE = "node-a";
  static final String CONTROLLER_POD = "secrets-store-controller-7d9f8-x2x4q";
  static final String WEBHOOK_POD = "secrets-store-webhook-5c6b7-k9m2p";

  KubernetesApiMock kubernetes;
  KubernetesClient client;
  Path work;
  Path kubeconfig;
  RenderedChart chart;
  final Map<String, Integer> ports = new HashMap<>();
  final Map<String, Path> hostPaths = new HashMap<>();
  final List<RenderedService> services = new ArrayList<>();

  @BeforeAll
  void renderAndPrepare() throws Exception {
    // Short on purpose: the kubelet's socket paths are re-created under it, and a unix socket path
    // has at most 107 bytes (a long java.io.tmpdir broke CI with "File name too long").
    work = Files.createTempDirectory(Path.of("/tmp"), "cc");
    kubernetes = new KubernetesApiMock();
    client = kubernetes.client();
    for (String port : List.of("driver", "provider", "controller", "webhookHttps", "webhookHttp")) {
      ports.put(port, freePort());
    }
    // The default profile with free ports (other test runs share this machine).
    chart =
        RenderedChart.render(
            Profile.DEFAULT,
            "csiDriver.httpPort=" + ports.get("driver"),
            "csiProvider.httpPort=" + ports.get("provider"),
            "controller.httpPort=" + ports.get("controller"),
            "webhook.httpsPort=" + ports.get("webhookHttps"),
            "webhook.httpPort=" + ports.get("webhookHttp"),
            "controller.replicas=1");
    // The cluster objects the chart creates that the services use (the controller patches the
    // webhook configuration's caBundle).
    client
        .resource(chart.get(MutatingWebhookConfiguration.class, "secrets-store-webhook"))
        .create();
    kubeconfig = work.resolve("kubeconfig");
    RenderedService.writeMockKubeconfig(kubeconfig, kubernetes.url(), Helm.NAMESPACE);
  }

  @AfterAll
  void stop() throws IOException {
    for (RenderedService s : services) {
      s.close();
    }
    if (kubernetes != null) {
      kubernetes.close();
    }
    if (work != null) {
      try (var files = Files.walk(work)) {
        files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      }
    }
  }

  RenderedService start(String workload, String jarProperty, String podName) throws IOException {
    Path jar = Path.of(System.getProperty(jarProperty, "missing-" + jarProperty));
    assertThat(jar).as("built by the reactor before this module").exists();
    RenderedService service =
        RenderedService.start(
            chart,
            workload,
            jar,
            work,
            hostPaths,
            this::secretFiles,
            Map.of(
                "metadata.name", podName,
                "metadata.namespace", Helm.NAMESPACE,
                "spec.nodeName", NODE),
            kubeconfig);
    services.add(service);
    return service;
  }

  /**
   * A Secret volume holds what the cluster has in that Secret (here: what the controller wrote).
   */
  Map<String, String> secretFiles(String name) {
    Secret secret = client.secrets().inNamespace(Helm.NAMESPACE).withName(name).get();
    assertThat(secret)
        .as("Secret " + name + " exists before the pod mounting it starts")
        .isNotNull();
    Map<String, String> files = new HashMap<>();
    secret
        .getData()
        .forEach(
            (k, v) ->
                files.put(k, new String(Base64.getDecoder().decode(v), StandardCharsets.UTF_8)));
    return files;
  }

  @Test
  void everyServiceComesUpWithTheChartsSettings() throws Exception {
    // The provider first: the driver's readiness needs it.
    RenderedService provider =
        start("secrets-store-csi-provider", "jar.csi-provider", "secrets-store-csi-provider-abcde");
    awaitReady(provider, ports.get("provider"));
    Path providerSocket = provider.path("/provider/vault.sock");
    assertThat(providerSocket).as("provider socket in the shared host directory").exists();
    assertThat(hostPaths).containsKey("/var/run/secrets-store-csi-providers");
    assertThat(providerSocket.getParent())
        .isEqualTo(hostPaths.get("/var/run/secrets-store-csi-providers"));

    // The controller: leader election with the pod's identity, and the webhook certificate.
    RenderedService controller =
        start("secrets-store-controller", "jar.controller", CONTROLLER_POD);
    awaitReady(controller, ports.get("controller"));
    await(
        controller,
        () -> lease() != null && CONTROLLER_POD.equals(lease().getSpec().getHolderIdentity()));
    assertThat(lease().getMetadata().getNamespace()).isEqualTo(Helm.NAMESPACE);
    await(
        controller,
        () ->
            client.secrets().inNamespace(Helm.NAMESPACE).withName("secrets-store-webhook-tls").get()
                    != null
                && caBundle() != null);
    X509Certificate serving = pem(secretFiles("secrets-store-webhook-tls").get("tls.crt"));
    assertThat(serving.getSubjectAlternativeNames().stream().map(n -> String.valueOf(n.get(1))))
        .contains("secrets-store-webhook." + Helm.NAMESPACE + ".svc");

    // The webhook serves that certificate, trusted through the caBundle, for its Service name.
    RenderedService webhook = start("secrets-store-webhook", "jar.webhook", WEBHOOK_POD);
    awaitReady(webhook, ports.get("webhookHttp"));
    X509Certificate presented =
        handshake(
            ports.get("webhookHttps"),
            pem(new String(Base64.getDecoder().decode(caBundle()))),
            "secrets-store-webhook." + Helm.NAMESPACE + ".svc");
    assertThat(presented).isEqualTo(serving);

    // The driver: kubelet's socket in the plugin directory, the node from the downward API, and the
    // provider found through the shared directory (Probe is ready only while it answers).
    assumeTrue("root".equals(System.getProperty("user.name")), "the csi-driver runs as root only");
    RenderedService driver =
        start("secrets-store-csi-driver", "jar.csi-driver", "secrets-store-csi-driver-fghij");
    awaitReady(driver, ports.get("driver"));
    Path csiSocket = driver.path("/csi/csi.sock");
    assertThat(csiSocket.getParent())
        .isEqualTo(hostPaths.get("/var/lib/kubelet/plugins/" + CsiNames.DRIVER_NAME));
    try (UnixChannel unix = new UnixChannel(csiSocket)) {
      ManagedChannel channel = unix.channel;
      var node = NodeGrpc.newBlockingStub(channel).withDeadlineAfter(30, TimeUnit.SECONDS);
      assertThat(node.nodeGetInfo(NodeGetInfoRequest.getDefaultInstance()).getNodeId())
          .isEqualTo(NODE);
      var identity = IdentityGrpc.newBlockingStub(channel).withDeadlineAfter(30, TimeUnit.SECONDS);
      assertThat(identity.getPluginInfo(GetPluginInfoRequest.getDefaultInstance()).getName())
          .isEqualTo(CsiNames.DRIVER_NAME);
      // Ready only while the provider answers Version within 2 s: the first calls may be slower on
      // a loaded machine, so ask until it says ready (or the deadline shows the driver's log).
      await(
          driver,
          () ->
              identity
                  .withDeadlineAfter(30, TimeUnit.SECONDS)
                  .probe(ProbeRequest.getDefaultInstance())
                  .getReady()
                  .getValue());
    }
    // Memory with the image's JVM flags and the chart's limits: idle after start, then the webhook
    // after a small admission load (docs/memory.md records these numbers).
    Thread.sleep(15_000);
    StringBuilder memory = new StringBuilder("component | RSS idle (MiB)\n");
    for (RenderedService s : services) {
      memory.append(s.name).append(" | ").append(s.rssMiB()).append('\n');
    }
    admissionLoad(ports.get("webhookHttps"), 200);
    memory
        .append("secrets-store-webhook after 200 admissions | ")
        .append(webhook.rssMiB())
        .append('\n');
    Files.writeString(work.resolve("memory.txt"), memory);
    System.out.println("Resident memory (image JVM flags, chart limits):\n" + memory);
    for (RenderedService s : services) {
      assertThat(s.alive()).as(s.name + " still running").isTrue();
      assertThat(s.logText()).as(s.name + " log").doesNotContain("${", "service-account-token");
    }
  }

  /** AdmissionReviews of an unannotated and an annotated pod, as the API server sends them. */
  void admissionLoad(int port, int count) throws Exception {
    X509Certificate ca = pem(new String(Base64.getDecoder().decode(caBundle())));
    int mutated = 0;
    for (int i = 0; i < count; i++) {
      String annotations = i % 2 == 0 ? "{}" : "{\"secrets-store.deckhouse.io/role\":\"myapp\"}";
      String review =
          """
          {"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"uid":"u-%d",
           "kind":{"group":"","version":"v1","kind":"Pod"},"resource":{"group":"","version":"v1","resource":"pods"},
           "operation":"CREATE","namespace":"team-a","userInfo":{"username":"u"},
           "object":{"apiVersion":"v1","kind":"Pod","metadata":{"name":"p%d","namespace":"team-a","annotations":%s},
            "spec":{"containers":[{"name":"app","image":"busybox","command":["sh"],
             "env":[{"name":"DB_PASS","value":"secrets-store:secret/data/myapp#DB_PASS"}]}]}}}}
          """
              .formatted(i, i, annotations);
      String response =
          post(
              port, ca, "secrets-store-webhook." + Helm.NAMESPACE + ".svc", "/mutate-pods", review);
      assertThat(response).startsWith("HTTP/1.1 200");
      if (response.contains("\"patch\"")) {
        mutated++;
      }
    }
    assertThat(mutated).as("annotated pods were mutated").isEqualTo(count / 2);
  }

  static SSLContext trusting(X509Certificate ca) throws Exception {
    KeyStore trust = KeyStore.getInstance("PKCS12");
    trust.load(null, null);
    trust.setCertificateEntry("ca", ca);
    TrustManagerFactory tmf =
        TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    tmf.init(trust);
    SSLContext tls = SSLContext.getInstance("TLS");
    tls.init(null, tmf.getTrustManagers(), null);
    return tls;
  }

  /**
   * A TLS socket to 127.0.0.1 that verifies the certificate for the Service name, as the API server
   * does.
   */
  static SSLSocket connect(int port, X509Certificate ca, String serviceName) throws Exception {
    SSLSocket socket = (SSLSocket) trusting(ca).getSocketFactory().createSocket("127.0.0.1", port);
    SSLParameters params = socket.getSSLParameters();
    params.setServerNames(List.of(new javax.net.ssl.SNIHostName(serviceName)));
    params.setEndpointIdentificationAlgorithm("HTTPS");
    socket.setSSLParameters(params);
    socket.setSoTimeout(30_000);
    return socket;
  }

  /** One HTTP/1.1 POST over such a socket; the whole answer. */
  static String post(int port, X509Certificate ca, String serviceName, String path, String body)
      throws Exception {
    try (SSLSocket socket = connect(port, ca, serviceName)) {
      byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
      String head =
          "POST "
              + path
              + " HTTP/1.1\r\nHost: "
              + serviceName
              + "\r\nContent-Type: application/json\r\n"
              + "Content-Length: "
              + bytes.length
              + "\r\nConnection: close\r\n\r\n";
      var out = socket.getOutputStream();
      out.write(head.getBytes(StandardCharsets.US_ASCII));
      out.write(bytes);
      out.flush();
      return new String(socket.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    }
  }

  Lease lease() {
    return client.leases().inNamespace(Helm.NAMESPACE).withName("secrets-store-controller").get();
  }

  String caBundle() {
    var hook =
        client
            .admissionRegistration()
            .v1()
            .mutatingWebhookConfigurations()
            .withName("secrets-store-webhook")
            .get();
    return hook == null ? null : hook.getWebhooks().getFirst().getClientConfig().getCaBundle();
  }

  static X509Certificate pem(String pem) throws Exception {
    return (X509Certificate)
        CertificateFactory.getInstance("X.509")
            .generateCertificate(new ByteArrayInputStream(pem.getBytes(StandardCharsets.US_ASCII)));
  }

  /** TLS as the API server does it: the caBundle as the only trust, the Service name verified. */
  static X509Certificate handshake(int port, X509Certificate ca, String serviceName)
      throws Exception {
    try (SSLSocket socket = connect(port, ca, serviceName)) {
      socket.startHandshake();
      return (X509Certificate) socket.getSession().getPeerCertificates()[0];
    }
  }

  void awaitReady(RenderedService service, int port) {
    HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    await(
        service,
        () -> {
          try {
            HttpResponse<String> r =
                http.send(
                    HttpRequest.newBuilder(
                            URI.create("http://127.0.0.1:" + port + "/actuator/health/readiness"))
                        .timeout(Duration.ofSeconds(5))
                        .build(),
                    HttpResponse.BodyHandlers.ofString());
            return r.statusCode() == 200;
          } catch (IOException e) {
            return false;
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
          }
        });
  }

  static int freePort() {
    return LoopbackPorts.free();
  }

  /** {@link RenderedService#await}, polled every half second. */
  static void await(RenderedService service, BooleanSupplier condition) {
    service.await(condition, Duration.ofMillis(500));
  }
}
