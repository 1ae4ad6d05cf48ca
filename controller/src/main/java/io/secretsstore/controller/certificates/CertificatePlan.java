package io.secretsstore.controller.certificates;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Decides, from what the Secrets hold and the time, what they should hold (pure: data and clock in,
 * data out). A certificate is replaced when a third of its lifetime is left, when it is damaged, or
 * when it no longer fits (names changed, signed by another CA). A replaced CA stays in the bundle
 * next to the new one until it expires, so clients holding the old bundle keep trusting the webhook
 * until the new bundle reaches them.
 *
 * @param caData the CA Secret's data ({@code ca.crt}, {@code ca.key}); only the controller reads it
 * @param tlsData the webhook's Secret ({@code tls.crt}, {@code tls.key}, {@code ca.crt})
 * @param caBundle the PEM bundle for the MutatingWebhookConfiguration
 * @param issued what was issued now ({@code ca}, {@code serving}), for metrics and logs
 * @param nextCheck when the plan must be made again
 */
record CertificatePlan(
    Map<String, String> caData,
    Map<String, String> tlsData,
    String caBundle,
    List<String> issued,
    Instant caNotAfter,
    Instant servingNotAfter,
    Instant nextCheck) {

  static final String CA_CERT = "ca.crt";
  static final String CA_KEY = "ca.key";
  static final String TLS_CERT = "tls.crt";
  static final String TLS_KEY = "tls.key";

  /** Lifetimes of what is issued. */
  record Lifetimes(Duration ca, Duration serving) {}

  static CertificatePlan plan(
      Map<String, byte[]> caSecret,
      Map<String, byte[]> tlsSecret,
      List<String> dnsNames,
      Lifetimes lifetimes,
      Instant now) {
    List<String> issued = new ArrayList<>();
    List<X509Certificate> caChain = Pem.certificates(caSecret.get(CA_CERT));
    Optional<PrivateKey> caKey = Pem.privateKey(caSecret.get(CA_KEY));

    CertificateIssuer.Issued ca;
    List<X509Certificate> bundle = new ArrayList<>();
    if (!caChain.isEmpty()
        && caKey.isPresent()
        && matches(caChain.getFirst().getPublicKey(), caKey.get())
        && !dueForRenewal(caChain.getFirst(), now)) {
      ca = new CertificateIssuer.Issued(caChain.getFirst(), caKey.get());
      bundle.add(ca.certificate());
      // A predecessor kept from the last rotation, until it expires.
      caChain.stream().skip(1).filter(c -> stillValid(c, now)).limit(1).forEach(bundle::add);
    } else {
      ca = CertificateIssuer.certificateAuthority("secrets-store-webhook-ca", now, lifetimes.ca());
      issued.add("ca");
      bundle.add(ca.certificate());
      if (!caChain.isEmpty() && stillValid(caChain.getFirst(), now)) {
        bundle.add(caChain.getFirst());
      }
    }

    List<X509Certificate> served = Pem.certificates(tlsSecret.get(TLS_CERT));
    Optional<PrivateKey> servedKey = Pem.privateKey(tlsSecret.get(TLS_KEY));
    X509Certificate serving;
    PrivateKey servingKey;
    if (!served.isEmpty()
        && servedKey.isPresent()
        && matches(served.getFirst().getPublicKey(), servedKey.get())
        && signedBy(served.getFirst(), ca.certificate())
        && namesOf(served.getFirst()).equals(new HashSet<>(dnsNames))
        && !dueForRenewal(served.getFirst(), now)) {
      serving = served.getFirst();
      servingKey = servedKey.get();
    } else {
      CertificateIssuer.Issued fresh =
          CertificateIssuer.servingCertificate(ca, dnsNames, now, lifetimes.serving());
      serving = fresh.certificate();
      servingKey = fresh.key();
      issued.add("serving");
    }

    String bundlePem = Pem.write(bundle.toArray());
    Map<String, String> caData = new LinkedHashMap<>();
    caData.put(CA_CERT, bundlePem);
    caData.put(CA_KEY, Pem.write(ca.key()));
    Map<String, String> tlsData = new LinkedHashMap<>();
    tlsData.put(TLS_CERT, Pem.write(serving));
    tlsData.put(TLS_KEY, Pem.write(servingKey));
    tlsData.put(CA_CERT, bundlePem);
    Instant next = renewalTime(ca.certificate());
    if (renewalTime(serving).isBefore(next)) {
      next = renewalTime(serving);
    }
    return new CertificatePlan(
        caData,
        tlsData,
        bundlePem,
        List.copyOf(issued),
        ca.certificate().getNotAfter().toInstant(),
        serving.getNotAfter().toInstant(),
        next);
  }

  /** When a third of the certificate's lifetime is left. */
  static Instant renewalTime(X509Certificate certificate) {
    Instant from = certificate.getNotBefore().toInstant();
    Instant to = certificate.getNotAfter().toInstant();
    return to.minus(Duration.between(from, to).dividedBy(3));
  }

  private static boolean dueForRenewal(X509Certificate certificate, Instant now) {
    return !now.isBefore(renewalTime(certificate))
        || now.isBefore(certificate.getNotBefore().toInstant());
  }

  private static boolean stillValid(X509Certificate certificate, Instant now) {
    return now.isBefore(certificate.getNotAfter().toInstant());
  }

  private static boolean signedBy(X509Certificate certificate, X509Certificate ca) {
    try {
      certificate.verify(ca.getPublicKey());
      return true;
    } catch (GeneralSecurityException e) {
      return false;
    }
  }

  /** Whether the key belongs to the certificate: sign with one, verify with the other. */
  private static boolean matches(PublicKey publicKey, PrivateKey privateKey) {
    try {
      byte[] probe = "secrets-store-key-check".getBytes(StandardCharsets.US_ASCII);
      Signature signer = Signature.getInstance("SHA256withECDSA");
      signer.initSign(privateKey);
      signer.update(probe);
      byte[] signature = signer.sign();
      Signature verifier = Signature.getInstance("SHA256withECDSA");
      verifier.initVerify(publicKey);
      verifier.update(probe);
      return verifier.verify(signature);
    } catch (GeneralSecurityException | RuntimeException e) {
      return false;
    }
  }

  private static Set<String> namesOf(X509Certificate certificate) {
    Set<String> names = new HashSet<>();
    try {
      var alternatives = certificate.getSubjectAlternativeNames();
      if (alternatives != null) {
        for (List<?> name : alternatives) {
          if (Integer.valueOf(2).equals(name.get(0))) {
            names.add((String) name.get(1));
          }
        }
      }
    } catch (CertificateParsingException e) {
      return Set.of();
    }
    return names;
  }
}
