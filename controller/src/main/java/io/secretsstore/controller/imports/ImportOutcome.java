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
  public static final String UNDECODABLE = "Undecodable";

  static ImportOutcome valid() {
    return new ImportOutcome(true, VALID, "The import is valid; pods can mount it.", null);
  }

  /** The object does not fit the model (see {@link TolerantImportDecoding}). */
  static ImportOutcome undecodable(String problem) {
    return new ImportOutcome(
        false,
        UNDECODABLE,
        problem
            + ". The controller cannot read this import and serves nothing from it until the"
            + " field is fixed.",
        null);
  }

  static ImportOutcome invalid(java.util.List<String> problems) {
    return new ImportOutcome(false, INVALID_SPEC, String.join("; ", problems), null);
  }
}
