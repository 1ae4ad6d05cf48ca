package io.secretsstore.controller.certificates;

import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.X500NameBuilder;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/** Issues the webhook's CA and serving certificates (EC P-256, SHA-256). */
final class CertificateIssuer {

  /** A certificate with its key. */
  record Issued(X509Certificate certificate, PrivateKey key) {}

  /** Back-dated so that clocks a little behind ours accept a fresh certificate. */
  private static final Duration CLOCK_SKEW = Duration.ofMinutes(5);

  private static final SecureRandom RANDOM = new SecureRandom();

  private CertificateIssuer() {}

  static Issued certificateAuthority(String commonName, Instant now, Duration validity) {
    KeyPair keys = newKeyPair();
    X500Name subject = commonName(commonName);
    try {
      JcaX509ExtensionUtils extensions = new JcaX509ExtensionUtils();
      X509v3CertificateBuilder builder =
          new JcaX509v3CertificateBuilder(
                  subject,
                  serial(),
                  from(now),
                  Date.from(now.plus(validity)),
                  subject,
                  keys.getPublic())
              .addExtension(Extension.basicConstraints, true, new BasicConstraints(0))
              .addExtension(
                  Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign))
              .addExtension(
                  Extension.subjectKeyIdentifier,
                  false,
                  extensions.createSubjectKeyIdentifier(keys.getPublic()));
      return new Issued(sign(builder, keys.getPrivate()), keys.getPrivate());
    } catch (GeneralSecurityException | java.io.IOException e) {
      throw new IllegalStateException("cannot issue the webhook CA", e);
    }
  }

  static Issued servingCertificate(
      Issued ca, List<String> dnsNames, Instant now, Duration validity) {
    KeyPair keys = newKeyPair();
    try {
      JcaX509ExtensionUtils extensions = new JcaX509ExtensionUtils();
      GeneralName[] names =
          dnsNames.stream()
              .map(n -> new GeneralName(GeneralName.dNSName, n))
              .toArray(GeneralName[]::new);
      X509v3CertificateBuilder builder =
          new JcaX509v3CertificateBuilder(
                  ca.certificate(),
                  serial(),
                  from(now),
                  Date.from(now.plus(validity)),
                  commonName(dnsNames.getFirst()),
                  keys.getPublic())
              .addExtension(Extension.basicConstraints, true, new BasicConstraints(false))
              .addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature))
              .addExtension(
                  Extension.extendedKeyUsage,
                  false,
                  new ExtendedKeyUsage(KeyPurposeId.id_kp_serverAuth))
              .addExtension(Extension.subjectAlternativeName, false, new GeneralNames(names))
              .addExtension(
                  Extension.authorityKeyIdentifier,
                  false,
                  extensions.createAuthorityKeyIdentifier(ca.certificate()));
      return new Issued(sign(builder, ca.key()), keys.getPrivate());
    } catch (GeneralSecurityException | java.io.IOException e) {
      throw new IllegalStateException("cannot issue the webhook serving certificate", e);
    }
  }

  /** Built, not parsed: a name is never read as a distinguished-name string. */
  private static X500Name commonName(String name) {
    return new X500NameBuilder(BCStyle.INSTANCE).addRDN(BCStyle.CN, name).build();
  }

  private static X509Certificate sign(X509v3CertificateBuilder builder, PrivateKey signer)
      throws GeneralSecurityException {
    try {
      return new JcaX509CertificateConverter()
          .getCertificate(
              builder.build(new JcaContentSignerBuilder("SHA256withECDSA").build(signer)));
    } catch (OperatorCreationException e) {
      throw new GeneralSecurityException(e);
    }
  }

  private static KeyPair newKeyPair() {
    try {
      KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
      generator.initialize(new ECGenParameterSpec("secp256r1"), RANDOM);
      return generator.generateKeyPair();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("no EC P-256 key generator", e);
    }
  }

  private static Date from(Instant now) {
    return Date.from(now.minus(CLOCK_SKEW));
  }

  private static BigInteger serial() {
    return new BigInteger(127, RANDOM);
  }
}
