package io.secretsstore.controller.config;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * The module's store connection ({@code secrets-store.connection.*}); an import may override each.
 *
 * @param url store address
 * @param caCert PEM CA of the store; empty means the system CAs
 * @param authPath Kubernetes auth mount
 * @param namespace store namespace; empty means none
 */
@ConfigurationProperties("secrets-store.connection")
public record ConnectionDefaults(
    @DefaultValue("") String url,
    @DefaultValue("") String caCert,
    @DefaultValue("kubernetes") String authPath,
    @DefaultValue("") String namespace) {}
