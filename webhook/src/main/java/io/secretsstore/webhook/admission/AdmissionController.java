package io.secretsstore.webhook.admission;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.admission.v1.AdmissionRequest;
import io.fabric8.kubernetes.api.model.admission.v1.AdmissionResponse;
import io.fabric8.kubernetes.api.model.admission.v1.AdmissionResponseBuilder;
import io.fabric8.kubernetes.api.model.admission.v1.AdmissionReview;
import io.fabric8.kubernetes.api.model.admission.v1.AdmissionReviewBuilder;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.fabric8.zjsonpatch.JsonDiff;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.secretsstore.webhook.mutation.PodMutator;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RestController;

/**
 * {@code POST /mutate-pods}: an {@code admission.k8s.io/v1} (or {@code v1beta1}) AdmissionReview
 * in, a review of the same version with a response out: allowed with a JSON Patch, allowed
 * unchanged, or denied with the reason. Anything that is not an AdmissionReview gets a 4xx with a
 * one-line message, never a stack trace.
 */
@RestController
public final class AdmissionController {

  /** The API server sends at most ~3 MiB; anything larger is not a real review. */
  static final int MAX_BODY = 3 * 1024 * 1024;

  /** The review versions the API server may send (v1beta1 only from servers before 1.22). */
  static final java.util.List<String> VERSIONS =
      java.util.List.of("admission.k8s.io/v1", "admission.k8s.io/v1beta1");

  private static final Logger log = LoggerFactory.getLogger(AdmissionController.class);
  private static final ObjectMapper JSON = Serialization.jsonMapper();

  private final PodMutator mutator;
  private final MeterRegistry meters;

  public AdmissionController(PodMutator mutator, MeterRegistry meters) {
    this.mutator = mutator;
    this.meters = meters;
  }

  @PostMapping(
      path = "/mutate-pods",
      consumes = MediaType.ALL_VALUE,
      produces = MediaType.APPLICATION_JSON_VALUE)
  public ResponseEntity<String> mutatePods(@RequestBody(required = false) byte[] body) {
    Timer.Sample sample = Timer.start(meters);
    String result = "error";
    try {
      if (body == null || body.length == 0) {
        result = "malformed";
        return problem(
            HttpStatus.BAD_REQUEST, "the request has no body; expected an AdmissionReview");
      }
      if (body.length > MAX_BODY) {
        result = "too_large";
        return problem(
            HttpStatus.PAYLOAD_TOO_LARGE, "the request is larger than " + MAX_BODY + " bytes");
      }
      JsonNode tree;
      try {
        tree = JSON.readTree(body);
      } catch (Exception e) {
        result = "malformed";
        return problem(HttpStatus.BAD_REQUEST, "the body is not JSON; expected an AdmissionReview");
      }
      if (tree == null || !tree.isObject()) {
        result = "malformed";
        return problem(
            HttpStatus.BAD_REQUEST,
            "the body is JSON "
                + (tree == null ? "nothing" : tree.getNodeType().name().toLowerCase())
                + ", not an object; expected an AdmissionReview");
      }
      String version = tree.path("apiVersion").asText("");
      if (!"AdmissionReview".equals(tree.path("kind").asText("")) || !VERSIONS.contains(version)) {
        result = "malformed";
        return problem(
            HttpStatus.BAD_REQUEST,
            "expected kind AdmissionReview of apiVersion "
                + String.join(" or ", VERSIONS)
                + ", got kind '"
                + tree.path("kind").asText("")
                + "' of apiVersion '"
                + version
                + "'");
      }
      AdmissionReview review;
      try {
        review = JSON.treeToValue(tree, AdmissionReview.class);
      } catch (Exception e) {
        result = "malformed";
        return problem(
            HttpStatus.BAD_REQUEST,
            "the body is not a well-formed " + version + " AdmissionReview");
      }
      AdmissionRequest request = review.getRequest();
      if (request == null || request.getUid() == null) {
        result = "malformed";
        return problem(
            HttpStatus.BAD_REQUEST, "the AdmissionReview has no request or no request.uid");
      }
      Answer answer = decide(request);
      result = answer.result();
      AdmissionReview out =
          // Answered in the version asked (v1beta1's response has the same fields as v1's).
          new AdmissionReviewBuilder()
              .withApiVersion(version)
              .withKind("AdmissionReview")
              .withResponse(answer.response())
              .build();
      return ResponseEntity.ok(JSON.writeValueAsString(out));
    } catch (Exception e) {
      // Never a stack trace to the API server: log it here, answer with a plain message.
      log.error("admission failed", e);
      result = "error";
      return problem(
          HttpStatus.INTERNAL_SERVER_ERROR, "the webhook failed: " + e.getClass().getSimpleName());
    } finally {
      sample.stop(meters.timer("secrets_store.webhook.admission", "result", result));
    }
  }

  private record Answer(AdmissionResponse response, String result) {}

  private Answer decide(AdmissionRequest request) throws Exception {
    AdmissionResponseBuilder response = new AdmissionResponseBuilder().withUid(request.getUid());
    boolean isPod =
        request.getKind() != null
            && "Pod".equals(request.getKind().getKind())
            && (request.getKind().getGroup() == null || request.getKind().getGroup().isEmpty());
    if (!isPod || !"CREATE".equals(request.getOperation()) || request.getObject() == null) {
      return new Answer(response.withAllowed(true).build(), "ignored");
    }
    JsonNode original = JSON.valueToTree(request.getObject());
    Pod pod;
    try {
      pod = JSON.treeToValue(original, Pod.class);
    } catch (Exception e) {
      return new Answer(
          response
              .withAllowed(false)
              .withStatus(status(400, "BadRequest", "the object is not a valid Pod"))
              .build(),
          "malformed");
    }
    if (pod.getSpec() == null) {
      return new Answer(response.withAllowed(true).build(), "ignored");
    }
    String namespace =
        request.getNamespace() != null
            ? request.getNamespace()
            : pod.getMetadata() == null ? "default" : pod.getMetadata().getNamespace();
    PodMutator.Result result;
    try {
      result = mutator.mutate(pod, namespace);
    } catch (RuntimeException e) {
      // A pod shape the mutator does not expect (e.g. a null list entry, which the API server
      // refuses anyway): a clear denial and one log line, not a 500 with a stack trace.
      log.warn(
          "could not process pod {}/{}: {} at {}",
          namespace,
          podName(pod),
          e.getClass().getSimpleName(),
          e.getStackTrace().length > 0 ? e.getStackTrace()[0] : "?");
      return new Answer(
          response
              .withAllowed(false)
              .withStatus(
                  status(
                      400,
                      "BadRequest",
                      "secrets-store webhook: the pod could not be processed (an empty entry in a"
                          + " list or a field of an unexpected shape)"))
              .build(),
          "malformed");
    }
    return switch (result) {
      case PodMutator.Result.Unchanged unchanged ->
          new Answer(response.withAllowed(true).build(), "unchanged");
      case PodMutator.Result.Denied denied -> {
        log.info("denied pod {}/{}: {}", namespace, podName(pod), denied.message());
        yield new Answer(
            response
                .withAllowed(false)
                .withStatus(status(403, "Forbidden", "secrets-store webhook: " + denied.message()))
                .build(),
            "denied");
      }
      case PodMutator.Result.Mutated mutated -> {
        // The patch is computed against the object exactly as the API server sent it.
        JsonNode patch = JsonDiff.asJson(original, JSON.valueToTree(mutated.pod()));
        meters
            .counter("secrets_store.webhook.containers_mutated")
            .increment(mutated.containers().size());
        yield new Answer(
            response
                .withAllowed(true)
                // kubectl prints these ("Warning: ..."); null leaves the field out.
                .withWarnings(
                    mutated.warnings().isEmpty()
                        ? null
                        : mutated.warnings().stream()
                            .map(w -> "secrets-store webhook: " + w)
                            .toList())
                .withPatchType("JSONPatch")
                .withPatch(
                    Base64.getEncoder()
                        .encodeToString(
                            JSON.writeValueAsString(patch).getBytes(StandardCharsets.UTF_8)))
                .build(),
            "mutated");
      }
    };
  }

  private static io.fabric8.kubernetes.api.model.Status status(
      int code, String reason, String message) {
    return new io.fabric8.kubernetes.api.model.StatusBuilder()
        .withCode(code)
        .withReason(reason)
        .withMessage(message)
        .build();
  }

  private static String podName(Pod pod) {
    if (pod.getMetadata() == null) {
      return "?";
    }
    return pod.getMetadata().getName() != null
        ? pod.getMetadata().getName()
        : pod.getMetadata().getGenerateName() + "*";
  }

  private static ResponseEntity<String> problem(HttpStatus status, String message) {
    String body =
        "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"status\":\"Failure\",\"code\":"
            + status.value()
            + ",\"message\":\""
            + message.replace("\\", "\\\\").replace("\"", "\\\"")
            + "\"}";
    return ResponseEntity.status(status).contentType(MediaType.APPLICATION_JSON).body(body);
  }
}
