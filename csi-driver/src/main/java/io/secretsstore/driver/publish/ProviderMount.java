package io.secretsstore.driver.publish;

import java.util.Map;

/**
 * What to ask which provider for: the result of reading the volume's import.
 *
 * @param provider provider name; its socket is {@code <providers-dir>/<provider>.sock}
 * @param importKind {@code SecretsStoreImport} or {@code SecretProviderClass}
 * @param importName the object's name in the pod's namespace
 * @param parameters provider parameters, without kubelet's pod information
 */
public record ProviderMount(
    String provider, String importKind, String importName, Map<String, String> parameters) {}
