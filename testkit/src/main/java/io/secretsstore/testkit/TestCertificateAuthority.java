package io.secretsstore.testkit;

import java.io.IOException;
import java.io.StringWriter;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.operator.ContentSigner;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/** A throw-away certificate authority for TLS tests. */
public final class TestCertificateAuthority {

  /** A certificate with its key, as PEM. */
  public record IssuedCertificate(
      X509Certificate certificate, String certificatePem, String privateKeyPem) {
    /** Writes {@code <name>.pem} and {@code <name>-key.pem} into {@code dir}. */
    public OpenBaoServer.TlsListener writeTo(Path dir, String name) {
      try {
        Files.createDirectories(dir);
        Path cert = dir.resolve(name + ".pem");
        Path key = dir.resolve(name + "-key.pem");
        Files.writeString(cert, certificatePem);
        Files.writeString(key, privateKeyPem);
        return new OpenBaoServer.TlsListener(cert, key);
      } catch (IOException e) {
        throw new IllegalStateException(e);
      }
    }
  }

  private final KeyPair caKey;
  private final X500Name caName;
  private final X509Certificate caCertificate;

  public TestCertificateAuthority(String commonName) {
    this.caKey = RsaKeys.generate();
    this.caName = new X500Name("CN=" + commonName);
    try {
      X509v3CertificateBuilder builder =
          new JcaX509v3CertificateBuilder(
              caName,
              serial(),
              notBefore(),
              notAfter(Duration.ofDays(2)),
              caName,
              caKey.getPublic());
      builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(true));
      builder.addExtension(
          Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
      this.caCertificate = sign(builder);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  public X509Certificate certificate() {
    return caCertificate;
  }

  public String certificatePem() {
    return pem(caCertificate);
  }

  /** A server certificate for the given DNS names and IP addresses. */
  public IssuedCertificate issueServer(
      List<String> dnsNames, List<String> ipAddresses, Duration validity) {
    KeyPair key = RsaKeys.generate();
    String commonName = dnsNames.isEmpty() ? ipAddresses.getFirst() : dnsNames.getFirst();
    try {
      X509v3CertificateBuilder builder =
          new JcaX509v3CertificateBuilder(
              caName,
              serial(),
              notBefore(),
              notAfter(validity),
              new X500Name("CN=" + commonName),
              key.getPublic());
      List<GeneralName> names = new ArrayList<>();
      dnsNames.forEach(name -> names.add(new GeneralName(GeneralName.dNSName, name)));
      ipAddresses.forEach(ip -> names.add(new GeneralName(GeneralName.iPAddress, ip)));
      builder.addExtension(
          Extension.subjectAlternativeName,
          false,
          new GeneralNames(names.toArray(GeneralName[]::new)));
      builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
      X509Certificate certificate = sign(builder);
      return new IssuedCertificate(certificate, pem(certificate), pem(key.getPrivate()));
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  /** A server certificate for {@code localhost} and {@code 127.0.0.1}, valid for a day. */
  public IssuedCertificate issueLoopbackServer() {
    return issueServer(List.of("localhost"), List.of("127.0.0.1"), Duration.ofDays(1));
  }

  private X509Certificate sign(X509v3CertificateBuilder builder) {
    try {
      ContentSigner signer = new JcaContentSignerBuilder("SHA256withRSA").build(caKey.getPrivate());
      return new JcaX509CertificateConverter().getCertificate(builder.build(signer));
    } catch (OperatorCreationException | GeneralSecurityException e) {
      throw new IllegalStateException("cannot sign a test certificate", e);
    }
  }

  private static String pem(Object object) {
    StringWriter out = new StringWriter();
    try (JcaPEMWriter writer = new JcaPEMWriter(out)) {
      writer.writeObject(object);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
    return out.toString();
  }

  private static BigInteger serial() {
    return new BigInteger(64, new SecureRandom());
  }

  private static Date notBefore() {
    return Date.from(Instant.now().minus(Duration.ofMinutes(5)));
  }

  private static Date notAfter(Duration validity) {
    return Date.from(Instant.now().plus(validity));
  }
}
