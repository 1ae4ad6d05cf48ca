package io.secretsstore.driver.publish;

import io.secretsstore.model.names.CsiNames;
import java.util.Map;

/**
 * The pod a volume belongs to, from kubelet's volume context ({@code podInfoOnMount}).
 *
 * @param volumeName the pod's volume name (from the target path)
 */
public record PodInfo(
    String name, String namespace, String uid, String serviceAccount, String volumeName) {

  static PodInfo from(Map<String, String> context, String volumeName) throws PublishException {
    String name = context.get(CsiNames.POD_NAME);
    String namespace = context.get(CsiNames.POD_NAMESPACE);
    String uid = context.get(CsiNames.POD_UID);
    String account = context.get(CsiNames.SERVICE_ACCOUNT_NAME);
    if (isBlank(name) || isBlank(namespace) || isBlank(uid) || isBlank(account)) {
      throw PublishException.invalid(
          "the volume context lacks the pod's name, namespace, uid or service account: the"
              + " CSIDriver object must set podInfoOnMount: true");
    }
    return new PodInfo(name, namespace, uid, account, volumeName);
  }

  private static boolean isBlank(String value) {
    return value == null || value.isBlank();
  }
}
