package io.secretsstore.model.crd;

import io.fabric8.crd.generator.annotation.AdditionalPrinterColumn;
import io.fabric8.crd.generator.annotation.AdditionalPrinterColumn.Type;
import io.fabric8.kubernetes.api.model.Namespaced;
import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.model.annotation.Group;
import io.fabric8.kubernetes.model.annotation.ShortNames;
import io.fabric8.kubernetes.model.annotation.Version;

/**
 * A namespaced mapping from secrets in the store to files (and, later, other delivery types).
 *
 * <p>The CRD YAML in {@code helm/crds/} is generated from this class; the spec schema is the one of
 * the Deckhouse module, field for field and pattern for pattern.
 */
@Group(SecretsStoreImport.GROUP)
@Version(SecretsStoreImport.VERSION)
@ShortNames("ssi")
@AdditionalPrinterColumn(name = "Type", jsonPath = ".spec.type", type = Type.STRING)
@AdditionalPrinterColumn(name = "Role", jsonPath = ".spec.role", type = Type.STRING)
@AdditionalPrinterColumn(
    name = "Ready",
    jsonPath = ".status.conditions[?(@.type==\"Ready\")].status",
    type = Type.STRING)
@AdditionalPrinterColumn(
    name = "Reason",
    jsonPath = ".status.conditions[?(@.type==\"Ready\")].reason",
    type = Type.STRING)
@AdditionalPrinterColumn(name = "Age", jsonPath = ".metadata.creationTimestamp", type = Type.DATE)
public class SecretsStoreImport
    extends CustomResource<SecretsStoreImportSpec, SecretsStoreImportStatus> implements Namespaced {

  public static final String GROUP = "deckhouse.io";
  public static final String VERSION = "v1alpha1";
  public static final String KIND = "SecretsStoreImport";
  public static final String PLURAL = "secretsstoreimports";
  public static final String CRD_NAME = PLURAL + "." + GROUP;
}
