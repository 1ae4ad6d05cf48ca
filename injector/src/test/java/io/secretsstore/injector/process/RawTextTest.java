package io.secretsstore.injector.process;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

class RawTextTest {

  @Test
  void validUtf8DecodesToItsCharacters() {
    String text = "h\u00e9llo \u043c\u0438\u0440 \uD83D\uDE00";
    assertThat(RawText.decode(text.getBytes(StandardCharsets.UTF_8))).isEqualTo(text);
    assertThat(RawText.hasInvalidBytes(text)).isFalse();
  }

  @Test
  void everyByteSequenceSurvivesTheRoundTrip() {
    Random random = new Random(16);
    for (int i = 0; i < 20_000; i++) {
      byte[] bytes = new byte[random.nextInt(12)];
      random.nextBytes(bytes);
      assertThat(RawText.encode(RawText.decode(bytes))).as("%s", bytes).isEqualTo(bytes);
    }
    // Latin-1 é, a lone continuation byte, a truncated sequence, an encoded surrogate, 0xFF.
    for (byte[] odd :
        List.of(
            new byte[] {'h', (byte) 0xE9, 'l'},
            new byte[] {(byte) 0x80},
            new byte[] {(byte) 0xE2, (byte) 0x82},
            new byte[] {(byte) 0xED, (byte) 0xB2, (byte) 0x80},
            new byte[] {(byte) 0xFF, (byte) 0xFE})) {
      String decoded = RawText.decode(odd);
      assertThat(RawText.hasInvalidBytes(decoded)).isTrue();
      assertThat(RawText.encode(decoded)).isEqualTo(odd);
    }
  }

  @Test
  void procFilesAreSplitIntoVariablesAndTheLastArguments() {
    byte[] environ = "A=1\0B=h\u00e9\0A=2\0NOEQUALS\0C=x=y\0".getBytes(StandardCharsets.UTF_8);
    Map<String, String> env = ProcessInput.environment(environ);
    assertThat(env)
        .containsExactly(Map.entry("A", "1"), Map.entry("B", "h\u00e9"), Map.entry("C", "x=y"));

    byte[] cmdline =
        "java\0@launch.args\0--\0/bin/sh\0-c\0echo h\u00e9\0".getBytes(StandardCharsets.UTF_8);
    // What the JVM hands main in an ASCII locale: one replacement per non-ASCII byte.
    String[] jvm = {"--", "/bin/sh", "-c", "echo h\uFFFD\uFFFD"};
    assertThat(ProcessInput.arguments(cmdline, jvm))
        .containsExactly("--", "/bin/sh", "-c", "echo h\u00e9");
    // A disagreement in the ASCII characters means /proc is not what we think: the JVM's copy.
    assertThat(ProcessInput.arguments(cmdline, new String[] {"other"})).containsExactly("other");
  }
}
