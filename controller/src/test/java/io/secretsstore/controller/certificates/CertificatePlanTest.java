package io.secretsstore.controller.certificates;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.security.cert.CertPathValidator;
import java.security.cert.CertificateFactory;
import java.security.cert.PKIXParameters;
import java.security.cert.TrustAnchor;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class CertificatePlanTest {

  static final List<String> NAMES =
      List.of(
          "secrets-store-webhook.d8.svc",
          "secrets-store-webhook",
          "secrets-store-webhook.d8",
          "secrets-store-webhook.d8.svc.cluster.local");
  static final CertificatePlan.Lifetimes LIFETIMES =
      new CertificatePlan.Lifetimes(Duration.ofDays(900), Duration.ofDays(90));
  final Instant t0 = Instant.parse("2026-11-25T10:00:00Z");

  @Test
  void aFreshInstallGetsACaAndAServingCertificateThatChainToIt() throws Exception {
    CertificatePlan plan = CertificatePlan.plan(Map.of(), Map.of(), NAMES, LIFETIMES, t0);

    assertThat(plan.issued()).containsExactly("ca", "serving");
    X509Certificate ca = only(plan.caBundle());
    X509Certificate serving = only(plan.tlsData().get("tls.crt"));
    assertThat(ca.getBasicConstraints()).isGreaterThanOrEqualTo(0);
    assertThat(ca.getKeyUsage()[5]).as("keyCertSign").isTrue();
    assertThat(serving.getBasicConstraints()).isEqualTo(-1);
    assertThat(serving.getExtendedKeyUsage()).containsExactly("1.3.6.1.5.5.7.3.1");
    assertThat(serving.getSubjectAlternativeNames().stream().map(name -> (String) name.get(1)))
        .containsExactlyInAnyOrderElementsOf(NAMES);
    assertThat(serving.getNotAfter().toInstant()).isEqualTo(t0.plus(Duration.ofDays(90)));
    assertThat(serving.getNotBefore().toInstant()).isBefore(t0);
    validates(serving, ca, t0.plus(Duration.ofDays(1)));
    assertThat(plan.tlsData().get("ca.crt")).isEqualTo(plan.caBundle());
    assertThat(plan.tlsData()).doesNotContainKey("ca.key");
    assertThat(plan.nextCheck()).isEqualTo(CertificatePlan.renewalTime(serving));
  }

  @Test
  void aHealthyPairIsKeptAsItIs() {
    CertificatePlan first = CertificatePlan.plan(Map.of(), Map.of(), NAMES, LIFETIMES, t0);
    CertificatePlan again =
        CertificatePlan.plan(
            bytes(first.caData()),
            bytes(first.tlsData()),
            NAMES,
            LIFETIMES,
            t0.plus(Duration.ofDays(50)));
    assertThat(again.issued()).isEmpty();
    assertThat(again.tlsData()).isEqualTo(first.tlsData());
    assertThat(again.caData()).isEqualTo(first.caData());
  }

  @Test
  void theServingCertificateIsRenewedWhenAThirdOfItsLifeIsLeft() throws Exception {
    CertificatePlan first = CertificatePlan.plan(Map.of(), Map.of(), NAMES, LIFETIMES, t0);
    Instant late = t0.plus(Duration.ofDays(61));
    CertificatePlan renewed =
        CertificatePlan.plan(bytes(first.caData()), bytes(first.tlsData()), NAMES, LIFETIMES, late);
    assertThat(renewed.issued()).containsExactly("serving");
    assertThat(renewed.caBundle()).isEqualTo(first.caBundle());
    X509Certificate serving = only(renewed.tlsData().get("tls.crt"));
    assertThat(serving.getNotAfter().toInstant()).isEqualTo(late.plus(Duration.ofDays(90)));
    validates(serving, only(first.caBundle()), late.plus(Duration.ofDays(1)));
  }

  @Test
  void aRotatedCaKeepsItsPredecessorInTheBundleUntilItExpires() throws Exception {
    CertificatePlan first = CertificatePlan.plan(Map.of(), Map.of(), NAMES, LIFETIMES, t0);
    X509Certificate oldCa = only(first.caBundle());
    Instant late = t0.plus(Duration.ofDays(601));

    CertificatePlan rotated =
        CertificatePlan.plan(bytes(first.caData()), bytes(first.tlsData()), NAMES, LIFETIMES, late);

    assertThat(rotated.issued()).containsExactly("ca", "serving");
    List<X509Certificate> bundle = all(rotated.caBundle());
    assertThat(bundle).hasSize(2);
    assertThat(bundle.get(1)).isEqualTo(oldCa);
    validates(only(rotated.tlsData().get("tls.crt")), bundle.getFirst(), late);

    // Later the predecessor still rides along while valid, then drops out.
    CertificatePlan later =
        CertificatePlan.plan(
            bytes(rotated.caData()),
            bytes(rotated.tlsData()),
            NAMES,
            LIFETIMES,
            late.plus(Duration.ofDays(10)));
    assertThat(later.issued()).isEmpty();
    assertThat(all(later.caBundle())).hasSize(2);
    CertificatePlan afterExpiry =
        CertificatePlan.plan(
            bytes(later.caData()),
            bytes(later.tlsData()),
            NAMES,
            LIFETIMES,
            t0.plus(Duration.ofDays(901)));
    assertThat(all(afterExpiry.caBundle())).hasSize(1).doesNotContain(oldCa);
  }

  @Test
  void changedNamesOrDamagedDataAreReissued() {
    CertificatePlan first = CertificatePlan.plan(Map.of(), Map.of(), NAMES, LIFETIMES, t0);

    CertificatePlan renamed =
        CertificatePlan.plan(
            bytes(first.caData()), bytes(first.tlsData()), List.of("other.d8.svc"), LIFETIMES, t0);
    assertThat(renamed.issued()).containsExactly("serving");

    Map<String, byte[]> garbage = bytes(first.tlsData());
    garbage.put(
        "tls.crt", "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n".getBytes());
    assertThat(CertificatePlan.plan(bytes(first.caData()), garbage, NAMES, LIFETIMES, t0).issued())
        .containsExactly("serving");

    // A serving key that belongs to another certificate.
    CertificatePlan other = CertificatePlan.plan(Map.of(), Map.of(), NAMES, LIFETIMES, t0);
    Map<String, byte[]> mismatched = bytes(first.tlsData());
    mismatched.put("tls.key", other.tlsData().get("tls.key").getBytes(StandardCharsets.US_ASCII));
    assertThat(
            CertificatePlan.plan(bytes(first.caData()), mismatched, NAMES, LIFETIMES, t0).issued())
        .containsExactly("serving");

    // A lost CA key means a new CA (and so a new serving certificate).
    Map<String, byte[]> noKey = bytes(first.caData());
    noKey.remove("ca.key");
    assertThat(CertificatePlan.plan(noKey, bytes(first.tlsData()), NAMES, LIFETIMES, t0).issued())
        .containsExactly("ca", "serving");
  }

  @Test
  void badSettingsAreRefused() {
    assertThatThrownBy(
            () ->
                new WebhookCertificateProperties(
                    "vault", "w", "s", "ns", "tls", Duration.ofDays(10), Duration.ofDays(1)))
        .hasMessageContaining("mode must be self-signed or external");
    assertThatThrownBy(
            () ->
                new WebhookCertificateProperties(
                    "self-signed", "w", "s", "", "tls", Duration.ofDays(10), Duration.ofDays(1)))
        .hasMessageContaining("service-namespace is not set");
    assertThatThrownBy(
            () ->
                new WebhookCertificateProperties(
                    "self-signed", "w", "s", "ns", "tls", Duration.ofDays(1), Duration.ofDays(10)))
        .hasMessageContaining("ca-validity at least serving-validity");
  }

  static void validates(X509Certificate serving, X509Certificate ca, Instant at) throws Exception {
    var path = CertificateFactory.getInstance("X.509").generateCertPath(List.of(serving));
    PKIXParameters parameters = new PKIXParameters(Set.of(new TrustAnchor(ca, null)));
    parameters.setRevocationEnabled(false);
    parameters.setDate(Date.from(at));
    CertPathValidator.getInstance("PKIX").validate(path, parameters);
  }

  static List<X509Certificate> all(String pem) {
    return Pem.certificates(pem.getBytes(StandardCharsets.US_ASCII));
  }

  static X509Certificate only(String pem) {
    List<X509Certificate> certificates = all(pem);
    assertThat(certificates).hasSize(1);
    return certificates.getFirst();
  }

  static Map<String, byte[]> bytes(Map<String, String> data) {
    Map<String, byte[]> bytes = new HashMap<>();
    data.forEach((key, value) -> bytes.put(key, value.getBytes(StandardCharsets.US_ASCII)));
    return bytes;
  }
}
