package io.secretsstore.vault.error;

import java.io.EOFException;
import java.net.SocketException;
import java.security.GeneralSecurityException;
import java.util.List;

/**
 * Tells a TLS handshake that lost its connection apart from one that refused a certificate or a
 * protocol. The JDK reports both as an {@code SSLHandshakeException}; only the first is fixed by
 * another attempt (a store restarting, a proxy or load balancer cutting connections while it goes
 * down), so only the first is a transient {@link StoreErrorKind#UNREACHABLE}. Framework-free: the
 * injector's own client uses it too.
 */
public final class TlsHandshakeFailures {

  /** What a user reads when the handshake lost its connection. */
  public static final String CONNECTION_LOST =
      "the connection was closed during the TLS handshake (the store, or a proxy in front of it,"
          + " went away)";

  /**
   * The JDK's words for a peer that closed the connection mid-handshake, without an {@code
   * EOFException} cause: {@code sun.security.ssl} (HttpsURLConnection) and the HTTP client's TLS
   * flow.
   */
  private static final List<String> PEER_WENT_AWAY =
      List.of("Remote host terminated the handshake", "Remote host closed the channel");

  private TlsHandshakeFailures() {}

  /**
   * Whether {@code failure} (a handshake failure) is the connection being closed or reset by the
   * other side, with no certificate or protocol problem in its causes.
   */
  public static boolean connectionLost(Throwable failure) {
    boolean lost = false;
    int depth = 0;
    for (Throwable cause = failure; cause != null && depth < 16; cause = cause.getCause()) {
      depth++;
      if (cause instanceof GeneralSecurityException) {
        return false; // a certificate (path, validity, name) or key problem: not transient
      }
      String message = cause.getMessage();
      if (cause instanceof EOFException
          || cause instanceof SocketException
          || (message != null && PEER_WENT_AWAY.stream().anyMatch(message::contains))) {
        lost = true;
      }
    }
    return lost;
  }
}
