package io.secretsstore.controller.imports;

import io.secretsstore.model.crd.ImportType;
import io.secretsstore.model.crd.SecretFile;
import io.secretsstore.model.crd.SecretTarget;
import io.secretsstore.model.crd.SecretsStoreImportSpec;
import io.secretsstore.model.crd.SsiPatterns;
import io.secretsstore.model.reference.ReservedStorePaths;
import io.secretsstore.model.values.Durations;
import java.io.ByteArrayInputStream;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Checks an import beyond what the CRD schema can: the rules that, when broken, would otherwise
 * surface only as a failed mount in some pod. Pure: spec in, problems out (empty = valid).
 */
public final class ImportValidation {

  private ImportValidation() {}

  public static List<String> problems(SecretsStoreImportSpec spec) {
    List<String> problems = new ArrayList<>();
    if (spec == null) {
      return List.of("the import has no spec");
    }
    if (spec.getRole() == null || spec.getRole().isBlank()) {
      problems.add("spec.role is required: the store role the pods log in with");
    }
    checkFiles(spec, problems);
    checkAddress(spec.getAddress(), problems);
    checkCaCert(spec.getCaCert(), problems);
    if (spec.getType() == ImportType.Secret) {
      checkSecretTarget(spec.getSecret(), problems);
    }
    return problems;
  }

  private static void checkFiles(SecretsStoreImportSpec spec, List<String> problems) {
    List<SecretFile> files = spec.getFiles();
    if (files == null || files.isEmpty()) {
      problems.add("spec.files lists no files: name at least one store key to deliver");
      return;
    }
    Set<String> names = new HashSet<>();
    for (int i = 0; i < files.size(); i++) {
      SecretFile file = files.get(i);
      String name = file == null ? null : file.getName();
      String where = "spec.files[" + i + "]";
      if (name == null || name.isBlank()) {
        problems.add(where + " has no name");
        continue;
      }
      if (!SsiPatterns.isSafeVolumeFileName(name)) {
        problems.add(
            where + " name '" + name + "' is not a plain file name: " + SsiPatterns.FILE_NAME_RULE);
      } else if (!names.add(name)) {
        problems.add(where + " repeats the file name '" + name + "'; names must be unique");
      }
      if (file.getSource() == null
          || isBlank(file.getSource().getPath())
          || isBlank(file.getSource().getKey())) {
        problems.add(where + " ('" + name + "') needs source.path and source.key");
      } else {
        // The one rule the provider and the injector apply too (issue 16 item 6).
        ReservedStorePaths.refusal(file.getSource().getPath())
            .ifPresent(why -> problems.add(where + " ('" + name + "'): " + why));
      }
    }
  }

  private static void checkAddress(String address, List<String> problems) {
    if (address == null || address.isBlank()) {
      return;
    }
    try {
      URI uri = new URI(address);
      String scheme = uri.getScheme();
      if (scheme == null
          || !(scheme.equals("https") || scheme.equals("http"))
          || uri.getHost() == null) {
        problems.add(
            "spec.address '" + address + "' is not an http(s) URL such as https://store:8200");
      }
    } catch (URISyntaxException e) {
      problems.add("spec.address '" + address + "' is not a URL: " + e.getReason());
    }
  }

  private static void checkCaCert(String caCert, List<String> problems) {
    if (caCert == null || caCert.isBlank()) {
      return;
    }
    try {
      var certificates =
          CertificateFactory.getInstance("X.509")
              .generateCertificates(
                  new ByteArrayInputStream(caCert.getBytes(StandardCharsets.US_ASCII)));
      if (certificates.isEmpty()) {
        problems.add("spec.caCert holds no PEM certificate");
      }
    } catch (CertificateException e) {
      problems.add(
          "spec.caCert is not a PEM X.509 certificate ("
              + (e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage())
              + ")");
    }
  }

  private static void checkSecretTarget(SecretTarget target, List<String> problems) {
    if (target == null || isBlank(target.getServiceAccountName())) {
      problems.add(
          "type Secret needs spec.secret.serviceAccountName: the service account of this namespace"
              + " the controller logs in to the store as");
    }
    if (target == null) {
      return;
    }
    if (target.getName() != null && !SECRET_NAME.matcher(target.getName()).matches()) {
      problems.add("spec.secret.name '" + target.getName() + "' is not a valid Secret name");
    }
    if (target.getType() != null
        && !target.getType().isBlank()
        && !SecretTarget.ALLOWED_TYPES.contains(target.getType())) {
      // e.g. service-account-token would make the API server put a credential into the Secret.
      problems.add(
          "spec.secret.type '"
              + target.getType()
              + "' is not one the Secret mode writes ("
              + String.join(", ", SecretTarget.ALLOWED_TYPES)
              + ")");
    }
    for (var kind : java.util.List.of("labels", "annotations")) {
      java.util.Map<String, String> keys =
          kind.equals("labels") ? target.getLabels() : target.getAnnotations();
      if (keys != null) {
        keys.keySet().stream()
            .filter(SecretTarget::isReservedKey)
            .sorted()
            .forEach(
                key ->
                    problems.add(
                        "spec.secret."
                            + kind
                            + " may not set '"
                            + key
                            + "' (kubernetes.io/, k8s.io/ and secrets-store.deckhouse.io/ keys"
                            + " belong to Kubernetes and this module)"));
      }
    }
    if (target.getRefreshInterval() != null) {
      try {
        Duration interval = Durations.parse(target.getRefreshInterval());
        if (interval.compareTo(Duration.ofSeconds(10)) < 0) {
          problems.add("spec.secret.refreshInterval must be at least 10s");
        }
      } catch (IllegalArgumentException e) {
        problems.add(
            "spec.secret.refreshInterval '"
                + target.getRefreshInterval()
                + "' is not a duration such as 2m or 1h30m");
      }
    }
  }

  private static final Pattern SECRET_NAME = Pattern.compile(SecretTarget.NAME_PATTERN);

  static boolean isBlank(String value) {
    return value == null || value.isBlank();
  }
}
