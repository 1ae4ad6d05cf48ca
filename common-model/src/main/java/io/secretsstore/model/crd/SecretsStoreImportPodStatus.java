package io.secretsstore.model.crd;

import io.fabric8.crd.generator.annotation.AdditionalPrinterColumn;
import io.fabric8.crd.generator.annotation.AdditionalPrinterColumn.Type;
import io.fabric8.kubernetes.api.model.Namespaced;
import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.model.annotation.Group;
import io.fabric8.kubernetes.model.annotation.ShortNames;
import io.fabric8.kubernetes.model.annotation.Version;

/**
 * What the CSI driver mounted for one pod volume: which import, at which object versions, when it
 * last rotated. One object per (pod, volume), written only by the driver on the pod's node and
 * owned by the pod, so Kubernetes deletes it with the pod.
 *
 * <p>A separate object rather than a list in the import's status: many pods of one Deployment would
 * otherwise contend for one status, and volumes of an upstream {@code SecretProviderClass} have no
 * import to write to.
 */
@Group(SecretsStoreImport.GROUP)
@Version(SecretsStoreImport.VERSION)
@ShortNames("ssips")
@AdditionalPrinterColumn(name = "Pod", jsonPath = ".status.podName", type = Type.STRING)
@AdditionalPrinterColumn(name = "Import", jsonPath = ".status.importName", type = Type.STRING)
@AdditionalPrinterColumn(name = "Mounted", jsonPath = ".status.mounted", type = Type.BOOLEAN)
@AdditionalPrinterColumn(name = "Rotated", jsonPath = ".status.lastRotationTime", type = Type.DATE)
@AdditionalPrinterColumn(name = "Error", jsonPath = ".status.error", type = Type.STRING)
public class SecretsStoreImportPodStatus extends CustomResource<Void, PodMountStatus>
    implements Namespaced {

  public static final String KIND = "SecretsStoreImportPodStatus";
  public static final String PLURAL = "secretsstoreimportpodstatuses";
  public static final String CRD_NAME = PLURAL + "." + SecretsStoreImport.GROUP;
}
