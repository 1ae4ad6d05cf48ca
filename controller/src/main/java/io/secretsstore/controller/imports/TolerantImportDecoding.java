package io.secretsstore.controller.imports;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.BeanDescription;
import com.fasterxml.jackson.databind.DeserializationConfig;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonDeserializer;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.deser.BeanDeserializerModifier;
import com.fasterxml.jackson.databind.deser.std.DelegatingDeserializer;
import com.fasterxml.jackson.databind.exc.InvalidFormatException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.module.SimpleModule;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import io.secretsstore.model.crd.SecretsStoreImport;
import io.secretsstore.model.crd.SecretsStoreImportStatus;
import java.io.IOException;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * Reads {@code SecretsStoreImport}s so that one object the model cannot represent (a field of the
 * wrong type, an enum value from another implementation, CRD drift during an upgrade) cannot stop
 * the informer and with it the controller for the whole cluster. Unknown fields are ignored; an
 * object whose spec does not decode becomes an import without spec that carries, in memory only,
 * what could not be read ({@link #problem}), so the reconciler reports it on that object and goes
 * on with the others.
 */
public final class TolerantImportDecoding {

  /**
   * In-memory mark of an undecodable import, on an import without spec. It survives the operator's
   * copies of the object (which serialize and read it again) and is never written: status patches
   * send only the status. The same annotation set by an author on an import with a spec means
   * nothing.
   */
  static final String PROBLEM_ANNOTATION = "secrets-store.deckhouse.io/controller-decode-problem";

  private TolerantImportDecoding() {}

  /** The Kubernetes client's serialization with the tolerant reading of imports. */
  public static KubernetesSerialization kubernetesSerialization() {
    ObjectMapper mapper = new ObjectMapper();
    mapper.registerModule(module());
    KubernetesSerialization serialization = new KubernetesSerialization(mapper, true);
    // After the client's own configuration: fields a newer CRD adds never fail a read.
    mapper.configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);
    return serialization;
  }

  static SimpleModule module() {
    SimpleModule module = new SimpleModule("tolerant-secrets-store-imports");
    module.setDeserializerModifier(
        new BeanDeserializerModifier() {
          @Override
          public JsonDeserializer<?> modifyDeserializer(
              DeserializationConfig config,
              BeanDescription bean,
              JsonDeserializer<?> deserializer) {
            return bean.getBeanClass() == SecretsStoreImport.class
                ? new Tolerant(deserializer)
                : deserializer;
          }
        });
    return module;
  }

  /** What could not be read in {@code ssi}, if it did not decode. */
  public static Optional<String> problem(SecretsStoreImport ssi) {
    if (ssi.getSpec() != null || ssi.getMetadata() == null) {
      return Optional.empty();
    }
    Map<String, String> annotations = ssi.getMetadata().getAnnotations();
    return Optional.ofNullable(annotations == null ? null : annotations.get(PROBLEM_ANNOTATION));
  }

  /** The one-line message for the user: the field, what it must be; never the value. */
  static String describe(JsonMappingException failure) {
    StringBuilder field = new StringBuilder();
    for (JsonMappingException.Reference reference : failure.getPath()) {
      if (reference.getFieldName() != null) {
        if (!field.isEmpty()) {
          field.append('.');
        }
        field.append(reference.getFieldName());
      } else if (reference.getIndex() >= 0) {
        field.append('[').append(reference.getIndex()).append(']');
      }
    }
    String where = field.isEmpty() ? "the object" : field.toString();
    return where + " cannot be read: " + expected(failure);
  }

  private static String expected(JsonMappingException failure) {
    Class<?> target =
        failure instanceof MismatchedInputException mismatched ? mismatched.getTargetType() : null;
    if (target == null) {
      return "it does not match the SecretsStoreImport schema";
    }
    if (target.isEnum()) {
      return "expected one of "
          + Arrays.stream(target.getEnumConstants())
              .map(Object::toString)
              .collect(Collectors.joining(", "));
    }
    if (target == Boolean.class || target == boolean.class) {
      return "expected true or false";
    }
    if (Number.class.isAssignableFrom(target) || target.isPrimitive()) {
      return "expected a number";
    }
    if (target == String.class) {
      return "expected a string";
    }
    if (java.util.Collection.class.isAssignableFrom(target)) {
      return "expected a list";
    }
    return failure instanceof InvalidFormatException
        ? "expected a value of another type"
        : "expected an object";
  }

  /** Decodes as usual; on a mapping failure keeps metadata (and status) and marks the problem. */
  private static final class Tolerant extends DelegatingDeserializer {

    Tolerant(JsonDeserializer<?> delegate) {
      super(delegate);
    }

    @Override
    protected JsonDeserializer<?> newDelegatingInstance(JsonDeserializer<?> delegate) {
      return new Tolerant(delegate);
    }

    @Override
    public Object deserialize(JsonParser parser, DeserializationContext context)
        throws IOException {
      JsonNode tree = context.readTree(parser);
      try (JsonParser replay = tree.traverse(parser.getCodec())) {
        replay.nextToken();
        return _delegatee.deserialize(replay, context);
      } catch (JsonMappingException failure) {
        return undecodable(tree, failure, context);
      }
    }

    private static SecretsStoreImport undecodable(
        JsonNode tree, JsonMappingException failure, DeserializationContext context)
        throws IOException {
      SecretsStoreImport ssi = new SecretsStoreImport();
      ObjectMeta metadata =
          tree.hasNonNull("metadata")
              ? context.readTreeAsValue(tree.get("metadata"), ObjectMeta.class)
              : new ObjectMeta();
      Map<String, String> annotations =
          metadata.getAnnotations() == null
              ? new HashMap<>()
              : new HashMap<>(metadata.getAnnotations());
      annotations.put(PROBLEM_ANNOTATION, describe(failure));
      metadata.setAnnotations(annotations);
      ssi.setMetadata(metadata);
      // The status is ours; kept when readable, so that nothing is rewritten needlessly.
      if (tree.hasNonNull("status")) {
        try {
          ssi.setStatus(
              context.readTreeAsValue(tree.get("status"), SecretsStoreImportStatus.class));
        } catch (JsonMappingException unreadable) {
          ssi.setStatus(null);
        }
      }
      return ssi;
    }
  }
}
