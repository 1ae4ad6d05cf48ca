package io.secretsstore.provider.mount;

import io.secretsstore.model.crd.SsiPatterns;
import io.secretsstore.model.names.CsiNames;
import io.secretsstore.model.provider.ErrorCode;
import io.secretsstore.model.provider.ProviderProtocol;
import io.secretsstore.model.reference.ReservedStorePaths;
import io.secretsstore.provider.mount.FileRequest.SecretSource;
import io.secretsstore.provider.mount.MountParameters.Dialect;
import io.secretsstore.provider.mount.MountParameters.PodInfo;
import io.secretsstore.vault.login.ServiceAccountRef;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;
import org.yaml.snakeyaml.error.YAMLException;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Reads a {@code MountRequest}'s {@code attributes} in either dialect.
 *
 * <p><b>Ours</b> (what our CSI driver sends for a {@code SecretsStoreImport}): the spec fields as
 * attributes with the same names ({@code role}, {@code authPath}, {@code namespace}, {@code
 * address}, {@code caCert}, {@code audience}, {@code skipTLSVerify}) and {@code files} as the JSON
 * array of the spec ({@code [{"name":..,"decodeBase64":..,"source":{"path":..,"key":..}}]}).
 *
 * <p><b>Upstream</b> (a {@code SecretProviderClass} with {@code provider: vault}): {@code
 * roleName}, {@code vaultAddress}, {@code vaultNamespace}, {@code vaultCACertPath}, {@code
 * vaultCACert}, {@code vaultTLSServerName}, {@code vaultSkipTLSVerify}, {@code
 * vaultKubernetesMountPath} or {@code vaultAuthMountPath}, {@code audience}, and {@code objects} as
 * YAML.
 *
 * <p>Both carry kubelet's {@code csi.storage.k8s.io/*} pod information and tokens.
 */
public final class MountParametersParser {

  private static final JsonMapper JSON = JsonMapper.builder().build();
  private static final Set<String> METHODS = Set.of("GET", "POST", "PUT");

  private MountParametersParser() {}

  public static MountParameters parse(String attributesJson) {
    Map<String, String> attributes = parseAttributes(attributesJson);
    boolean hasObjects = attributes.containsKey("objects");
    boolean hasFiles = attributes.containsKey("files");
    if (hasObjects && hasFiles) {
      throw MountException.invalid(
          ErrorCode.INVALID_PARAMETERS,
          "the parameters contain both 'objects' (SecretProviderClass) and 'files'"
              + " (SecretsStoreImport); use one");
    }
    if (!hasObjects && !hasFiles) {
      throw MountException.invalid(
          ErrorCode.INVALID_PARAMETERS,
          "the parameters list no secrets: expected 'files' (SecretsStoreImport) or 'objects'"
              + " (SecretProviderClass)");
    }
    PodInfo pod = podInfo(attributes);
    Map<String, String> tokens = tokens(attributes.get(CsiNames.SERVICE_ACCOUNT_TOKENS));
    return hasFiles ? ours(attributes, pod, tokens) : upstream(attributes, pod, tokens);
  }

  private static MountParameters ours(
      Map<String, String> a, PodInfo pod, Map<String, String> tokens) {
    String role = require(a, "role");
    List<FileRequest> files = new ArrayList<>();
    JsonNode array;
    try {
      array = JSON.readTree(a.get("files"));
    } catch (JacksonException e) {
      throw MountException.invalid(
          ErrorCode.INVALID_PARAMETERS, "'files' is not valid JSON: " + e.getOriginalMessage());
    }
    if (array == null || !array.isArray() || array.isEmpty()) {
      throw MountException.invalid(
          ErrorCode.INVALID_PARAMETERS, "'files' must be a non-empty JSON array");
    }
    for (JsonNode file : array) {
      String name = file.path("name").asString("");
      String path = file.path("source").path("path").asString("");
      String key = file.path("source").path("key").asString("");
      if (path.isEmpty() || key.isEmpty()) {
        throw MountException.invalid(
            ErrorCode.INVALID_PARAMETERS, "file '" + name + "' needs source.path and source.key");
      }
      ValueEncoding encoding =
          file.path("decodeBase64").asBoolean(false) ? ValueEncoding.BASE64 : ValueEncoding.UTF8;
      requireDeliverable("file '" + name + "'", path);
      files.add(
          new FileRequest(
              name,
              new SecretSource(path, OptionalInt.empty(), "GET", Map.of()),
              key,
              encoding,
              OptionalInt.empty()));
    }
    return new MountParameters(
        Dialect.SECRETS_STORE_IMPORT,
        role,
        optional(a, "authPath"),
        optional(a, "address"),
        optional(a, "namespace"),
        optional(a, "caCert"),
        Optional.empty(),
        Optional.empty(),
        bool(a, "skipTLSVerify"),
        optional(a, "audience"),
        checkNames(files),
        pod,
        tokens,
        optional(a, ProviderProtocol.ROTATION_CYCLE_ATTRIBUTE));
  }

  private static MountParameters upstream(
      Map<String, String> a, PodInfo pod, Map<String, String> tokens) {
    String role = require(a, "roleName");
    Optional<String> kubernetesMount = optional(a, "vaultKubernetesMountPath");
    Optional<String> authMount = optional(a, "vaultAuthMountPath");
    if (kubernetesMount.isPresent() && authMount.isPresent()) {
      throw MountException.invalid(
          ErrorCode.INVALID_PARAMETERS,
          "set either vaultKubernetesMountPath or vaultAuthMountPath, not both");
    }
    Optional<String> mount =
        kubernetesMount.or(() -> authMount).map(path -> path.replaceFirst("^/?auth/", ""));
    return new MountParameters(
        Dialect.SECRET_PROVIDER_CLASS,
        role,
        mount,
        optional(a, "vaultAddress"),
        optional(a, "vaultNamespace"),
        optional(a, "vaultCACert"),
        optional(a, "vaultCACertPath"),
        optional(a, "vaultTLSServerName"),
        bool(a, "vaultSkipTLSVerify"),
        optional(a, "audience"),
        checkNames(objects(a.get("objects"))),
        pod,
        tokens,
        optional(a, ProviderProtocol.ROTATION_CYCLE_ATTRIBUTE));
  }

  private static List<FileRequest> objects(String yaml) {
    Object parsed;
    try {
      LoaderOptions options = new LoaderOptions();
      options.setMaxAliasesForCollections(10);
      options.setCodePointLimit(1_000_000);
      parsed = new Yaml(new SafeConstructor(options)).load(yaml);
    } catch (YAMLException e) {
      throw MountException.invalid(
          ErrorCode.INVALID_PARAMETERS,
          "'objects' is not valid YAML: " + firstLine(e.getMessage()));
    }
    if (!(parsed instanceof List<?> list) || list.isEmpty()) {
      throw MountException.invalid(
          ErrorCode.INVALID_PARAMETERS, "'objects' must be a non-empty YAML list of objects");
    }
    List<FileRequest> files = new ArrayList<>();
    for (Object item : list) {
      if (!(item instanceof Map<?, ?> object)) {
        throw MountException.invalid(
            ErrorCode.INVALID_PARAMETERS,
            "every entry of 'objects' must be a mapping with objectName");
      }
      String name = text(object.get("objectName"));
      String secretPath = text(object.get("secretPath"));
      if (name.isEmpty() || secretPath.isEmpty()) {
        throw MountException.invalid(
            ErrorCode.INVALID_PARAMETERS, "object '" + name + "' needs objectName and secretPath");
      }
      String method = text(object.get("method")).toUpperCase(Locale.ROOT);
      method = method.isEmpty() ? "GET" : method;
      if (!METHODS.contains(method)) {
        throw MountException.invalid(
            ErrorCode.INVALID_PARAMETERS,
            "object '" + name + "': method '" + method + "' is not GET, POST or PUT");
      }
      Map<String, Object> arguments = new LinkedHashMap<>();
      if (object.get("secretArgs") instanceof Map<?, ?> args) {
        args.forEach((k, v) -> arguments.put(String.valueOf(k), v));
      } else if (object.get("secretArgs") != null) {
        throw MountException.invalid(
            ErrorCode.INVALID_PARAMETERS, "object '" + name + "': secretArgs must be a mapping");
      }
      OptionalInt version = OptionalInt.empty();
      int query = secretPath.indexOf('?');
      if (query >= 0) {
        version = versionQuery(name, secretPath.substring(query + 1));
        secretPath = secretPath.substring(0, query);
      }
      if (method.equals("GET") && arguments.containsKey("version")) {
        version =
            OptionalInt.of(positiveInt(name, "secretArgs.version", arguments.remove("version")));
      }
      if (method.equals("GET") && !arguments.isEmpty()) {
        throw MountException.invalid(
            ErrorCode.INVALID_PARAMETERS,
            "object '" + name + "': secretArgs other than version need method POST or PUT");
      }
      requireDeliverable("object '" + name + "'", secretPath);
      String key = text(object.get("secretKey"));
      files.add(
          new FileRequest(
              name,
              new SecretSource(secretPath, version, method, arguments),
              key.isEmpty() ? null : key,
              ValueEncoding.parse(text(object.get("encoding")), name),
              filePermission(name, object.get("filePermission"))));
    }
    return files;
  }

  private static OptionalInt versionQuery(String name, String query) {
    if (!query.startsWith("version=")) {
      throw MountException.invalid(
          ErrorCode.INVALID_PARAMETERS,
          "object '" + name + "': the only query the secretPath may carry is ?version=N");
    }
    return OptionalInt.of(positiveInt(name, "version", query.substring("version=".length())));
  }

  private static int positiveInt(String name, String what, Object value) {
    try {
      int number = Integer.parseInt(text(value));
      if (number > 0) {
        return number;
      }
    } catch (NumberFormatException ignored) {
      // reported below
    }
    throw MountException.invalid(
        ErrorCode.INVALID_PARAMETERS,
        "object '" + name + "': " + what + " must be a positive number");
  }

  /** YAML 1.1 reads 0600 as the octal number; "0600" in quotes is read as octal text too. */
  private static OptionalInt filePermission(String name, Object value) {
    if (value == null) {
      return OptionalInt.empty();
    }
    try {
      int mode =
          value instanceof Number number ? number.intValue() : Integer.parseInt(text(value), 8);
      if (mode >= 0 && mode <= 0777) {
        return OptionalInt.of(mode);
      }
    } catch (NumberFormatException ignored) {
      // reported below
    }
    throw MountException.invalid(
        ErrorCode.INVALID_PARAMETERS,
        "object '" + name + "': filePermission must be an octal mode such as 0640");
  }

  /** Every name must be a safe, unique file name: a hostile request must not escape the volume. */
  private static List<FileRequest> checkNames(List<FileRequest> files) {
    Set<String> seen = new HashSet<>();
    for (FileRequest file : files) {
      if (!SsiPatterns.isSafeVolumeFileName(file.name())) {
        throw MountException.invalid(
            ErrorCode.INVALID_FILE_NAME,
            "file name '" + file.name() + "' is not allowed: " + SsiPatterns.FILE_NAME_RULE);
      }
      if (!seen.add(file.name())) {
        throw MountException.invalid(
            ErrorCode.DUPLICATE_FILE_NAME, "file name '" + file.name() + "' is used twice");
      }
    }
    return List.copyOf(files);
  }

  private static PodInfo podInfo(Map<String, String> a) {
    String namespace = a.getOrDefault(CsiNames.POD_NAMESPACE, "");
    String account = a.getOrDefault(CsiNames.SERVICE_ACCOUNT_NAME, "");
    if (namespace.isEmpty() || account.isEmpty()) {
      throw MountException.invalid(
          ErrorCode.INVALID_ATTRIBUTES,
          "kubelet's pod information is missing ("
              + CsiNames.POD_NAMESPACE
              + ", "
              + CsiNames.SERVICE_ACCOUNT_NAME
              + "): the CSIDriver object must set podInfoOnMount: true");
    }
    return new PodInfo(
        namespace,
        a.getOrDefault(CsiNames.POD_NAME, ""),
        a.getOrDefault(CsiNames.POD_UID, ""),
        new ServiceAccountRef(namespace, account));
  }

  /** {@code {"<audience>": {"token": "...", "expirationTimestamp": "..."}}}. */
  private static Map<String, String> tokens(String json) {
    if (json == null || json.isBlank()) {
      return Map.of();
    }
    JsonNode tree;
    try {
      tree = JSON.readTree(json);
    } catch (JacksonException e) {
      throw MountException.invalid(
          ErrorCode.INVALID_ATTRIBUTES, CsiNames.SERVICE_ACCOUNT_TOKENS + " is not valid JSON");
    }
    if (!tree.isObject()) {
      throw MountException.invalid(
          ErrorCode.INVALID_ATTRIBUTES, CsiNames.SERVICE_ACCOUNT_TOKENS + " is not a JSON object");
    }
    Map<String, String> tokens = new LinkedHashMap<>();
    for (var entry : tree.properties()) {
      String token = entry.getValue().path("token").asString("");
      if (!token.isEmpty()) {
        tokens.put(entry.getKey(), token);
      }
    }
    return Map.copyOf(tokens);
  }

  private static Map<String, String> parseAttributes(String json) {
    if (json == null || json.isBlank()) {
      throw MountException.invalid(ErrorCode.INVALID_ATTRIBUTES, "the mount attributes are empty");
    }
    JsonNode tree;
    try {
      tree = JSON.readTree(json);
    } catch (JacksonException e) {
      throw MountException.invalid(
          ErrorCode.INVALID_ATTRIBUTES,
          "the mount attributes are not valid JSON: " + e.getOriginalMessage());
    }
    if (tree == null || !tree.isObject()) {
      throw MountException.invalid(
          ErrorCode.INVALID_ATTRIBUTES, "the mount attributes are not a JSON object");
    }
    Map<String, String> attributes = new LinkedHashMap<>();
    for (var entry : tree.properties()) {
      JsonNode value = entry.getValue();
      if (!value.isString()) {
        throw MountException.invalid(
            ErrorCode.INVALID_ATTRIBUTES, "attribute '" + entry.getKey() + "' must be a string");
      }
      attributes.put(entry.getKey(), value.asString());
    }
    return attributes;
  }

  private static String require(Map<String, String> a, String name) {
    return optional(a, name)
        .orElseThrow(
            () ->
                MountException.invalid(
                    ErrorCode.INVALID_PARAMETERS, "parameter '" + name + "' is required"));
  }

  private static Optional<String> optional(Map<String, String> a, String name) {
    return Optional.ofNullable(a.get(name)).map(String::strip).filter(value -> !value.isEmpty());
  }

  private static boolean bool(Map<String, String> a, String name) {
    Optional<String> value = optional(a, name);
    if (value.isEmpty()) {
      return false;
    }
    return switch (value.get().toLowerCase(Locale.ROOT)) {
      case "true" -> true;
      case "false" -> false;
      default ->
          throw MountException.invalid(
              ErrorCode.INVALID_PARAMETERS, "parameter '" + name + "' must be true or false");
    };
  }

  private static String text(Object value) {
    return value == null ? "" : String.valueOf(value).strip();
  }

  private static String firstLine(String message) {
    if (message == null) {
      return "";
    }
    int newline = message.indexOf('\n');
    return newline < 0 ? message : message.substring(0, newline);
  }

  /** common-model's one rule: no auth/ or sys/ path is delivered into a pod (issue 16 item 6). */
  private static void requireDeliverable(String what, String path) {
    ReservedStorePaths.refusal(path)
        .ifPresent(
            why -> {
              throw MountException.invalid(ErrorCode.INVALID_PARAMETERS, what + ": " + why);
            });
  }
}
