package io.secretsstore.driver;

import static io.secretsstore.driver.DriverHarness.NAMESPACE;
import static io.secretsstore.driver.DriverHarness.file;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.groups.Tuple.tuple;

import io.grpc.stub.StreamObserver;
import io.secretsstore.daemon.startup.StartupWarmUp;
import io.secretsstore.driver.csi.IdentityGrpcService;
import io.secretsstore.model.csi.v1.ProbeRequest;
import io.secretsstore.model.csi.v1.ProbeResponse;
import io.secretsstore.model.names.CsiNames;
import java.nio.file.Files;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The driver's start-up warm-up (issue 17) with the real provider from its jar, a real OpenBao
 * behind a request-counting proxy, the fabric8 mock API and real tmpfs mounts (root): the start
 * asks the store nothing, writes nothing to the API server, reads only its CSIDriver (once, as
 * before), leaves no mount, and the first publish works.
 */
class DriverWarmUpIT {

  private DriverHarness h;

  @AfterEach
  void tearDown() {
    if (h != null) {
      h.unpublishEverything();
      h.close();
    }
  }

  @Test
  void warmsUpBeforeReadyWithoutStoreRequestsApiWritesOrMounts() throws Exception {
    h = new DriverHarness();
    // The provider started and the driver started (warm-up included): no store request yet.
    assertThat(h.proxy.counts()).isEmpty();
    // The driver again, with the API server's requests counted from here.
    h.stopDriver();
    int writesBefore = apiWrites();
    int csiDriverReadsBefore = csiDriverReads();
    h.startDriver();

    StartupWarmUp warmUp = h.bean(StartupWarmUp.class);
    assertThat(warmUp.finished()).isTrue();
    assertThat(warmUp.gaveUp()).isFalse();
    assertThat(warmUp.results())
        .extracting(StartupWarmUp.StepResult::name, StartupWarmUp.StepResult::failure)
        .containsExactly(
            tuple("kubernetes model", null),
            tuple("kubernetes read", null),
            tuple("csi request", null),
            tuple("provider call", null),
            tuple("mount syscalls", null),
            tuple("meters", null),
            tuple("virtual thread", null));
    assertThat(h.proxy.counts()).isEmpty();
    assertThat(apiWrites()).isEqualTo(writesBefore);
    // The CSIDriver check's one read: before ready now, not a second time at ready.
    assertThat(csiDriverReads() - csiDriverReadsBefore).isEqualTo(1);
    // Other builds on this machine mount too: only this driver's paths are looked at.
    assertThat(Files.readAllLines(java.nio.file.Path.of("/proc/self/mountinfo")))
        .noneMatch(line -> line.contains("secrets-store-warm-up"))
        .noneMatch(line -> line.contains(h.root.toString()));
    assertThat(h.kubelet().probe()).isTrue();

    // The first publish after the warm-up.
    h.admin.putKv2("secret", h.prefix + "/first", Map.of("key", "value-1"));
    h.createImport(NAMESPACE, "first", file("key", h.path("first"), "key"));
    Kubelet.Pod pod =
        new Kubelet.Pod(NAMESPACE, "first-1", UUID.randomUUID().toString(), "app", "secrets");
    h.kubelet()
        .publish(
            pod,
            h.token(NAMESPACE, DriverHarness.ACCOUNT),
            Map.of(CsiNames.ATTRIBUTE_SECRETS_STORE_IMPORT, "first"));
    assertThat(h.kubelet().target(pod).resolve("key")).hasContent("value-1");
  }

  @Test
  void offMeansNoStepAndTheCheckAtReady() throws Exception {
    h = new DriverHarness("secrets-store.warm-up.enabled=false");
    // The first start's background check may still be on its way: counted from the restart on.
    h.stopDriver();
    int csiDriverReadsBefore = csiDriverReads();
    h.startDriver();
    StartupWarmUp warmUp = h.bean(StartupWarmUp.class);
    assertThat(warmUp.finished()).isTrue();
    assertThat(warmUp.results()).isEmpty();
    assertThat(h.proxy.counts()).isEmpty();
    assertThat(h.kubelet().probe()).isTrue();
    // Without the warm-up the CSIDriver check still reads once, in the background after ready.
    org.awaitility.Awaitility.await()
        .atMost(java.time.Duration.ofMinutes(2))
        .until(() -> csiDriverReads() - csiDriverReadsBefore >= 1);
  }

  /** CSI Probe says "initialising" (ready false, no error) while the warm-up runs. */
  @Test
  void probeIsNotReadyWhileWarmingUp() {
    AtomicBoolean warm = new AtomicBoolean();
    IdentityGrpcService identity = new IdentityGrpcService("d", "1", warm::get);
    assertThat(probe(identity).getReady().getValue()).isFalse();
    warm.set(true);
    assertThat(probe(identity).getReady().getValue()).isTrue();
  }

  private static ProbeResponse probe(IdentityGrpcService identity) {
    AtomicReference<ProbeResponse> answer = new AtomicReference<>();
    identity.probe(
        ProbeRequest.getDefaultInstance(),
        new StreamObserver<>() {
          @Override
          public void onNext(ProbeResponse value) {
            answer.set(value);
          }

          @Override
          public void onError(Throwable t) {
            throw new AssertionError(t);
          }

          @Override
          public void onCompleted() {}
        });
    return answer.get();
  }

  private int apiWrites() {
    return h.kubernetes.requestCount("POST", "/")
        + h.kubernetes.requestCount("PUT", "/")
        + h.kubernetes.requestCount("PATCH", "/")
        + h.kubernetes.requestCount("DELETE", "/");
  }

  private int csiDriverReads() {
    return h.kubernetes.requestCount(
        "GET", "/apis/storage.k8s.io/v1/csidrivers/" + CsiNames.DRIVER_NAME);
  }
}
