package io.secretsstore.controller.imports;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.core.type.TypeReference;
import io.fabric8.kubernetes.api.model.DefaultKubernetesResourceList;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import io.secretsstore.model.crd.ImportType;
import io.secretsstore.model.crd.SecretsStoreImport;
import java.util.List;
import org.junit.jupiter.api.Test;

class TolerantImportDecodingTest {

  static final KubernetesSerialization TOLERANT = TolerantImportDecoding.kubernetesSerialization();

  static String ssi(String name, String spec) {
    return """
        {"apiVersion":"deckhouse.io/v1alpha1","kind":"SecretsStoreImport",
         "metadata":{"name":"%s","namespace":"team-a","uid":"u-%s","generation":3,
                     "annotations":{"team":"a"}},
         "spec":%s,
         "status":{"observedGeneration":2}}
        """
        .formatted(name, name, spec);
  }

  static final String GOOD_SPEC =
      """
      {"type":"CSI","role":"app","files":[{"name":"user","source":{"path":"secret/data/db","key":"user"}}]}
      """;

  @Test
  void aFieldOfTheWrongTypeNamesTheFieldAndWhatItMustBeNotTheValue() {
    SecretsStoreImport ssi =
        TOLERANT.unmarshal(
            ssi(
                "yes",
                """
                {"type":"CSI","role":"app","files":[
                  {"name":"a","source":{"path":"p","key":"k"}},
                  {"name":"b","decodeBase64":"yes-please","source":{"path":"p","key":"k"}}]}
                """),
            SecretsStoreImport.class);
    assertThat(TolerantImportDecoding.problem(ssi))
        .contains("spec.files[1].decodeBase64 cannot be read: expected true or false");
    assertThat(TolerantImportDecoding.problem(ssi).get()).doesNotContain("yes-please");
    // What the reconciler needs to report on the object: its identity and its status.
    assertThat(ssi.getSpec()).isNull();
    assertThat(ssi.getMetadata().getName()).isEqualTo("yes");
    assertThat(ssi.getMetadata().getUid()).isEqualTo("u-yes");
    assertThat(ssi.getMetadata().getGeneration()).isEqualTo(3L);
    assertThat(ssi.getMetadata().getAnnotations()).containsEntry("team", "a");
    assertThat(ssi.getStatus().getObservedGeneration()).isEqualTo(2L);
  }

  @Test
  void anEnumValueOfAnotherImplementationListsTheAcceptedValues() {
    SecretsStoreImport ssi =
        TOLERANT.unmarshal(
            ssi("env", GOOD_SPEC.replace("\"CSI\"", "\"Env\"")), SecretsStoreImport.class);
    assertThat(TolerantImportDecoding.problem(ssi))
        .contains("spec.type cannot be read: expected one of CSI, Secret");
  }

  @Test
  void unknownFieldsAreIgnoredAndTheImportDecodes() {
    SecretsStoreImport ssi =
        TOLERANT.unmarshal(
            ssi("future", GOOD_SPEC.replace("{\"type\"", "{\"futureField\":{\"x\":1},\"type\""))
                .replace("\"kind\"", "\"futureTopLevel\":true,\"kind\""),
            SecretsStoreImport.class);
    assertThat(TolerantImportDecoding.problem(ssi)).isEmpty();
    assertThat(ssi.getSpec().getType()).isEqualTo(ImportType.CSI);
    assertThat(ssi.getSpec().getFiles()).hasSize(1);
  }

  @Test
  void aMarkWrittenByTheImportAuthorMeansNothing() {
    SecretsStoreImport ssi =
        TOLERANT.unmarshal(
            ssi("sneaky", GOOD_SPEC)
                .replace(
                    "\"team\":\"a\"",
                    "\"team\":\"a\",\"" + TolerantImportDecoding.PROBLEM_ANNOTATION + "\":\"x\""),
            SecretsStoreImport.class);
    assertThat(TolerantImportDecoding.problem(ssi)).isEmpty();
    assertThat(ssi.getSpec().getRole()).isEqualTo("app");
  }

  @Test
  void theMarkSurvivesTheOperatorsCopyOfTheObject() {
    SecretsStoreImport ssi =
        TOLERANT.unmarshal(
            ssi("env", GOOD_SPEC.replace("\"CSI\"", "\"Env\"")), SecretsStoreImport.class);
    SecretsStoreImport copy = TOLERANT.clone(ssi);
    assertThat(TolerantImportDecoding.problem(copy)).isEqualTo(TolerantImportDecoding.problem(ssi));
  }

  static java.io.InputStream stream(String json) {
    return new java.io.ByteArrayInputStream(json.getBytes(java.nio.charset.StandardCharsets.UTF_8));
  }

  @Test
  void oneBadItemOfAListDoesNotFailTheList() {
    String list =
        """
        {"apiVersion":"deckhouse.io/v1alpha1","kind":"SecretsStoreImportList","metadata":{},
         "items":[%s,%s,%s]}
        """
            .formatted(
                ssi("a", GOOD_SPEC),
                ssi("b", GOOD_SPEC.replace("\"CSI\"", "\"Env\"")),
                ssi("c", GOOD_SPEC));
    TypeReference<DefaultKubernetesResourceList<SecretsStoreImport>> type =
        new TypeReference<>() {};
    List<SecretsStoreImport> items = TOLERANT.unmarshal(stream(list), type).getItems();
    assertThat(items).extracting(i -> i.getMetadata().getName()).containsExactly("a", "b", "c");
    assertThat(items)
        .extracting(i -> TolerantImportDecoding.problem(i).isPresent())
        .containsExactly(false, true, false);

    // The fabric8 default, which the informer used: the whole list fails.
    assertThatThrownBy(() -> new KubernetesSerialization().unmarshal(stream(list), type))
        .rootCause()
        .hasMessageContaining("\"Env\": not one of the values accepted");
  }
}
