package io.secretsstore.controller.certificates;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.StringReader;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.PrivateKey;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.openssl.jcajce.JcaPKCS8Generator;

/** PEM in and out. Reading is lenient (empty on garbage): a damaged Secret is re-issued. */
final class Pem {

  private Pem() {}

  static String write(Object... objects) {
    StringWriter out = new StringWriter();
    try (JcaPEMWriter writer = new JcaPEMWriter(out)) {
      for (Object object : objects) {
        writer.writeObject(
            object instanceof PrivateKey key
                ? new JcaPKCS8Generator(key, null).generate()
                : object);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toString();
  }

  static List<X509Certificate> certificates(byte[] pem) {
    if (pem == null) {
      return List.of();
    }
    try {
      List<X509Certificate> certificates = new ArrayList<>();
      for (var certificate :
          CertificateFactory.getInstance("X.509")
              .generateCertificates(new ByteArrayInputStream(pem))) {
        certificates.add((X509Certificate) certificate);
      }
      return certificates;
    } catch (CertificateException | RuntimeException e) {
      return List.of();
    }
  }

  static Optional<PrivateKey> privateKey(byte[] pem) {
    if (pem == null) {
      return Optional.empty();
    }
    try (PEMParser parser =
        new PEMParser(new StringReader(new String(pem, StandardCharsets.US_ASCII)))) {
      Object object = parser.readObject();
      JcaPEMKeyConverter converter = new JcaPEMKeyConverter();
      return switch (object) {
        case PrivateKeyInfo info -> Optional.of(converter.getPrivateKey(info));
        case PEMKeyPair pair -> Optional.of(converter.getKeyPair(pair).getPrivate());
        case null, default -> Optional.empty();
      };
    } catch (IOException | RuntimeException e) {
      return Optional.empty();
    }
  }
}
