package io.secretsstore.model.reference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import io.secretsstore.model.reference.ParsedValue.PlainValue;
import io.secretsstore.model.reference.ParsedValue.SecretReference;
import io.secretsstore.model.reference.ParsedValue.WriteReference;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Seeded random inputs (reproducible: the seed and the input are in every failure message). The
 * parser must either return a value or throw {@link ReferenceSyntaxException} with a position
 * inside the input, never anything else, and must never treat a reference-looking value as plain.
 */
class ReferenceParserFuzzTest {

  private static final long SEED = 20261124L;

  private static final List<String> FRAGMENTS =
      List.of(
          "secrets-store:",
          ">>secrets-store:",
          "${secrets-store:",
          "$${",
          "${",
          "}",
          "#",
          "##",
          "/",
          "//",
          "..",
          ".",
          "|",
          " | ",
          "\"",
          "\\",
          "{",
          "[",
          "]",
          ":",
          ",",
          "1",
          "0",
          "42",
          "-",
          "_",
          "a",
          "key",
          "secret/data/app",
          "default \"x\"",
          "upper",
          "base64decode",
          " ",
          "\t",
          "\n",
          "{\"a\":",
          "true",
          "null",
          "é",
          "\u0000");

  @Test
  void randomFragmentSoupNeverEscapesTheContract() {
    Random random = new Random(SEED);
    for (int i = 0; i < 30_000; i++) {
      StringBuilder input = new StringBuilder();
      if (random.nextInt(3) == 0) {
        input.append(random.nextBoolean() ? "secrets-store:" : ">>secrets-store:");
      }
      int pieces = random.nextInt(12);
      for (int j = 0; j < pieces; j++) {
        input.append(FRAGMENTS.get(random.nextInt(FRAGMENTS.size())));
      }
      checkContract(input.toString(), i);
    }
  }

  @Test
  void singleCharacterMutationsOfValidReferences() {
    List<String> valid =
        List.of(
            "secrets-store:secret/data/myapp#password",
            "secrets-store:secret/data/myapp#password#4",
            "secrets-store:kv/data/db#postgresql://${.username}:${.password | quote}@${.host}/app#3",
            ">>secrets-store:pki/issue/web#certificate#{\"common_name\":\"a.example.com\",\"ttl\":[1,2]}",
            "url=${secrets-store:kv/data/db#user}&p=${secrets-store:kv/data/db#password#2}");
    String alphabet = "#${}|\"\\/. a1-:[]{},";
    Random random = new Random(SEED);
    int checked = 0;
    for (String reference : valid) {
      assertThat(ReferenceParser.parse(reference)).isNotInstanceOf(PlainValue.class);
      for (int position = 0; position < reference.length(); position++) {
        String deleted = reference.substring(0, position) + reference.substring(position + 1);
        String duplicated = reference.substring(0, position + 1) + reference.substring(position);
        char inserted = alphabet.charAt(random.nextInt(alphabet.length()));
        String insertion =
            reference.substring(0, position) + inserted + reference.substring(position);
        for (String mutant : List.of(deleted, duplicated, insertion)) {
          checkContract(mutant, checked++);
        }
      }
    }
    assertThat(checked).isEqualTo(3 * valid.stream().mapToInt(String::length).sum());
  }

  @Test
  void generatedReferencesRoundTrip() {
    Random random = new Random(SEED);
    for (int i = 0; i < 5_000; i++) {
      int segments = 1 + random.nextInt(4);
      StringBuilder path = new StringBuilder();
      for (int s = 0; s < segments; s++) {
        path.append(s == 0 ? "" : "/").append(word(random, "abcXYZ019-_.", 1 + random.nextInt(8)));
      }
      String pathText = path.toString();
      if (List.of(pathText.split("/")).stream()
          .anyMatch(seg -> seg.equals(".") || seg.equals(".."))) {
        continue; // not a valid path; the mutation tests cover it
      }
      String key = word(random, "abcXYZ019-_.:@", 1 + random.nextInt(10));
      OptionalInt version =
          random.nextBoolean() ? OptionalInt.of(1 + random.nextInt(100_000)) : OptionalInt.empty();
      String text =
          "secrets-store:"
              + pathText
              + "#"
              + key
              + (version.isPresent() ? "#" + version.getAsInt() : "");
      assertThat(ReferenceParser.parse(text))
          .as("seed %d case %d: %s", SEED, i, text)
          .isEqualTo(new SecretReference(pathText, key, version));
      assertThat(ReferenceParser.parse(">>secrets-store:" + pathText + "#" + key))
          .isEqualTo(new WriteReference(pathText, key, Optional.empty()));
    }
  }

  private static void checkContract(String input, int index) {
    try {
      ParsedValue parsed = ReferenceParser.parse(input);
      if (!ReferenceParser.looksLikeReference(input)) {
        assertThat(parsed)
            .as("seed %d case %d: %s", SEED, index, input)
            .isEqualTo(new PlainValue(input));
      } else if (parsed instanceof PlainValue) {
        // Only an inline value made entirely of escaped "$${secrets-store:" text may be plain.
        assertThat(input)
            .as("seed %d case %d: %s", SEED, index, input)
            .contains("$${secrets-store:");
        assertThat(input).doesNotStartWith("secrets-store:").doesNotStartWith(">>secrets-store:");
      }
    } catch (ReferenceSyntaxException e) {
      assertThat(ReferenceParser.looksLikeReference(input))
          .as("only reference-looking values may fail: seed %d case %d: %s", SEED, index, input)
          .isTrue();
      assertThat(e.position()).isBetween(0, input.length());
      assertThat(e.problem()).isNotBlank();
    } catch (RuntimeException e) {
      fail("seed %d case %d: %s threw %s", SEED, index, input, e);
    }
  }

  private static String word(Random random, String alphabet, int length) {
    StringBuilder word = new StringBuilder(length);
    for (int i = 0; i < length; i++) {
      word.append(alphabet.charAt(random.nextInt(alphabet.length())));
    }
    return word.toString();
  }
}
