/**
 * The module's store connection and the rules around store addresses, shared by every component
 * that connects to the store or tells a pod where to connect: the {@code connectionConfiguration}
 * modes and defaults ({@link io.secretsstore.model.connection.ModuleConnection}), canonical
 * addresses ({@link io.secretsstore.model.connection.StoreAddress}), the address allowlist and the
 * plain-http rule ({@link io.secretsstore.model.connection.StoreAddressPolicy}) and the order of
 * TLS trust sources ({@link io.secretsstore.model.connection.TlsTrust}). Pure Java, no framework.
 */
package io.secretsstore.model.connection;
