/**
 * The rules around store addresses and TLS trust, shared by every component that connects to the
 * store or tells a pod where to connect: canonical addresses ({@link
 * io.secretsstore.model.connection.StoreAddress}), the address allowlist and the plain-http rule
 * ({@link io.secretsstore.model.connection.StoreAddressPolicy}), the order of TLS trust sources
 * ({@link io.secretsstore.model.connection.TlsTrust}) and the advice on a denied login ({@link
 * io.secretsstore.model.connection.LoginAdvice}). The module's {@code connectionConfiguration} mode
 * is resolved in one place, the chart's {@code ssi.connection} helper; services get its result.
 * Pure Java, no framework.
 */
package io.secretsstore.model.connection;
