package io.secretsstore.model.reference;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class ReservedStorePathsTest {

  @Test
  void theStoresAuthAndSysBackendsAreRefused() {
    assertThat(ReservedStorePaths.refusal("auth/token/lookup-self"))
        .hasValueSatisfying(why -> assertThat(why).contains("under the store's auth/"));
    assertThat(ReservedStorePaths.refusal("/auth/kubernetes/role/app")).isPresent();
    assertThat(ReservedStorePaths.refusal("  sys/mounts")).isPresent();
    assertThat(ReservedStorePaths.refusal("SYS/policy/root")).isPresent();
    assertThat(ReservedStorePaths.refusal("auth")).isPresent();
    assertThat(ReservedStorePaths.refusal("team-a/auth/token/lookup-self"))
        .hasValueSatisfying(why -> assertThat(why).contains("token backend (auth/token)"));
    assertThat(ReservedStorePaths.refusal("team-a//auth/token/create")).isPresent();
  }

  @Test
  void secretsThatMerelyNameAuthOrSysDeeperAreAllowed() {
    assertThat(ReservedStorePaths.refusal("secret/data/sys/config")).isEmpty();
    assertThat(ReservedStorePaths.refusal("secret/data/auth")).isEmpty();
    assertThat(ReservedStorePaths.refusal("kv/system/auth-service")).isEmpty();
    assertThat(ReservedStorePaths.refusal("pki/issue/auth")).isEmpty();
    assertThat(ReservedStorePaths.refusal("database/creds/sys-reader")).isEmpty();
  }
}
