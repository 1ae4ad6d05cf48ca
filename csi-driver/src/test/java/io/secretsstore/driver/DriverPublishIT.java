package io.secretsstore.driver;

import static io.secretsstore.driver.DriverHarness.ACCOUNT;
import static io.secretsstore.driver.DriverHarness.NAMESPACE;
import static io.secretsstore.driver.DriverHarness.file;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.Event;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.micrometer.core.instrument.MeterRegistry;
import io.secretsstore.driver.Kubelet.Pod;
import io.secretsstore.driver.ScriptedProvider.Answer;
import io.secretsstore.driver.config.DriverProperties;
import io.secretsstore.driver.publish.ErrorTypes;
import io.secretsstore.driver.publish.MountedVolume;
import io.secretsstore.driver.publish.VolumeService;
import io.secretsstore.driver.publish.VolumeService.RotationResult;
import io.secretsstore.driver.registration.CsiDriverCheck;
import io.secretsstore.driver.state.VolumeStateStore;
import io.secretsstore.driver.status.PodEvents;
import io.secretsstore.driver.status.PodStatusWriter;
import io.secretsstore.linux.Mounts;
import io.secretsstore.model.crd.PodMountStatus;
import io.secretsstore.model.crd.SecretFile;
import io.secretsstore.model.crd.SecretsStoreImport;
import io.secretsstore.model.crd.SecretsStoreImportPodStatus;
import io.secretsstore.model.csi.v1.GetPluginInfoRequest;
import io.secretsstore.model.csi.v1.NodeGetCapabilitiesRequest;
import io.secretsstore.model.csi.v1.NodeGetInfoRequest;
import io.secretsstore.model.csi.v1.NodeStageVolumeRequest;
import io.secretsstore.model.csi.v1.NodeUnpublishVolumeRequest;
import io.secretsstore.model.names.CsiNames;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;

/**
 * The driver as kubelet sees it: a kubelet-like client on the driver's unix socket, real tmpfs
 * mounts, the real provider process, a real OpenBao behind a request-counting proxy, and the
 * fabric8 mock API server holding imports, events and status objects.
 */
@ExtendWith(OutputCaptureExtension.class)
class DriverPublishIT {

  static DriverHarness h;

  @BeforeAll
  static void start() throws IOException {
    h = new DriverHarness();
  }

  @AfterAll
  static void stop() {
    if (h != null) {
      h.close();
    }
  }

  /** Whatever a test left mounted (it failed half-way, say) is gone before the next one. */
  @AfterEach
  void unpublishLeftovers() {
    if (h != null) {
      h.unpublishEverything();
    }
  }

  // ------------------------------------------------------------------ publish

  @Test
  void publishWritesTheImportsFilesOnATmpfsAndRecordsAStatusObject() throws Exception {
    h.admin.putKv2("secret", h.prefix + "/db", Map.of("user", "app-user", "password", "pw-1"));
    h.admin.putKv2(
        "secret",
        h.prefix + "/cert",
        Map.of("crt", Base64.getEncoder().encodeToString("CERT-BYTES".getBytes())));
    SecretFile tls = file("tls.crt", h.path("cert"), "crt");
    tls.setDecodeBase64(true);
    h.createImport(
        NAMESPACE,
        "db",
        file("db-user", h.path("db"), "user"),
        file("db-password", h.path("db"), "password"),
        tls);
    int readsBefore = reads("db");
    Pod pod = pod("web-1");

    h.kubelet().publish(pod, token(), Map.of("secretsStoreImport", "db"));

    Path target = h.kubelet().target(pod);
    assertThat(Files.readString(target.resolve("db-user"))).isEqualTo("app-user");
    assertThat(Files.readString(target.resolve("db-password"))).isEqualTo("pw-1");
    assertThat(Files.readString(target.resolve("tls.crt"))).isEqualTo("CERT-BYTES");
    // Visible names are symlinks into the current generation, swapped atomically on rotation.
    assertThat(Files.readSymbolicLink(target.resolve("db-user")))
        .isEqualTo(Path.of("..data/db-user"));
    assertThat(
            PosixFilePermissions.toString(
                Files.getPosixFilePermissions(target.resolve("..data/db-user"))))
        .isEqualTo("rw-r--r--");
    assertThat(mountInfo(target)).hasSize(1);
    assertThat(mountInfo(target).getFirst())
        .contains(" - tmpfs ")
        .contains("nosuid")
        .contains("nodev")
        .contains("noexec");
    // Two files from one path cost one store read.
    assertThat(reads("db") - readsBefore).isEqualTo(1);

    String statusName = PodStatusWriter.objectName(pod.name(), "secrets");
    await()
        .atMost(Duration.ofSeconds(10))
        .untilAsserted(
            () -> {
              SecretsStoreImportPodStatus object = podStatus(statusName);
              assertThat(object).isNotNull();
              assertThat(object.getMetadata().getOwnerReferences())
                  .singleElement()
                  .satisfies(owner -> assertThat(owner.getUid()).isEqualTo(pod.uid()));
              PodMountStatus status = object.getStatus();
              assertThat(status).isNotNull();
              assertThat(status.getMounted()).isTrue();
              assertThat(status.getImportKind()).isEqualTo(SecretsStoreImport.KIND);
              assertThat(status.getImportName()).isEqualTo("db");
              assertThat(status.getNodeName()).isEqualTo("node-1");
              assertThat(status.getObjects())
                  .extracting(PodMountStatus.ObjectVersion::id)
                  .containsExactly("db-password", "db-user", "tls.crt");
            });
    assertThat(
            h.bean(MeterRegistry.class)
                .get("secrets_store.driver.publish")
                .tag("outcome", "success")
                .timer()
                .count())
        .isPositive();

    h.kubelet().unpublish(pod);
    assertThat(target).doesNotExist();
    assertThat(mountInfo(target)).isEmpty();
    await().atMost(Duration.ofSeconds(10)).until(() -> podStatus(statusName) == null);
    // kubelet retries unpublish; a second one (target gone) succeeds too.
    h.kubelet().unpublish(pod);
  }

  @Test
  void aRepeatedPublishKeepsTheMountAndReadsNothing() throws Exception {
    h.admin.putKv2("secret", h.prefix + "/again", Map.of("key", "value-1"));
    h.createImport(NAMESPACE, "again", file("key", h.path("again"), "key"));
    Pod pod = pod("again-1");
    h.kubelet().publish(pod, token(), Map.of("secretsStoreImport", "again"));
    int readsAfterFirst = reads("again");
    Path generation = Files.readSymbolicLink(h.kubelet().target(pod).resolve("..data"));

    h.kubelet().publish(pod, token(), Map.of("secretsStoreImport", "again"));

    assertThat(mountInfo(h.kubelet().target(pod))).hasSize(1);
    assertThat(reads("again")).isEqualTo(readsAfterFirst);
    assertThat(Files.readSymbolicLink(h.kubelet().target(pod).resolve("..data")))
        .isEqualTo(generation);
    assertThat(Files.readString(h.kubelet().target(pod).resolve("key"))).isEqualTo("value-1");
    h.kubelet().unpublish(pod);
  }

  @Test
  void anUpstreamSecretProviderClassIsMountedThroughItsProvider() throws Exception {
    h.admin.putKv2("secret", h.prefix + "/upstream", Map.of("password", "upstream-pw"));
    h.createClass(
        "upstream-db",
        "vault",
        Map.of(
            "roleName",
            DriverHarness.ROLE,
            "vaultAddress",
            h.proxy.address(),
            "vaultKubernetesMountPath",
            h.auth,
            "objects",
            """
            - objectName: "db-password"
              secretPath: "%s"
              secretKey: "password"
            """
                .formatted(h.path("upstream"))));
    Pod pod = pod("upstream-1");

    h.kubelet().publish(pod, token(), Map.of("secretProviderClass", "upstream-db"));

    assertThat(Files.readString(h.kubelet().target(pod).resolve("db-password")))
        .isEqualTo("upstream-pw");
    h.kubelet().unpublish(pod);
  }

  // ------------------------------------------------------------------ refused publishes

  @Test
  void anImportOfAnotherNamespaceCannotBeNamed() throws Exception {
    h.admin.putKv2("secret", h.prefix + "/theirs", Map.of("key", "theirs"));
    h.createImport("team-b", "theirs", file("key", h.path("theirs"), "key"));

    Pod pod = pod("nosy-1");
    assertRefused(
        pod,
        Map.of("secretsStoreImport", "theirs"),
        Status.Code.NOT_FOUND,
        "SecretsStoreImport 'theirs' not found in namespace 'team-a'");
    assertRefused(
        pod,
        Map.of("secretsStoreImport", "team-b/theirs"),
        Status.Code.INVALID_ARGUMENT,
        "is not an object name");
    await()
        .atMost(Duration.ofSeconds(10))
        .untilAsserted(
            () ->
                assertThat(events(pod))
                    .filteredOn(e -> e.getReason().equals("SecretsStoreMountFailed"))
                    .extracting(Event::getType, Event::getMessage)
                    .anySatisfy(
                        typeAndMessage ->
                            assertThat(typeAndMessage.toList())
                                .containsExactly(
                                    "Warning",
                                    "SecretsStoreImport 'theirs' not found in namespace"
                                        + " 'team-a'")));
    assertThat(reads("theirs")).isZero();
  }

  @Test
  void missingImportsProvidersTokensAndStoresAreReportedAndLeaveNothingBehind() throws Exception {
    h.admin.putKv2("secret", h.prefix + "/fails", Map.of("key", "value"));
    h.createImport(NAMESPACE, "fails", file("key", h.path("fails"), "key"));
    SecretsStoreImport unreachable =
        h.createImport(NAMESPACE, "store-down", file("key", h.path("fails"), "key"));
    unreachable.getSpec().setAddress("http://127.0.0.1:" + closedPort());
    h.api().resource(unreachable).update();
    h.createClass("other-provider", "azure", Map.of("objects", "[]"));
    h.createClass("dead-provider", "dead", Map.of());
    deadSocket(h.providersDir.resolve("dead.sock"));
    Pod pod = pod("failing-1");

    assertRefused(
        pod,
        Map.of("secretsStoreImport", "missing"),
        Status.Code.NOT_FOUND,
        "SecretsStoreImport 'missing' not found in namespace 'team-a'");
    assertRefused(
        pod,
        Map.of("secretProviderClass", "missing"),
        Status.Code.NOT_FOUND,
        "SecretProviderClass 'missing' not found in namespace 'team-a'");
    assertRefused(
        pod, Map.of(), Status.Code.INVALID_ARGUMENT, "volumeAttributes name no secretsStoreImport");
    assertRefused(
        pod,
        Map.of("secretProviderClass", "other-provider"),
        Status.Code.UNAVAILABLE,
        "provider 'azure' is not running on this node");
    assertRefused(
        pod,
        Map.of("secretProviderClass", "dead-provider"),
        Status.Code.UNAVAILABLE,
        "provider 'dead' does not answer");
    assertRefused(
        pod, Map.of("secretsStoreImport", "store-down"), Status.Code.UNAVAILABLE, "unreachable");
    // No token for the store login: the CSIDriver object lacks tokenRequests.
    StatusRuntimeException noToken =
        catchThrowableOfType(
            StatusRuntimeException.class,
            () -> h.kubelet().publish(pod, null, Map.of("secretsStoreImport", "fails")));
    assertThat(noToken.getStatus().getCode()).isEqualTo(Status.Code.FAILED_PRECONDITION);
    assertThat(noToken.getStatus().getDescription()).contains("tokenRequests");
    assertCleanTarget(pod);
    // A volume that is not an inline ephemeral one.
    Map<String, String> persistent =
        new HashMap<>(Kubelet.volumeContext(pod, token(), Map.of("secretsStoreImport", "fails")));
    persistent.put(CsiNames.EPHEMERAL, "false");
    StatusRuntimeException notInline =
        catchThrowableOfType(
            StatusRuntimeException.class, () -> h.kubelet().publish(pod, persistent));
    assertThat(notInline.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
    assertThat(notInline.getStatus().getDescription()).contains("inline ephemeral");
    assertCleanTarget(pod);

    assertThat(
            h.bean(MeterRegistry.class)
                .get("secrets_store.driver.publish")
                .tag("error_type", "import_not_found")
                .timer()
                .count())
        .isGreaterThanOrEqualTo(2);
    // The pod still mounts once its import is fine.
    h.kubelet().publish(pod, token(), Map.of("secretsStoreImport", "fails"));
    assertThat(Files.readString(h.kubelet().target(pod).resolve("key"))).isEqualTo("value");
    h.kubelet().unpublish(pod);
  }

  @Test
  void aPodWhoseTokenNamesAnotherServiceAccountGetsNothing() throws Exception {
    h.admin.putKv2("secret", h.prefix + "/shared", Map.of("key", "shared-value"));
    h.createImport(NAMESPACE, "shared", file("key", h.path("shared"), "key"));
    Pod owner = pod("owner-1");
    h.kubelet().publish(owner, token(), Map.of("secretsStoreImport", "shared"));
    int reads = reads("shared");
    String foreign = h.token(NAMESPACE, "intruder");

    // The read of "app" is fresh and shareable; a token of another account does not get it.
    Pod intruder = pod("intruder-1");
    StatusRuntimeException refused =
        catchThrowableOfType(
            StatusRuntimeException.class,
            () -> h.kubelet().publish(intruder, foreign, Map.of("secretsStoreImport", "shared")));
    assertThat(refused.getStatus().getCode()).isEqualTo(Status.Code.PERMISSION_DENIED);
    assertThat(refused.getStatus().getDescription())
        .contains("belongs to 'system:serviceaccount:team-a:intruder'")
        .doesNotContain(foreign);
    assertCleanTarget(intruder);

    // Nor does a rotation that would run with such a token: the files stay as they are.
    h.kubelet().publish(owner, foreign, Map.of("secretsStoreImport", "shared"));
    assertThat(service().rotate(volume(owner))).isEqualTo(RotationResult.FAILED);
    assertThat(Files.readString(h.kubelet().target(owner).resolve("key")))
        .isEqualTo("shared-value");
    assertThat(reads("shared")).isEqualTo(reads);
    h.kubelet().unpublish(owner);
  }

  @Test
  void aHostileProviderCannotWriteOutsideTheVolume() throws Exception {
    try (ScriptedProvider hostile = new ScriptedProvider(h.providersDir.resolve("hostile.sock"))) {
      h.createClass("hostile", "hostile", Map.of());
      Pod pod = pod("victim-1");
      for (String path :
          List.of("../../../../escape", "/tmp/escape", "sub/escape", "..", "..data", "")) {
        hostile.answer(Answer.of(path, "owned"));
        assertRefused(
            pod,
            Map.of("secretProviderClass", "hostile"),
            Status.Code.INTERNAL,
            "provider 'hostile': the provider returned the file name");
      }
      try (Stream<Path> everything = Files.walk(h.root)) {
        assertThat(everything.filter(p -> p.getFileName().toString().equals("escape"))).isEmpty();
      }
      assertThat(Path.of("/tmp/escape")).doesNotExist();
      // Two files with one name would leave it to chance which one the app reads.
      hostile.answer(Answer.of("same", "a"), Answer.of("same", "b"));
      assertRefused(
          pod, Map.of("secretProviderClass", "hostile"), Status.Code.INTERNAL, "'same' twice");
      // No setuid, setgid or sticky bits, even on a noexec tmpfs.
      hostile.answer(new Answer("tool", 04755, "#!/bin/sh"));
      assertRefused(
          pod, Map.of("secretProviderClass", "hostile"), Status.Code.INTERNAL, "mode 4755");
      // A well-behaved answer from the same provider mounts.
      hostile.answer(Answer.of("fine", "ok"));
      h.kubelet().publish(pod, token(), Map.of("secretProviderClass", "hostile"));
      assertThat(Files.readString(h.kubelet().target(pod).resolve("fine"))).isEqualTo("ok");
      h.kubelet().unpublish(pod);
    }
  }

  /** A status object of that name owned by another uid (forged, or a stale pod's) is replaced. */
  @Test
  void aStatusObjectOwnedByAnotherPodIsNeverWrittenInto() throws Exception {
    h.createImport(NAMESPACE, "owned", file("key", h.path("owned"), "key"));
    h.admin.putKv2("secret", h.prefix + "/owned", Map.of("key", "owned-value"));
    Pod pod = pod("owned-1");
    String name = PodStatusWriter.objectName(pod.name(), "secrets");
    SecretsStoreImportPodStatus forged = new SecretsStoreImportPodStatus();
    forged.setMetadata(
        new io.fabric8.kubernetes.api.model.ObjectMetaBuilder()
            .withName(name)
            .withNamespace(NAMESPACE)
            .addNewOwnerReference()
            .withApiVersion("v1")
            .withKind("Pod")
            .withName(pod.name())
            .withUid("someone-else")
            .endOwnerReference()
            .build());
    h.api().resource(forged).create();

    h.kubelet().publish(pod, token(), Map.of("secretsStoreImport", "owned"));
    h.drainKubernetesWrites();
    SecretsStoreImportPodStatus written = podStatus(name);
    assertThat(written.getMetadata().getOwnerReferences())
        .singleElement()
        .satisfies(owner -> assertThat(owner.getUid()).isEqualTo(pod.uid()));
    assertThat(written.getStatus().getPodUID()).isEqualTo(pod.uid());
    h.kubelet().unpublish(pod);
  }

  /** kubelet retries a failing publish for ever: one Event counted up, not one Event per try. */
  @Test
  void repeatedFailuresAreCountedOnOneEvent() throws Exception {
    Pod pod = pod("counted-1");
    for (int i = 0; i < 5; i++) {
      assertThrows(pod, Map.of("secretsStoreImport", "no-such-import"));
    }
    assertThrows(pod, Map.of("secretsStoreImport", "another-missing-import"));
    h.drainKubernetesWrites();
    List<Event> failed =
        events(pod).stream()
            .filter(e -> PodEvents.MOUNT_FAILED.equals(e.getReason()))
            .sorted(java.util.Comparator.comparing(Event::getCount))
            .toList();
    assertThat(failed).hasSize(2);
    assertThat(failed.get(0).getCount()).isEqualTo(1);
    assertThat(failed.get(0).getMessage()).contains("another-missing-import");
    assertThat(failed.get(1).getCount()).isEqualTo(5);
    assertThat(failed.get(1).getMessage()).contains("no-such-import");
  }

  /**
   * A provider's error codes become the {@code error_type} label: a hostile one must not write
   * arbitrary text into metrics or grow their cardinality without bound (issue 14 item 9).
   */
  @Test
  void aHostileProviderCannotChooseMetricLabels() throws Exception {
    try (ScriptedProvider hostile = new ScriptedProvider(h.providersDir.resolve("labels.sock"))) {
      h.createClass("labels", "labels", Map.of());
      Pod pod = pod("labels-1");
      List<String> invented = new ArrayList<>();
      for (int i = 0; i < 20; i++) {
        invented.add("made_up_" + i);
      }
      invented.add("x\"} 1\nsecrets_store_fake 2");
      invented.add("a".repeat(4000));
      for (String code : invented) {
        hostile.failWith(Status.PERMISSION_DENIED.withDescription("no"), code);
        assertThrows(pod, Map.of("secretProviderClass", "labels"));
        hostile.answerError(code);
        assertThrows(pod, Map.of("secretProviderClass", "labels"));
      }
      // A documented code keeps its own label.
      hostile.failWith(Status.PERMISSION_DENIED.withDescription("denied"), "login_denied");
      assertThrows(pod, Map.of("secretProviderClass", "labels"));

      java.util.Set<String> labels = new java.util.TreeSet<>();
      h.bean(io.micrometer.core.instrument.MeterRegistry.class)
          .find("secrets_store.driver.publish")
          .timers()
          .forEach(timer -> labels.add(timer.getId().getTag("error_type")));
      assertThat(labels).contains("provider_error", "login_denied");
      java.util.Set<String> allowed = new java.util.HashSet<>(ErrorTypes.KNOWN);
      allowed.add("");
      assertThat(allowed).containsAll(labels);
      assertCleanTarget(pod);
    }
  }

  private void assertThrows(Pod pod, Map<String, String> attributes) {
    assertThat(
            catchThrowableOfType(
                StatusRuntimeException.class, () -> h.kubelet().publish(pod, token(), attributes)))
        .isNotNull();
  }

  @Test
  void targetsOutsideKubeletsPodsOrOfAnotherPodAreRefused() throws Exception {
    h.createImport(NAMESPACE, "fails", file("key", h.path("fails"), "key"));
    Pod pod = pod("elsewhere-1");
    Path outside = Files.createDirectories(h.root.resolve("not-kubelet/mount"));
    StatusRuntimeException refused =
        catchThrowableOfType(
            StatusRuntimeException.class,
            () ->
                h.kubelet()
                    .node
                    .nodePublishVolume(
                        publishRequest(
                            pod, outside, Kubelet.volumeContext(pod, token(), Map.of()))));
    assertThat(refused.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
    assertThat(refused.getStatus().getDescription()).contains("outside kubelet's pods directory");
    assertThat(mountInfo(outside)).isEmpty();

    Pod other = pod("other-1");
    Path othersTarget = h.kubelet().target(other);
    Files.createDirectories(othersTarget.getParent());
    StatusRuntimeException foreign =
        catchThrowableOfType(
            StatusRuntimeException.class,
            () ->
                h.kubelet()
                    .node
                    .nodePublishVolume(
                        publishRequest(
                            pod,
                            othersTarget,
                            Kubelet.volumeContext(
                                pod, token(), Map.of("secretsStoreImport", "fails")))));
    assertThat(foreign.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
    assertThat(foreign.getStatus().getDescription()).contains("belongs to another pod");
    assertThat(mountInfo(othersTarget)).isEmpty();
  }

  /**
   * A writable volume would let a root container rearrange the files the driver writes into next
   * (issue 14 item 1): refused before anything is mounted, in upstream's words.
   */
  @Test
  void aReadWritePublishIsRefusedBeforeAnythingIsMounted() throws Exception {
    h.createImport(NAMESPACE, "writable", file("key", h.path("writable"), "key"));
    Pod pod = pod("writable-1");
    Path target = h.kubelet().target(pod);
    Files.createDirectories(target.getParent());
    StatusRuntimeException refused =
        catchThrowableOfType(
            StatusRuntimeException.class,
            () ->
                h.kubelet()
                    .node
                    .nodePublishVolume(
                        publishRequest(
                                pod,
                                target,
                                Kubelet.volumeContext(
                                    pod, token(), Map.of("secretsStoreImport", "writable")))
                            .toBuilder()
                            .setReadonly(false)
                            .build()));
    assertThat(refused.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
    assertThat(refused.getStatus().getDescription())
        .contains("Readonly is not true in request")
        .contains("readOnly: true");
    assertThat(mountInfo(target)).isEmpty();
    assertThat(target).doesNotExist();
    assertThat(service().volume(pod.volumeId())).isEmpty();
  }

  /**
   * A root container that could write into its volume (an older driver, or a tmpfs left writable)
   * points {@code ..data} at another pod's volume and replaces the visible names: the next rotation
   * writes a new generation in its own volume and deletes nothing outside it.
   */
  @Test
  void aPlantedDataSymlinkDoesNotMakeRotationDeleteOrWriteOutsideTheVolume() throws Exception {
    putPair("planted", 1);
    h.createImport(NAMESPACE, "planted", file("password", h.path("planted"), "password"));
    Pod victim = pod("planted-victim-1");
    Pod attacker = pod("planted-attacker-1");
    h.kubelet().publish(victim, token(), Map.of("secretsStoreImport", "planted"));
    h.kubelet().publish(attacker, token(), Map.of("secretsStoreImport", "planted"));
    Path victims = h.kubelet().target(victim);
    Path target = h.kubelet().target(attacker);
    Path victimsGeneration = victims.resolve(Files.readSymbolicLink(victims.resolve("..data")));
    try {
      // The attack, as root on the node's view of the attacker's tmpfs.
      Files.delete(target.resolve("..data"));
      Files.createSymbolicLink(target.resolve("..data"), victimsGeneration);
      Files.delete(target.resolve("password"));
      Files.createSymbolicLink(target.resolve("password"), victimsGeneration.resolve("password"));

      putPair("planted", 2);
      assertThat(service().rotate(volume(attacker))).isEqualTo(RotationResult.UPDATED);

      assertThat(victimsGeneration).isDirectory();
      assertThat(Files.readString(victimsGeneration.resolve("password"))).isEqualTo("password-1");
      assertThat(Files.readString(target.resolve("password"))).isEqualTo("password-2");
      assertThat(Files.readSymbolicLink(target.resolve("..data")).getNameCount()).isEqualTo(1);
    } finally {
      h.kubelet().unpublish(attacker);
      h.kubelet().unpublish(victim);
    }
  }

  @Test
  void unpublishSurvivesTargetsThatAreGoneAndLeavesForeignContentAlone() throws Exception {
    Pod never = pod("never-1");
    h.kubelet().unpublish(never);

    Pod emptyDir = pod("empty-1");
    Files.createDirectories(h.kubelet().target(emptyDir));
    h.kubelet().unpublish(emptyDir);
    assertThat(h.kubelet().target(emptyDir)).doesNotExist();

    Pod foreign = pod("foreign-1");
    Path target = Files.createDirectories(h.kubelet().target(foreign));
    Files.writeString(target.resolve("data"), "not ours");
    StatusRuntimeException refused =
        catchThrowableOfType(StatusRuntimeException.class, () -> h.kubelet().unpublish(foreign));
    assertThat(refused.getStatus().getCode()).isEqualTo(Status.Code.FAILED_PRECONDITION);
    assertThat(refused.getStatus().getDescription()).contains("not mounted by this driver");
    assertThat(Files.readString(target.resolve("data"))).isEqualTo("not ours");
  }

  /**
   * NodeUnpublishVolume unmounts and deletes as root, so its target gets the publish checks (issue
   * 14 item 9): a target outside kubelet's pods directory, one that climbs out with {@code ..}, and
   * one that leads through a symbolic link below the pods directory (as the target itself, or as a
   * pod directory) are refused with INVALID_ARGUMENT, and the victim outside (a real tmpfs with a
   * file and an empty directory in it) is still mounted with everything in it.
   */
  @Test
  void unpublishRefusesTargetsThatLeadOutsideThePodsDirectory() throws Exception {
    Path victim = Files.createDirectories(h.root.resolve("victim"));
    Mounts.mountTmpfs(victim, 1024 * 1024, 0755);
    Pod linked = pod("unpublish-linked-1");
    Pod linkedPod = pod("unpublish-linked-pod-1");
    Path linkedTarget = h.kubelet().target(linked);
    Path linkedPodDir = h.podsDir.resolve(linkedPod.uid());
    try {
      Files.writeString(victim.resolve("secret"), "victim's");
      Path victimsEmptyDir =
          Files.createDirectories(victim.resolve("volumes/kubernetes.io~csi/secrets/mount"));

      // (a) outside kubelet's pods directory
      assertUnpublishRefused(
          "outside-1",
          victim.toString(),
          "target path '" + victim + "' is outside kubelet's pods directory " + h.podsDir);

      // (b) not normalized: climbs out of the pods directory with ..
      Pod climbing = pod("unpublish-climbing-1");
      String climbingPath = h.kubelet().target(climbing) + "/../../../../../../../victim";
      assertThat(Path.of(climbingPath).normalize()).isEqualTo(victim);
      assertUnpublishRefused(
          climbing.volumeId(),
          climbingPath,
          "target path '" + climbingPath + "' is not an absolute, normalized path");

      // (c1) the target itself is a symbolic link to the victim
      Files.createDirectories(linkedTarget.getParent());
      Files.createSymbolicLink(linkedTarget, victim);
      assertUnpublishRefused(
          linked.volumeId(),
          linkedTarget.toString(),
          "target path '"
              + linkedTarget
              + "' leads through the symbolic link "
              + linkedTarget
              + "; kubelet's volume paths have none, so nothing was touched");

      // (c2) the pod's directory is a symbolic link: the target resolves to an empty directory
      // inside the victim, which a plain delete would remove
      Files.createSymbolicLink(linkedPodDir, victim);
      Path throughPodDir = h.kubelet().target(linkedPod);
      assertThat(throughPodDir.toRealPath()).isEqualTo(victimsEmptyDir.toRealPath());
      assertUnpublishRefused(
          linkedPod.volumeId(),
          throughPodDir.toString(),
          "target path '"
              + throughPodDir
              + "' leads through the symbolic link "
              + linkedPodDir
              + "; kubelet's volume paths have none, so nothing was touched");

      assertThat(mountInfo(victim)).hasSize(1);
      assertThat(mountInfo(victim).getFirst()).contains(" - tmpfs ");
      assertThat(Files.readString(victim.resolve("secret"))).isEqualTo("victim's");
      assertThat(victimsEmptyDir).isEmptyDirectory();
      assertThat(Files.readSymbolicLink(linkedTarget)).isEqualTo(victim);
      assertThat(Files.readSymbolicLink(linkedPodDir)).isEqualTo(victim);
    } finally {
      Files.deleteIfExists(linkedTarget);
      Files.deleteIfExists(linkedPodDir);
      Mounts.unmount(victim);
    }
  }

  private static void assertUnpublishRefused(String volumeId, String targetPath, String message) {
    StatusRuntimeException refused =
        catchThrowableOfType(
            StatusRuntimeException.class,
            () ->
                h.kubelet()
                    .node
                    .nodeUnpublishVolume(
                        NodeUnpublishVolumeRequest.newBuilder()
                            .setVolumeId(volumeId)
                            .setTargetPath(targetPath)
                            .build()));
    assertThat(refused).as(targetPath).isNotNull();
    assertThat(refused.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
    assertThat(refused.getStatus().getDescription()).isEqualTo(message);
  }

  // ------------------------------------------------------------------ rotation

  @Test
  void rotationSwapsAllFilesAtOnceKeepsOldContentWhenTheStoreFailsAndLogsNoSecrets(
      CapturedOutput output) throws Exception {
    putPair("rotating", 1);
    h.createImport(
        NAMESPACE,
        "rotating",
        file("user", h.path("rotating"), "user"),
        file("password", h.path("rotating"), "password"));
    Pod pod = pod("rotating-1");
    String token = token();
    h.kubelet().publish(pod, token, Map.of("secretsStoreImport", "rotating"));
    Path target = h.kubelet().target(pod);
    MountedVolume volume = volume(pod);
    Path firstGeneration = Files.readSymbolicLink(target.resolve("..data"));

    assertThat(service().rotate(volume)).isEqualTo(RotationResult.UNCHANGED);
    assertThat(Files.readSymbolicLink(target.resolve("..data"))).isEqualTo(firstGeneration);

    ConsistentReader reader = new ConsistentReader(target);
    Thread readerThread = Thread.ofPlatform().start(reader);
    try {
      for (int generation = 2; generation <= 5; generation++) {
        putPair("rotating", generation);
        assertThat(service().rotate(volume)).isEqualTo(RotationResult.UPDATED);
        assertThat(Files.readString(target.resolve("password")))
            .isEqualTo("password-" + generation);
      }
      // Stop only once the reader has seen the last generation: a count, not a timing guess.
      await().atMost(Duration.ofSeconds(60)).until(() -> reader.seen.contains(5));
    } finally {
      reader.stop.set(true);
      readerThread.join();
    }
    assertThat(reader.mixed).hasValue(0);
    assertThat(reader.partial).hasValue(0);
    assertThat(reader.seen).contains(1, 5);
    assertThat(reader.consistentReads).hasValueGreaterThan(10);

    // The store fails: old files stay, the pod gets one event, status shows the error.
    putPair("rotating", 6);
    h.proxy.failNext(1_000, 503);
    try {
      assertThat(service().rotate(volume)).isEqualTo(RotationResult.FAILED);
      assertThat(service().rotate(volume)).isEqualTo(RotationResult.FAILED);
    } finally {
      h.proxy.failNext(0, 503);
    }
    assertThat(Files.readString(target.resolve("password"))).isEqualTo("password-5");
    assertThat(Files.readString(target.resolve("user"))).isEqualTo("user-5");
    await()
        .atMost(Duration.ofSeconds(10))
        .untilAsserted(
            () -> {
              assertThat(events(pod))
                  .filteredOn(e -> e.getReason().equals("SecretRotationFailed"))
                  .singleElement()
                  .satisfies(
                      e ->
                          assertThat(e.getMessage())
                              .contains("previous files stay in place")
                              .contains("HTTP 503"));
              assertThat(
                      podStatus(PodStatusWriter.objectName(pod.name(), "secrets"))
                          .getStatus()
                          .getError())
                  .contains("previous files stay in place");
            });

    assertThat(service().rotate(volume)).isEqualTo(RotationResult.UPDATED);
    assertThat(Files.readString(target.resolve("password"))).isEqualTo("password-6");
    await()
        .atMost(Duration.ofSeconds(10))
        .untilAsserted(
            () -> {
              // Five rotations: repeats of one message are counted on one Event.
              List<Event> complete =
                  events(pod).stream()
                      .filter(e -> e.getReason().equals("SecretRotationComplete"))
                      .toList();
              assertThat(complete)
                  .allSatisfy(e -> assertThat(e.getMessage()).contains("password, user"));
              assertThat(complete.stream().mapToInt(Event::getCount).sum()).isEqualTo(5);
              PodMountStatus status =
                  podStatus(PodStatusWriter.objectName(pod.name(), "secrets")).getStatus();
              assertThat(status.getError()).isNull();
              assertThat(status.getLastRotationTime()).isNotNull();
            });
    assertThat(
            h.bean(MeterRegistry.class)
                .get("secrets_store.driver.rotation")
                .tag("result", "error")
                .tag("error_type", "server_error")
                .timer()
                .count())
        .isEqualTo(2);

    h.kubelet().unpublish(pod);
    for (int generation = 1; generation <= 6; generation++) {
      assertThat(output.getAll()).doesNotContain("password-" + generation);
      assertThat(h.providerOutput()).doesNotContain("password-" + generation);
    }
    assertThat(output.getAll()).doesNotContain(token);
    assertThat(h.providerOutput()).doesNotContain(token);
  }

  @Test
  void aRestartedDriverFindsItsVolumesAndRotatesThemOnceKubeletHandsAFreshToken() throws Exception {
    putPair("restart", 1);
    h.createImport(NAMESPACE, "restart", file("user", h.path("restart"), "user"));
    Pod pod = pod("restart-1");
    h.kubelet().publish(pod, token(), Map.of("secretsStoreImport", "restart"));

    h.stopDriver();
    putPair("restart", 2);
    h.startDriver();

    MountedVolume recovered = volume(pod);
    assertThat(recovered.objectVersions()).containsOnlyKeys("user");
    // Tokens are never written to disk: rotation waits for kubelet's next republish.
    assertThat(service().rotate(recovered)).isEqualTo(RotationResult.SKIPPED);
    assertThat(Files.readString(h.kubelet().target(pod).resolve("user"))).isEqualTo("user-1");

    h.kubelet().publish(pod, token(), Map.of("secretsStoreImport", "restart"));
    assertThat(mountInfo(h.kubelet().target(pod))).hasSize(1);
    assertThat(service().rotate(recovered)).isEqualTo(RotationResult.UPDATED);
    assertThat(Files.readString(h.kubelet().target(pod).resolve("user"))).isEqualTo("user-2");

    h.kubelet().unpublish(pod);
    assertThat(h.kubelet().target(pod)).doesNotExist();
    assertThat(service().volume(pod.volumeId())).isEmpty();
  }

  /**
   * A volume whose kubelet token runs out and is never replaced (what a CSIDriver without {@code
   * requiresRepublish} does to every volume once its token ages) is skipped by every cycle. That is
   * announced once, on the first skip: one Warning Event and the status object's mark, no API write
   * in the later skipped cycles. The next rotation with a usable token clears the mark; a later run
   * of skips counts the same Event up (issue 14 item 9).
   */
  @Test
  void aVolumeSkippedForWantOfARepublishIsAnnouncedOnceAndClearedByTheNextRotation()
      throws Exception {
    putPair("stale", 1);
    h.createImport(NAMESPACE, "stale", file("user", h.path("stale"), "user"));
    Pod pod = pod("stale-1");
    Map<String, String> attributes = Map.of("secretsStoreImport", "stale");
    // kubelet reports the token as expiring inside the driver's 30 s margin, and no republish
    // follows: rotation has no usable token from the first cycle on.
    h.kubelet()
        .publish(
            pod, Kubelet.volumeContext(pod, token(), attributes, Instant.now().plusSeconds(5)));
    assertThat(service().mounted()).singleElement().isEqualTo(volume(pod));
    h.drainKubernetesWrites();
    String statusName = PodStatusWriter.objectName(pod.name(), "secrets");
    double skippedBefore = skippedRotations();

    assertThat(h.rotation().runCycle()).isEqualTo(Map.of(RotationResult.SKIPPED, 1));
    h.drainKubernetesWrites();
    int apiWritesAfterFirstSkip = apiWrites();
    putPair("stale", 2); // a change rotation would pick up, if it could
    assertThat(h.rotation().runCycle()).isEqualTo(Map.of(RotationResult.SKIPPED, 1));
    assertThat(h.rotation().runCycle()).isEqualTo(Map.of(RotationResult.SKIPPED, 1));
    h.drainKubernetesWrites();

    assertThat(apiWrites()).as("later skips write nothing").isEqualTo(apiWritesAfterFirstSkip);
    assertThat(skippedRotations() - skippedBefore).isEqualTo(3);
    assertThat(Files.readString(h.kubelet().target(pod).resolve("user"))).isEqualTo("user-1");
    List<Event> skippedEvents =
        events(pod).stream().filter(e -> PodEvents.ROTATION_SKIPPED.equals(e.getReason())).toList();
    assertThat(skippedEvents).hasSize(1);
    Event skipped = skippedEvents.getFirst();
    assertThat(skipped.getType()).isEqualTo("Warning");
    assertThat(skipped.getCount()).isEqualTo(1);
    assertThat(skipped.getMessage())
        .isEqualTo(
            "secrets of volume 'secrets' are no longer rotated, the current files stay in place:"
                + " its service-account token from kubelet expires within 30 s and kubelet has"
                + " not republished the volume with a fresh one; kubelet republishes only if"
                + " CSIDriver 'secrets-store.csi.deckhouse.io' sets spec.requiresRepublish: true"
                + " and spec.tokenRequests (kubectl get csidriver secrets-store.csi.deckhouse.io"
                + " -o yaml); rotation resumes with the next republish");
    PodMountStatus marked = podStatus(statusName).getStatus();
    assertThat(marked.getError()).isEqualTo(skipped.getMessage());
    assertThat(marked.getRotationSkippedSince()).isNotNull();
    assertThat(marked.getMounted()).isTrue();
    assertThat(volume(pod).rotationSkippedSince().toString())
        .isEqualTo(marked.getRotationSkippedSince());

    // kubelet republishes with a fresh token: the next cycle rotates and clears the mark.
    h.kubelet().publish(pod, token(), attributes);
    assertThat(h.rotation().runCycle()).isEqualTo(Map.of(RotationResult.UPDATED, 1));
    h.drainKubernetesWrites();
    assertThat(Files.readString(h.kubelet().target(pod).resolve("user"))).isEqualTo("user-2");
    PodMountStatus cleared = podStatus(statusName).getStatus();
    assertThat(cleared.getError()).isNull();
    assertThat(cleared.getRotationSkippedSince()).isNull();
    assertThat(cleared.getLastRotationTime()).isNotNull();
    assertThat(volume(pod).rotationSkippedSince()).isNull();

    // Another run of skips: the same Event is counted up, the mark is back.
    h.kubelet()
        .publish(
            pod, Kubelet.volumeContext(pod, token(), attributes, Instant.now().plusSeconds(5)));
    assertThat(h.rotation().runCycle()).isEqualTo(Map.of(RotationResult.SKIPPED, 1));
    assertThat(h.rotation().runCycle()).isEqualTo(Map.of(RotationResult.SKIPPED, 1));
    h.drainKubernetesWrites();
    assertThat(events(pod))
        .filteredOn(e -> PodEvents.ROTATION_SKIPPED.equals(e.getReason()))
        .singleElement()
        .satisfies(
            e -> {
              assertThat(e.getCount()).isEqualTo(2);
              assertThat(e.getMessage()).isEqualTo(skipped.getMessage());
            });
    assertThat(podStatus(statusName).getStatus().getRotationSkippedSince()).isNotNull();
    h.kubelet().unpublish(pod);
  }

  /**
   * At start the driver reads its own CSIDriver: without {@code requiresRepublish: true} it says so
   * in one WARN line naming the consequence; with it, nothing (issue 14 item 9).
   */
  @Test
  void aCsiDriverWithoutRequiresRepublishIsNamedInOneWarningAtStart(CapturedOutput output)
      throws Exception {
    String warning =
        "CSIDriver '" + CsiNames.DRIVER_NAME + "' does not set spec.requiresRepublish: true";
    try {
      h.csiDriver(false);
      int before = output.getAll().length();
      h.stopDriver();
      h.startDriver();
      assertThat(h.bean(CsiDriverCheck.class).done().get(120, TimeUnit.SECONDS))
          .isEqualTo(CsiDriverCheck.Outcome.NO_REPUBLISH);
      List<String> lines = linesContaining(output.getAll().substring(before), warning);
      assertThat(lines).singleElement().asString().contains(" WARN ").contains("stop rotating");

      h.csiDriver(true);
      before = output.getAll().length();
      h.stopDriver();
      h.startDriver();
      assertThat(h.bean(CsiDriverCheck.class).done().get(120, TimeUnit.SECONDS))
          .isEqualTo(CsiDriverCheck.Outcome.REPUBLISHES);
      assertThat(linesContaining(output.getAll().substring(before), "requiresRepublish")).isEmpty();
    } finally {
      h.csiDriver(true);
    }
  }

  private static List<String> linesContaining(String output, String text) {
    return output.lines().filter(line -> line.contains(text)).toList();
  }

  private static double skippedRotations() {
    var timer =
        h.bean(MeterRegistry.class)
            .find("secrets_store.driver.rotation")
            .tag("result", "skipped")
            .tag("error_type", "token_expired")
            .timer();
    return timer == null ? 0 : timer.count();
  }

  /** Writes to status objects and events in the test namespace the mock API server saw. */
  private static int apiWrites() {
    int writes = 0;
    for (String method : List.of("POST", "PUT", "PATCH", "DELETE")) {
      writes += h.kubernetes.requestCount(method, "/apis/deckhouse.io/");
      writes += h.kubernetes.requestCount(method, "/api/v1/namespaces/" + NAMESPACE + "/events");
    }
    return writes;
  }

  /**
   * Restart state lives only in the driver's root-only directory: a state file a tenant writes into
   * its emptyDir tmpfs, or into a volume (the old layout), is never read; a recovered volume takes
   * its identity only from kubelet's republish (issue 14 item 2).
   */
  @Test
  void aForgedStateFileInsideAVolumeOrATenantTmpfsIsNeverRecovered() throws Exception {
    putPair("forged", 1);
    h.createImport(NAMESPACE, "forged", file("user", h.path("forged"), "user"));
    Pod pod = pod("forged-1");
    h.kubelet().publish(pod, token(), Map.of("secretsStoreImport", "forged"));
    Path target = h.kubelet().target(pod);
    Pod tenant = pod("tenant-1");
    Path emptyDir = h.podsDir.resolve(tenant.uid() + "/volumes/kubernetes.io~empty-dir/cache");
    Files.createDirectories(emptyDir);
    Mounts.mountTmpfs(emptyDir, 1024 * 1024, 0777);
    try {
      String forged =
          """
          {"volumeId":"forged-volume","targetPath":"%s","volumeContext":{
           "csi.storage.k8s.io/pod.name":"victim","csi.storage.k8s.io/pod.namespace":"other-team",
           "csi.storage.k8s.io/pod.uid":"%s","csi.storage.k8s.io/serviceAccount.name":"admin",
           "secretsStoreImport":"their-import"},"objectVersions":{},"mountTime":"2026-01-01T00:00:00Z"}
          """;
      Files.writeString(
          emptyDir.resolve("..secrets-store-volume.json"),
          forged.formatted(emptyDir, tenant.uid()));
      Files.writeString(
          target.resolve("..secrets-store-volume.json"), forged.formatted(target, pod.uid()));

      h.stopDriver();
      h.startDriver();

      assertThat(service().volume("forged-volume")).isEmpty();
      assertThat(service().mounted())
          .noneMatch(v -> v.target().equals(emptyDir))
          .noneMatch(v -> v.hasIdentity() && v.pod().namespace().equals("other-team"));
      MountedVolume recovered = volume(pod);
      assertThat(recovered.hasIdentity()).as("no identity before kubelet's republish").isFalse();
      assertThat(service().rotate(recovered)).isEqualTo(RotationResult.SKIPPED);

      h.kubelet().publish(pod, token(), Map.of("secretsStoreImport", "forged"));
      assertThat(recovered.pod().namespace()).isEqualTo(NAMESPACE);
      assertThat(recovered.pod().uid()).isEqualTo(pod.uid());
      assertThat(recovered.volumeContext()).containsEntry("secretsStoreImport", "forged");
    } finally {
      Mounts.unmount(emptyDir);
      h.kubelet().unpublish(pod);
    }
  }

  /**
   * The state directory is read once the driver serves, each file on its own, without following
   * symlinks and with a size cap: a huge, a symlinked and a forged file are skipped (and say so),
   * the real volume is recovered (issue 14 item 3).
   */
  @Test
  void hugeSymlinkedOrForgedStateFilesAreSkippedAndTheRealVolumeIsRecovered(CapturedOutput output)
      throws Exception {
    putPair("survivor", 1);
    h.createImport(NAMESPACE, "survivor", file("user", h.path("survivor"), "user"));
    Pod pod = pod("survivor-1");
    h.kubelet().publish(pod, token(), Map.of("secretsStoreImport", "survivor"));
    Path stateDir = h.bean(DriverProperties.class).stateDir();
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(stateDir)))
        .isEqualTo("rwx------");
    Path huge = stateDir.resolve("0000-huge.volume");
    Path linked = stateDir.resolve("0000-linked.volume");
    Path forged = stateDir.resolve("0000-forged.volume");
    Path nodeFile = Files.writeString(h.root.resolve("node-file"), "{}");
    try {
      h.stopDriver();
      try (var out = Files.newOutputStream(huge)) {
        byte[] block = new byte[1024 * 1024];
        for (int i = 0; i < 64; i++) {
          out.write(block);
        }
      }
      Files.createSymbolicLink(linked, nodeFile);
      Files.writeString(
          forged, "00\n{\"volumeId\":\"x\",\"targetPath\":\"" + h.kubelet().target(pod) + "\"}");
      h.startDriver();

      assertThat(volume(pod).objectVersions()).containsOnlyKeys("user");
      assertThat(output.getAll())
          .contains("ignoring restart state 0000-huge.volume")
          .contains("larger than " + VolumeStateStore.MAX_FILE_BYTES)
          .contains("ignoring restart state 0000-linked.volume")
          .contains("ignoring restart state 0000-forged.volume");
      assertThat(Files.readString(nodeFile)).isEqualTo("{}");
    } finally {
      Files.deleteIfExists(huge);
      Files.deleteIfExists(linked);
      Files.deleteIfExists(forged);
      h.kubelet().unpublish(pod);
    }
  }

  @Test
  void aHundredPodsOfOneImportCostOneReadPerPathToMountAndPerRotationCycle() throws Exception {
    h.admin.putKv2("secret", h.prefix + "/bulk-a", Map.of("key", "a-1"));
    h.admin.putKv2("secret", h.prefix + "/bulk-b", Map.of("key", "b-1"));
    h.createImport(
        NAMESPACE, "bulk", file("a", h.path("bulk-a"), "key"), file("b", h.path("bulk-b"), "key"));
    List<Pod> pods = new ArrayList<>();
    for (int i = 0; i < 100; i++) {
      pods.add(pod("bulk-" + i));
    }
    int loginsBefore = logins();

    try (ExecutorService kubelets = Executors.newFixedThreadPool(100)) {
      List<Future<?>> publishes = new ArrayList<>();
      for (Pod pod : pods) {
        String token = token();
        publishes.add(
            kubelets.submit(
                () -> h.kubelet().publish(pod, token, Map.of("secretsStoreImport", "bulk"))));
      }
      for (Future<?> publish : publishes) {
        publish.get();
      }
    }
    assertThat(reads("bulk-a")).isEqualTo(1);
    assertThat(reads("bulk-b")).isEqualTo(1);
    assertThat(logins() - loginsBefore).isLessThanOrEqualTo(1);
    for (Pod pod : pods) {
      assertThat(Files.readString(h.kubelet().target(pod).resolve("a"))).isEqualTo("a-1");
    }

    String statuses =
        "/apis/deckhouse.io/v1alpha1/namespaces/team-a/secretsstoreimportpodstatuses/";
    String imports = "/apis/deckhouse.io/v1alpha1/namespaces/team-a/secretsstoreimports/";
    String events = "/api/v1/namespaces/team-a/events";
    for (int cycle = 1; cycle <= 3; cycle++) {
      // Counts start once the writes of the publishes (or of the last cycle) have been sent.
      h.drainKubernetesWrites();
      if (cycle == 2) {
        h.admin.putKv2("secret", h.prefix + "/bulk-a", Map.of("key", "a-2"));
      }
      int readsBefore = reads("bulk-a");
      int readsBeforeB = reads("bulk-b");
      int loginsBeforeCycle = logins();
      int statusWritesBefore = h.kubernetes.requestCount("PUT", statuses);
      int eventsBefore = h.kubernetes.requestCount("POST", events);
      int importReadsBefore = h.kubernetes.requestCount("GET", imports);
      long started = System.nanoTime();
      Map<RotationResult, Integer> results = h.rotation().runCycle();
      long tookMillis = (System.nanoTime() - started) / 1_000_000;
      int cycleReads = reads("bulk-a") - readsBefore;
      int cycleReadsB = reads("bulk-b") - readsBeforeB;
      int cycleLogins = logins() - loginsBeforeCycle;
      System.out.printf(
          "rotation cycle %d: %s in %d ms; store requests for 100 volumes: %d reads of bulk-a,"
              + " %d reads of bulk-b, %d logins%n",
          cycle, results, tookMillis, cycleReads, cycleReadsB, cycleLogins);
      assertThat(cycleLogins).isZero();
      // Upstream reads once per volume per cycle (100): here the cycle's volumes share one read.
      assertThat(cycleReadsB).isEqualTo(1);
      assertThat(cycleReads).isEqualTo(1);
      // One read of the import for the whole cycle, whatever its length.
      assertThat(h.kubernetes.requestCount("GET", imports) - importReadsBefore).isEqualTo(1);
      assertThat(results.getOrDefault(RotationResult.FAILED, 0)).isZero();
      if (cycle == 2) {
        assertThat(results.get(RotationResult.UPDATED)).isGreaterThanOrEqualTo(100);
        // Changed volumes get a status update and an event each (written in the background).
        h.drainKubernetesWrites();
        assertThat(h.kubernetes.requestCount("PUT", statuses) - statusWritesBefore)
            .isGreaterThanOrEqualTo(100);
        assertThat(h.kubernetes.requestCount("POST", events) - eventsBefore)
            .isGreaterThanOrEqualTo(100);
      } else {
        // Unchanged volumes cost the API server nothing but the one read of the import.
        h.drainKubernetesWrites();
        assertThat(h.kubernetes.requestCount("PUT", statuses)).isEqualTo(statusWritesBefore);
        assertThat(h.kubernetes.requestCount("POST", events)).isEqualTo(eventsBefore);
      }
    }
    for (Pod pod : pods) {
      assertThat(Files.readString(h.kubelet().target(pod).resolve("a"))).isEqualTo("a-2");
    }

    try (ExecutorService kubelets = Executors.newFixedThreadPool(20)) {
      List<Future<?>> unpublishes = new ArrayList<>();
      for (Pod pod : pods) {
        unpublishes.add(kubelets.submit(() -> h.kubelet().unpublish(pod)));
      }
      for (Future<?> unpublish : unpublishes) {
        unpublish.get();
      }
    }
    for (Pod pod : pods) {
      assertThat(mountInfo(h.kubelet().target(pod))).isEmpty();
    }
  }

  // ------------------------------------------------------------------ identity and node info

  @Test
  void identityAndNodeInfoAnswerAndProbeStaysAboutTheDriverWhileTheProviderIsAway()
      throws Exception {
    var info = h.kubelet().identity.getPluginInfo(GetPluginInfoRequest.getDefaultInstance());
    assertThat(info.getName()).isEqualTo(CsiNames.DRIVER_NAME);
    assertThat(info.getVendorVersion()).isNotBlank();
    assertThat(h.kubelet().node.nodeGetInfo(NodeGetInfoRequest.getDefaultInstance()).getNodeId())
        .isEqualTo("node-1");
    assertThat(
            h.kubelet()
                .node
                .nodeGetCapabilities(NodeGetCapabilitiesRequest.getDefaultInstance())
                .getCapabilitiesList())
        .isEmpty();
    StatusRuntimeException stage =
        catchThrowableOfType(
            StatusRuntimeException.class,
            () -> h.kubelet().node.nodeStageVolume(NodeStageVolumeRequest.getDefaultInstance()));
    assertThat(stage.getStatus().getCode()).isEqualTo(Status.Code.UNIMPLEMENTED);

    assertThat(h.kubelet().probe()).isTrue();
    assertThat(h.health("liveness")).contains("csiSocket");
    assertThat(status(h.health("liveness"))).isEqualTo("UP");
    assertThat(status(h.health("readiness"))).isEqualTo("UP");
    // The upstream node-driver-registrar mode of the harness: no registration socket.
    try (Stream<Path> sockets = Files.walk(h.sockets)) {
      assertThat(sockets.filter(p -> p.toString().endsWith("-reg.sock"))).isEmpty();
    }
    Path socket = h.providersDir.resolve("vault.sock");
    Path away = h.providersDir.resolve("vault.sock.away");
    Files.move(socket, away);
    try {
      // A provider that is away must not get the driver restarted by a liveness probe.
      assertThat(h.kubelet().probe()).isTrue();
      assertThat(status(h.health("liveness"))).isEqualTo("UP");
      assertThat(h.health("readiness")).contains("provider 'vault' is not running on this node");
      assertThat(status(h.health("readiness"))).isEqualTo("DOWN");
    } finally {
      Files.move(away, socket);
    }
    assertThat(status(h.health("readiness"))).isEqualTo("UP");
  }

  // ------------------------------------------------------------------ helpers

  /**
   * Reads both files of a volume from one resolved generation, as an app that opens {@code ..data}
   * once would, and each visible file on its own; counts any mix of generations or torn content.
   */
  static final class ConsistentReader implements Runnable {
    final Path target;
    final AtomicBoolean stop = new AtomicBoolean();
    final AtomicInteger mixed = new AtomicInteger();
    final AtomicInteger partial = new AtomicInteger();
    final AtomicInteger consistentReads = new AtomicInteger();
    final Set<Integer> seen = ConcurrentHashMap.newKeySet();

    ConsistentReader(Path target) {
      this.target = target;
    }

    @Override
    public void run() {
      while (!stop.get()) {
        try {
          Path generation = target.resolve("..data").toRealPath();
          String user = Files.readString(generation.resolve("user"));
          String password = Files.readString(generation.resolve("password"));
          int userGeneration = Integer.parseInt(user.substring("user-".length()));
          if (!password.equals("password-" + userGeneration)) {
            mixed.incrementAndGet();
          }
          seen.add(userGeneration);
          consistentReads.incrementAndGet();
          String visible = Files.readString(target.resolve("password"));
          if (!visible.matches("password-\\d+")) {
            partial.incrementAndGet();
          }
        } catch (NoSuchFileException e) {
          // The generation was replaced between resolving and reading: read again.
        } catch (IOException | RuntimeException e) {
          partial.incrementAndGet();
        }
      }
    }
  }

  /** The overall status of a health answer. */
  private static String status(String healthJson) {
    return tools.jackson.databind.json.JsonMapper.builder()
        .build()
        .readTree(healthJson)
        .path("status")
        .asString();
  }

  private static Pod pod(String name) {
    return Pod.of(NAMESPACE, name, ACCOUNT);
  }

  private static String token() {
    return h.token(NAMESPACE, ACCOUNT);
  }

  private static VolumeService service() {
    return h.bean(VolumeService.class);
  }

  private static MountedVolume volume(Pod pod) {
    return service().volume(pod.volumeId()).orElseThrow();
  }

  private static void putPair(String secret, int generation) {
    h.admin.putKv2(
        "secret",
        h.prefix + "/" + secret,
        Map.of("user", "user-" + generation, "password", "password-" + generation));
  }

  private static int reads(String secret) {
    return h.proxy.count("GET", "/v1/" + h.path(secret));
  }

  private static int logins() {
    return h.proxy.count("POST", "/v1/auth/" + h.auth + "/login");
  }

  private static SecretsStoreImportPodStatus podStatus(String name) {
    return h.api()
        .resources(SecretsStoreImportPodStatus.class)
        .inNamespace(NAMESPACE)
        .withName(name)
        .get();
  }

  private static List<Event> events(Pod pod) {
    return h.api().v1().events().inNamespace(pod.namespace()).list().getItems().stream()
        .filter(e -> pod.uid().equals(e.getInvolvedObject().getUid()))
        .toList();
  }

  private static void assertRefused(
      Pod pod, Map<String, String> attributes, Status.Code code, String message) {
    StatusRuntimeException refused =
        catchThrowableOfType(
            StatusRuntimeException.class, () -> h.kubelet().publish(pod, token(), attributes));
    assertThat(refused).as("publish with %s", attributes).isNotNull();
    assertThat(refused.getStatus().getCode()).as("%s", attributes).isEqualTo(code);
    assertThat(refused.getStatus().getDescription()).as("%s", attributes).contains(message);
    assertCleanTarget(pod);
  }

  /** After a failed publish nothing is mounted and the target is gone, so kubelet starts clean. */
  private static void assertCleanTarget(Pod pod) {
    assertThat(mountInfo(h.kubelet().target(pod))).isEmpty();
    assertThat(h.kubelet().target(pod)).doesNotExist();
    assertThat(service().volume(pod.volumeId())).isEmpty();
  }

  private static io.secretsstore.model.csi.v1.NodePublishVolumeRequest publishRequest(
      Pod pod, Path target, Map<String, String> context) {
    return io.secretsstore.model.csi.v1.NodePublishVolumeRequest.newBuilder()
        .setVolumeId(pod.volumeId())
        .setTargetPath(target.toString())
        .setVolumeCapability(
            io.secretsstore.model.csi.v1.VolumeCapability.newBuilder()
                .setMount(
                    io.secretsstore.model.csi.v1.VolumeCapability.MountVolume.getDefaultInstance()))
        .setReadonly(true)
        .putAllVolumeContext(context)
        .build();
  }

  /** Lines of /proc/self/mountinfo whose mount point is {@code target}. */
  private static List<String> mountInfo(Path target) {
    try {
      return Files.readAllLines(Path.of("/proc/self/mountinfo"), StandardCharsets.UTF_8).stream()
          .filter(line -> line.split(" ")[4].equals(target.toString()))
          .toList();
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  private static int closedPort() throws IOException {
    try (ServerSocket socket = new ServerSocket()) {
      socket.bind(new InetSocketAddress("127.0.0.1", 0));
      return socket.getLocalPort();
    }
  }

  /** A socket file nobody listens on: a provider that crashed without removing it. */
  private static void deadSocket(Path path) throws IOException {
    try (ServerSocketChannel channel = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
      channel.bind(UnixDomainSocketAddress.of(path));
    }
  }
}
