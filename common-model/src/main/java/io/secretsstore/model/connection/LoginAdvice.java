package io.secretsstore.model.connection;

/**
 * What to tell a user whose store login was denied (HTTP 403) with an audience-bound token: the
 * role may expect another audience, and older Vault and Stronghold versions also refuse a token of
 * a dedicated audience when the role names none (they have the Kubernetes API review it for the API
 * server's own audiences; OpenBao asks for the token's own). A hint with the exact command, not a
 * diagnosis: a wrong service account or namespace binding is denied the same way. One text for
 * every component that logs in (injector stderr, the controller's status and event, the CSI
 * driver's event).
 */
public final class LoginAdvice {

  private LoginAdvice() {}

  /**
   * @param authPath the auth mount (e.g. {@code kubernetes_local})
   * @param role the store role
   * @param audience the token's audience(s), comma-separated
   * @return the hint, starting with {@code "; hint: "}, to append to the failure's message
   */
  public static String deniedLogin(String authPath, String role, String audience) {
    return "; hint: the token has audience "
        + audience
        + "; a role that expects another audience refuses it, and so do older Vault or Stronghold"
        + " versions when the role names none: set it on the role: bao write auth/"
        + authPath
        + "/role/"
        + role
        + " audience="
        + audience
        + " (vault write ... works the same)";
  }
}
