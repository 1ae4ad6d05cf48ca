/**
 * The grammars of user-written values that several components read: durations ({@link
 * io.secretsstore.model.values.Durations}), booleans ({@link
 * io.secretsstore.model.values.Booleans}) and the Base64 of {@code decodeBase64} ({@link
 * io.secretsstore.model.values.Base64Values}). One implementation each, so a value means the same
 * in the webhook, the injector, the controller and the CSI provider.
 */
package io.secretsstore.model.values;
