package io.secretsstore.model.reference;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * Store paths no pod may have delivered, whatever the delivery (env injector, CSI volume): the
 * store's auth methods ({@code auth/}: {@code auth/token/lookup-self} answers the caller's own
 * token, {@code auth/token/create} mints new ones) and its system backend ({@code sys/}: the
 * store's configuration). Our components log in on the pod's behalf; handing the pod our token, or
 * a token minted with it, would let it outlive its service account's policy.
 *
 * <p>Refused: a path whose first segment is {@code auth} or {@code sys}, and a path with the
 * segments {@code auth/token} anywhere (a Vault Enterprise / OpenBao namespace prefix, {@code
 * team-a/auth/token/lookup-self}, reaches the same token backend). A KV secret that merely has
 * {@code sys} or {@code auth} deeper in its name ({@code secret/data/sys/config}) is allowed.
 */
public final class ReservedStorePaths {

  private static final List<String> RESERVED_MOUNTS = List.of("auth", "sys");

  private ReservedStorePaths() {}

  /** Why {@code path} may not be delivered, or empty if it may. */
  public static Optional<String> refusal(String path) {
    List<String> segments = segments(path);
    if (!segments.isEmpty() && RESERVED_MOUNTS.contains(segments.getFirst())) {
      return Optional.of(
          "path '"
              + path
              + "' is under the store's "
              + segments.getFirst()
              + "/ (auth methods and system configuration, which could hand out the store token"
              + " used on the pod's behalf): read secrets from a secrets engine such as KV");
    }
    for (int i = 1; i + 1 < segments.size(); i++) {
      if (segments.get(i).equals("auth") && segments.get(i + 1).equals("token")) {
        return Optional.of(
            "path '"
                + path
                + "' reaches the store's token backend (auth/token) behind a namespace prefix,"
                + " which could hand out the store token used on the pod's behalf");
      }
    }
    return Optional.empty();
  }

  /** The non-empty segments, lower case (no regular expression: the injector's start path). */
  private static List<String> segments(String path) {
    List<String> segments = new ArrayList<>();
    for (String segment : path.strip().toLowerCase(Locale.ROOT).split("/")) {
      if (!segment.isEmpty()) {
        segments.add(segment);
      }
    }
    return segments;
  }
}
