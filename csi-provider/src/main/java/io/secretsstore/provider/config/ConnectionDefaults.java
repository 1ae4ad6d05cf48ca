package io.secretsstore.provider.config;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * The module's store connection ({@code secrets-store.connection.*}, the ModuleConfig {@code
 * connection.*} settings); every import may override each of them.
 *
 * @param url store address, e.g. https://stronghold.example.com
 * @param caCert PEM CA of the store's certificate; empty means the system CAs
 * @param authPath mount path of the Kubernetes auth method
 * @param namespace store namespace; empty means none
 */
@ConfigurationProperties("secrets-store.connection")
public record ConnectionDefaults(
    @DefaultValue("") String url,
    @DefaultValue("") String caCert,
    @DefaultValue("kubernetes") String authPath,
    @DefaultValue("") String namespace) {}
