package io.secretsstore.driver.publish;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import io.grpc.Status;
import io.secretsstore.model.crd.ImportType;
import io.secretsstore.model.crd.SecretFile;
import io.secretsstore.model.crd.SecretsStoreImport;
import io.secretsstore.model.crd.SecretsStoreImportSpec;
import io.secretsstore.model.names.CsiNames;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import tools.jackson.databind.json.JsonMapper;

/**
 * Reads the import a volume names — our {@code SecretsStoreImport} or an upstream {@code
 * SecretProviderClass} — from the pod's own namespace, and turns it into provider parameters. There
 * is no way to name another namespace: the name must be a plain object name.
 */
public final class ImportResolver {

  public static final String SPC_API_VERSION = "secrets-store.csi.x-k8s.io/v1";
  public static final String SPC_KIND = "SecretProviderClass";

  /** Fixed coordinates, so a publish costs no API discovery request. */
  private static final ResourceDefinitionContext SPC_RESOURCE =
      new ResourceDefinitionContext.Builder()
          .withGroup("secrets-store.csi.x-k8s.io")
          .withVersion("v1")
          .withKind(SPC_KIND)
          .withPlural("secretproviderclasses")
          .withNamespaced(true)
          .build();

  /** Our provider's name (socket {@code vault.sock}). */
  public static final String VAULT_PROVIDER = "vault";

  private static final Pattern OBJECT_NAME =
      Pattern.compile("^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$");
  private static final JsonMapper JSON = JsonMapper.builder().build();

  private final KubernetesClient kubernetes;

  public ImportResolver(KubernetesClient kubernetes) {
    this.kubernetes = kubernetes;
  }

  public ProviderMount resolve(String namespace, Map<String, String> volumeContext)
      throws PublishException {
    String ssi = volumeContext.get(CsiNames.ATTRIBUTE_SECRETS_STORE_IMPORT);
    String spc = volumeContext.get(CsiNames.ATTRIBUTE_SECRET_PROVIDER_CLASS);
    if (ssi != null && spc != null) {
      throw PublishException.invalid(
          "the volume names both secretsStoreImport and secretProviderClass; use one");
    }
    if (ssi == null && spc == null) {
      throw PublishException.invalid(
          "the volume's volumeAttributes name no secretsStoreImport (or secretProviderClass)");
    }
    return ssi != null
        ? fromImport(namespace, checkName(ssi))
        : fromClass(namespace, checkName(spc));
  }

  private static String checkName(String name) throws PublishException {
    if (name.length() > 253 || !OBJECT_NAME.matcher(name).matches()) {
      throw PublishException.invalid(
          "'"
              + name
              + "' is not an object name; an import is looked up by name in the pod's own"
              + " namespace only");
    }
    return name;
  }

  private ProviderMount fromImport(String namespace, String name) throws PublishException {
    SecretsStoreImport found;
    try {
      found =
          kubernetes
              .resources(SecretsStoreImport.class)
              .inNamespace(namespace)
              .withName(name)
              .get();
    } catch (KubernetesClientException e) {
      throw apiFailure(SecretsStoreImport.KIND, namespace, name, e);
    }
    if (found == null) {
      throw new PublishException(
          Status.Code.NOT_FOUND,
          "import_not_found",
          "SecretsStoreImport '" + name + "' not found in namespace '" + namespace + "'",
          null);
    }
    SecretsStoreImportSpec spec = found.getSpec();
    if (spec == null || spec.getFiles() == null || spec.getFiles().isEmpty()) {
      throw invalidImport(namespace, name, "it lists no files");
    }
    if (spec.getType() != null && spec.getType() != ImportType.CSI) {
      throw invalidImport(namespace, name, "its type is " + spec.getType() + ", not CSI");
    }
    if (spec.getRole() == null || spec.getRole().isBlank()) {
      throw invalidImport(namespace, name, "it names no role");
    }
    Map<String, String> parameters = new LinkedHashMap<>();
    parameters.put(CsiNames.ATTRIBUTE_SECRETS_STORE_IMPORT, name);
    parameters.put("role", spec.getRole());
    putIfSet(parameters, "authPath", spec.getAuthPath());
    putIfSet(parameters, "namespace", spec.getNamespace());
    putIfSet(parameters, "address", spec.getAddress());
    putIfSet(parameters, "caCert", spec.getCaCert());
    putIfSet(parameters, "audience", spec.getAudience());
    if (spec.getSkipTLSVerify() != null) {
      parameters.put("skipTLSVerify", spec.getSkipTLSVerify().toString());
    }
    List<Map<String, Object>> files = new ArrayList<>();
    for (SecretFile file : spec.getFiles()) {
      Map<String, Object> entry = new LinkedHashMap<>();
      entry.put("name", file.getName());
      if (Boolean.TRUE.equals(file.getDecodeBase64())) {
        entry.put("decodeBase64", true);
      }
      if (file.getSource() != null) {
        Map<String, String> source = new LinkedHashMap<>();
        source.put("path", nullToEmpty(file.getSource().getPath()));
        source.put("key", nullToEmpty(file.getSource().getKey()));
        entry.put("source", source);
      }
      files.add(entry);
    }
    parameters.put("files", JSON.writeValueAsString(files));
    return new ProviderMount(VAULT_PROVIDER, SecretsStoreImport.KIND, name, parameters);
  }

  private ProviderMount fromClass(String namespace, String name) throws PublishException {
    GenericKubernetesResource found;
    try {
      found =
          kubernetes
              .genericKubernetesResources(SPC_RESOURCE)
              .inNamespace(namespace)
              .withName(name)
              .get();
    } catch (KubernetesClientException e) {
      throw apiFailure(SPC_KIND, namespace, name, e);
    }
    if (found == null) {
      throw new PublishException(
          Status.Code.NOT_FOUND,
          "import_not_found",
          "SecretProviderClass '" + name + "' not found in namespace '" + namespace + "'",
          null);
    }
    Object spec = found.getAdditionalProperties().get("spec");
    if (!(spec instanceof Map<?, ?> specMap)
        || !(specMap.get("provider") instanceof String provider)) {
      throw new PublishException(
          Status.Code.FAILED_PRECONDITION,
          "invalid_import",
          "SecretProviderClass '"
              + name
              + "' in namespace '"
              + namespace
              + "' has no spec.provider",
          null);
    }
    Map<String, String> parameters = new LinkedHashMap<>();
    if (specMap.get("parameters") instanceof Map<?, ?> raw) {
      raw.forEach((key, value) -> parameters.put(String.valueOf(key), String.valueOf(value)));
    }
    return new ProviderMount(provider, SPC_KIND, name, parameters);
  }

  private static PublishException invalidImport(String namespace, String name, String why) {
    return new PublishException(
        Status.Code.FAILED_PRECONDITION,
        "invalid_import",
        "SecretsStoreImport '"
            + name
            + "' in namespace '"
            + namespace
            + "' cannot be mounted: "
            + why,
        null);
  }

  private static PublishException apiFailure(
      String kind, String namespace, String name, KubernetesClientException e) {
    String why =
        e.getCode() == 403
            ? "the driver may not read it (RBAC)"
            : e.getCode() == 404
                ? "the " + kind + " CRD is not installed"
                : "the Kubernetes API answered "
                    + (e.getCode() == 0 ? e.getMessage() : "HTTP " + e.getCode());
    return new PublishException(
        Status.Code.UNAVAILABLE,
        "kubernetes_api",
        "cannot read " + kind + " '" + name + "' in namespace '" + namespace + "': " + why,
        e);
  }

  private static void putIfSet(Map<String, String> map, String key, String value) {
    if (value != null && !value.isBlank()) {
      map.put(key, value);
    }
  }

  private static String nullToEmpty(String value) {
    return value == null ? "" : value;
  }
}
