package io.secretsstore.vault;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.secretsstore.vault.StoreReachability.Outcome;
import java.net.URI;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class StoreReachabilityTest {

  private static final URI STORE = URI.create("https://store.example:8200");

  private final AtomicLong clock = new AtomicLong(1_000_000_000L);
  private final StoreReachability reachability =
      new StoreReachability(Duration.ofSeconds(5), clock::get);

  private void advance(Duration duration) {
    clock.addAndGet(duration.toNanos());
  }

  @Test
  void anAddressNothingConnectsToIsHeldForAHoldThatDoublesUpToTheMaximum() {
    assertThat(reachability.refusal(STORE)).isEmpty();
    reachability.attempted(STORE, Outcome.UNREACHABLE, "connection refused");

    assertThat(reachability.refusal(STORE))
        .hasValueSatisfying(
            why ->
                assertThat(why)
                    .isEqualTo(
                        "connection refused; not contacted again yet: a connection failed moments"
                            + " ago, one attempt is made every 1-5 s until the store answers"));
    advance(Duration.ofMillis(999));
    assertThat(reachability.refusal(STORE)).isPresent();
    advance(Duration.ofMillis(1));

    // Hold over: one probe goes; while it is in flight everyone else is refused.
    assertThat(reachability.refusal(STORE)).isEmpty();
    // The same words while the probe is in flight: Events count one message up.
    assertThat(reachability.refusal(STORE))
        .hasValueSatisfying(why -> assertThat(why).startsWith("connection refused; not contacted"));
    reachability.attempted(STORE, Outcome.UNREACHABLE, "connection refused");

    // 1 s, 2 s, 4 s, then the 5 s maximum.
    assertThat(heldFor()).isEqualTo(Duration.ofSeconds(2));
    assertThat(heldFor()).isEqualTo(Duration.ofSeconds(4));
    assertThat(heldFor()).isEqualTo(Duration.ofSeconds(5));
    assertThat(heldFor()).isEqualTo(Duration.ofSeconds(5));
  }

  /** How long the current hold refuses, then fails its probe. */
  private Duration heldFor() {
    Duration held = Duration.ZERO;
    while (reachability.refusal(STORE).isPresent()) {
      advance(Duration.ofMillis(500));
      held = held.plusMillis(500);
    }
    reachability.attempted(STORE, Outcome.UNREACHABLE, "connection refused");
    return held;
  }

  @Test
  void failuresOfRequestsStartedBeforeTheHoldCountOnce() {
    for (int i = 0; i < 10; i++) {
      assertThat(reachability.refusal(STORE)).isEmpty();
    }
    for (int i = 0; i < 10; i++) {
      reachability.attempted(STORE, Outcome.UNREACHABLE, "connection refused");
    }
    advance(Duration.ofSeconds(1));
    assertThat(reachability.refusal(STORE)).isEmpty();
  }

  @Test
  void anAnswerEndsTheHoldAndAProbeThatLearnedNothingLetsTheNextOneTry() {
    reachability.attempted(STORE, Outcome.UNREACHABLE, "connection refused");
    advance(Duration.ofSeconds(1));
    assertThat(reachability.refusal(STORE)).isEmpty(); // the probe
    reachability.attempted(STORE, Outcome.UNKNOWN, null); // e.g. cancelled
    assertThat(reachability.refusal(STORE)).isEmpty(); // the next probe
    reachability.attempted(STORE, Outcome.REACHED, null);

    assertThat(reachability.heldAddresses()).isZero();
    assertThat(reachability.refusal(STORE)).isEmpty();
    assertThat(reachability.refusal(STORE)).isEmpty();
  }

  @Test
  void theHoldIsPerListenerWhateverTheSpelling() {
    reachability.attempted(
        URI.create("https://STORE.example:8200/"), Outcome.UNREACHABLE, "refused");
    assertThat(reachability.refusal(STORE)).isPresent();
    assertThat(reachability.refusal(URI.create("https://store.example:8201"))).isEmpty();
    assertThat(reachability.refusal(URI.create("http://store.example:8200"))).isEmpty();

    reachability.attempted(URI.create("https://other.example"), Outcome.UNREACHABLE, "refused");
    assertThat(reachability.refusal(URI.create("https://other.example:443"))).isPresent();
  }

  @Test
  void alwaysTryKeepsNoState() {
    StoreReachability.ALWAYS_TRY.attempted(STORE, Outcome.UNREACHABLE, "refused");
    assertThat(StoreReachability.ALWAYS_TRY.refusal(STORE)).isEmpty();
    assertThat(StoreReachability.ALWAYS_TRY.heldAddresses()).isZero();
    assertThatThrownBy(() -> new StoreReachability(Duration.ofSeconds(-1)))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
