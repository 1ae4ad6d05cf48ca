package io.secretsstore.controller.imports;

import io.secretsstore.model.crd.SecretSyncStatus;

/**
 * What a reconciliation concluded about an import, before it becomes status: the {@code Ready}
 * condition's status, reason and message, and for the Secret mode the sync record.
 */
public record ImportOutcome(
    boolean ready, String reason, String message, SecretSyncStatus secretSync) {

  public static final String VALID = "Valid";
  public static final String INVALID_SPEC = "InvalidSpec";
  public static final String SYNCED = "Synced";
  public static final String SYNC_FAILED = "SyncFailed";
  public static final String SECRET_SYNC_DISABLED = "SecretSyncDisabled";
  public static final String SECRET_NAME_TAKEN = "SecretNameTaken";

  static ImportOutcome valid() {
    return new ImportOutcome(true, VALID, "The import is valid; pods can mount it.", null);
  }

  static ImportOutcome invalid(java.util.List<String> problems) {
    return new ImportOutcome(false, INVALID_SPEC, String.join("; ", problems), null);
  }
}
