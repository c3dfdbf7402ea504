// The BouncyCastle 1.87 side of the C509 interop tests (test/c509-bc.test.ts): an independent implementation
// that parses, verifies, issues and converts C509 certificates and CSRs with org.bouncycastle.cbor.c509 and
// org.bouncycastle.cert.c509, driven by one request per line on standard input and answering one line each:
//
//   ok key=value ...      (binary values in hex; text values with spaces escaped as %20)
//   err Class: message
//
// Requests (hex arguments unless noted):
//   cert-parse C509            the certificate's fields, BouncyCastle's re-encoding and its signed bytes
//   cert-verify C509 SPKI      whether the signature verifies with the issuer key (DER SubjectPublicKeyInfo)
//   csr-parse C509CSR          the request's fields, re-encoding, signed bytes and signature value (in its
//                              X.509 form: DER ECDSA-Sig-Value, DER DhSigStatic, or the raw bytes)
//   csr-verify C509CSR         whether a signature proof of possession verifies with the request's own key
//   csr-dhpop C509CSR Y GY     whether a DH proof of possession (algorithm 14, keyed as docs/dh-pop.md) verifies,
//                              computed here with BouncyCastle's ECDH / X25519, HKDF and HMAC: Y is the
//                              recipient's private key (32 bytes), GY its public key (32 bytes)
//   csr-build PKCS8 CN DNS     a natively signed CSR from C509CertificationRequestBuilder (DNS "-" for none)
//   ca2 PKCS8 CN               a self-signed natively signed CA certificate (C509CertificateBuilder)
//   issue2 CSR PKCS8 CA SERIAL NOTBEFORE NOTAFTER   a natively signed certificate for a C509 CSR (CA: C509
//                              issuer certificate), times in epoch seconds (decimal)
//   issue3 CSR PKCS8 CADER SERIAL NOTBEFORE NOTAFTER  an X.509 certificate for the CSR, converted to type 3
//   x509-to-c509 DER | c509-to-x509 C509 | csr-to-c509 DER | c509-to-csr C509CSR
//   pem-to-c509 PATH (text) | c509-to-pem C509 PATH (text)
//   cose-c509 C509 [C509...]   COSEC509.encode of the certificates
//   media-types                the C509MediaTypes constants
//
// Deliberately not here: anything the tests do not drive; no network, no files but the PEM paths given.
import java.io.BufferedReader;
import java.io.FileReader;
import java.io.FileWriter;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.PrivateKey;
import java.security.Security;
import java.util.Date;

import org.bouncycastle.asn1.ASN1Encoding;
import org.bouncycastle.asn1.DERIA5String;
import org.bouncycastle.asn1.pkcs.CertificationRequest;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.X500NameBuilder;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.Certificate;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.Extensions;
import org.bouncycastle.asn1.x509.ExtensionsGenerator;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;
import org.bouncycastle.cbor.c509.C509Attribute;
import org.bouncycastle.cbor.c509.C509Certificate;
import org.bouncycastle.cbor.c509.C509CertificationRequest;
import org.bouncycastle.cbor.c509.C509MediaTypes;
import org.bouncycastle.cbor.c509.COSEC509;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.c509.C509CertificateBuilder;
import org.bouncycastle.cert.c509.C509CertificateHolder;
import org.bouncycastle.cert.c509.C509CertificationRequestBuilder;
import org.bouncycastle.cert.c509.C509CertificationRequestHolder;
import org.bouncycastle.cert.c509.jcajce.JcaC509ContentVerifierProviderBuilder;
import org.bouncycastle.crypto.agreement.ECDHBasicAgreement;
import org.bouncycastle.crypto.agreement.X25519Agreement;
import org.bouncycastle.crypto.digests.SHA256Digest;
import org.bouncycastle.crypto.generators.HKDFBytesGenerator;
import org.bouncycastle.crypto.macs.HMac;
import org.bouncycastle.crypto.params.ECDomainParameters;
import org.bouncycastle.crypto.params.ECPrivateKeyParameters;
import org.bouncycastle.crypto.params.ECPublicKeyParameters;
import org.bouncycastle.crypto.params.HKDFParameters;
import org.bouncycastle.crypto.params.KeyParameter;
import org.bouncycastle.crypto.params.X25519PrivateKeyParameters;
import org.bouncycastle.crypto.params.X25519PublicKeyParameters;
import org.bouncycastle.asn1.x9.ECNamedCurveTable;
import org.bouncycastle.asn1.x9.X9ECParameters;
import org.bouncycastle.jce.provider.BouncyCastleProvider;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;
import org.bouncycastle.operator.ContentSigner;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.util.Arrays;
import org.bouncycastle.util.BigIntegers;
import org.bouncycastle.util.encoders.Base64;
import org.bouncycastle.util.encoders.Hex;

public final class C509Bc {
    private static final PrintStream OUT = new PrintStream(System.out, true, StandardCharsets.UTF_8);

    public static void main(String[] args) throws Exception {
        Security.addProvider(new BouncyCastleProvider());
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        String line;
        while ((line = in.readLine()) != null) {
            line = line.trim();
            if (line.isEmpty()) continue;
            String[] a = line.split(" ");
            try {
                OUT.println("ok" + run(a));
            } catch (Exception e) {
                String m = String.valueOf(e.getMessage()).replace('\n', ' ');
                OUT.println("err " + e.getClass().getSimpleName() + ": " + m);
            }
        }
    }

    private static byte[] h(String s) { return Hex.decode(s); }
    private static String hx(byte[] b) { return Hex.toHexString(b); }
    private static String txt(Object o) { return String.valueOf(o).replace("%", "%25").replace(" ", "%20"); }

    private static String run(String[] a) throws Exception {
        switch (a[0]) {
            case "cert-parse": {
                C509CertificateHolder c = new C509CertificateHolder(h(a[1]));
                C509Certificate x = c.getC509Certificate();
                return " type=" + c.getCertificateType() + " serial=" + c.getSerialNumber().toString(16)
                    + " issuer=" + txt(c.getIssuer()) + " subject=" + txt(c.getSubject())
                    + " notBefore=" + x.getNotBefore() + " notAfter=" + x.getNotAfter()
                    + " sigalg=" + x.getIssuerSignatureAlgorithm().getRegistryValue()
                    + " selfIssued=" + x.isSelfIssued()
                    + " spki=" + hx(c.getSubjectPublicKeyInfo().getEncoded(ASN1Encoding.DER))
                    + " extensions=" + (c.getExtensions() == null ? "-" : hx(c.getExtensions().getEncoded(ASN1Encoding.DER)))
                    + " encoded=" + hx(c.getEncoded()) + " signed=" + hx(c.getSignedBytes());
            }
            case "cert-verify": {
                C509CertificateHolder c = new C509CertificateHolder(h(a[1]));
                SubjectPublicKeyInfo key = SubjectPublicKeyInfo.getInstance(h(a[2]));
                return " valid=" + c.isSignatureValid(new JcaC509ContentVerifierProviderBuilder().setProvider("BC").build(key));
            }
            case "csr-parse": {
                C509CertificationRequestHolder r = new C509CertificationRequestHolder(h(a[1]));
                C509CertificationRequest x = r.getC509CertificationRequest();
                StringBuilder attrs = new StringBuilder();
                for (C509Attribute at : r.getAttributes()) attrs.append(at.getRegistryValue()).append(',');
                return " type=" + r.getRequestType() + " sigalg=" + x.getSubjectSignatureAlgorithm().getRegistryValue()
                    + " subject=" + txt(r.getSubject()) + " spki=" + hx(r.getSubjectPublicKeyInfo().getEncoded(ASN1Encoding.DER))
                    + " attributes=" + (attrs.length() == 0 ? "-" : attrs) + " encoded=" + hx(r.getEncoded())
                    + " signed=" + hx(r.getSignedBytes()) + " signature=" + hx(x.getSignature());
            }
            case "csr-verify": {
                C509CertificationRequestHolder r = new C509CertificationRequestHolder(h(a[1]));
                return " valid=" + r.isSignatureValid(new JcaC509ContentVerifierProviderBuilder().setProvider("BC").build(r.getSubjectPublicKeyInfo()));
            }
            case "csr-dhpop": return " valid=" + dhPop(h(a[1]), h(a[2]), h(a[3]));
            case "csr-build": {
                PrivateKey key = privateKey(h(a[1]));
                SubjectPublicKeyInfo spki = publicOf(h(a[1]));
                ExtensionsGenerator g = new ExtensionsGenerator();
                g.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature));
                if (!a[3].equals("-")) g.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(new GeneralName(GeneralName.dNSName, new DERIA5String(a[3]))));
                C509CertificationRequestHolder r = new C509CertificationRequestBuilder(cn(a[2]), spki).setExtensionRequest(g.generate()).build(signer(key));
                return " encoded=" + hx(r.getEncoded());
            }
            case "ca2": {
                PrivateKey key = privateKey(h(a[1]));
                X500Name name = cn(a[2]);
                long now = System.currentTimeMillis() / 1000 * 1000;
                C509CertificateBuilder b = new C509CertificateBuilder(name, BigInteger.ONE, new Date(now - 60000), new Date(now + 3650L * 86400000), name, publicOf(h(a[1])));
                b.addExtension(Extension.basicConstraints, true, new BasicConstraints(true));
                b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
                return " encoded=" + hx(b.build(signer(key)).getEncoded());
            }
            case "issue2": {
                C509CertificationRequestHolder r = new C509CertificationRequestHolder(h(a[1]));
                C509CertificateHolder ca = new C509CertificateHolder(h(a[3]));
                C509CertificateBuilder b = new C509CertificateBuilder(ca.getSubject(), new BigInteger(1, h(a[4])),
                    new Date(Long.parseLong(a[5]) * 1000), new Date(Long.parseLong(a[6]) * 1000), r.getSubject(), r.getSubjectPublicKeyInfo());
                b.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
                copyRequested(r, b, null);
                return " encoded=" + hx(b.build(signer(privateKey(h(a[2])))).getEncoded());
            }
            case "issue3": {
                C509CertificationRequestHolder r = new C509CertificationRequestHolder(h(a[1]));
                X509CertificateHolder ca = new X509CertificateHolder(h(a[3]));
                X509v3CertificateBuilder b = new X509v3CertificateBuilder(ca.getSubject(), new BigInteger(1, h(a[4])),
                    new Date(Long.parseLong(a[5]) * 1000), new Date(Long.parseLong(a[6]) * 1000), r.getSubject(), r.getSubjectPublicKeyInfo());
                b.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
                copyRequested(r, null, b);
                byte[] der = b.build(signer(privateKey(h(a[2])))).getEncoded();
                return " der=" + hx(der) + " encoded=" + hx(C509Certificate.fromX509Certificate(der).getEncoded());
            }
            case "x509-to-c509": return " encoded=" + hx(C509Certificate.fromX509Certificate(h(a[1])).getEncoded());
            case "c509-to-x509": return " der=" + hx(C509Certificate.getInstance(h(a[1])).toX509Certificate().getEncoded(ASN1Encoding.DER));
            case "csr-to-c509": return " encoded=" + hx(C509CertificationRequest.fromCertificationRequest(h(a[1])).getEncoded());
            case "c509-to-csr": return " der=" + hx(C509CertificationRequest.getInstance(h(a[1])).toCertificationRequest().getEncoded(ASN1Encoding.DER));
            case "pem-to-c509": {
                try (PEMParser p = new PEMParser(new FileReader(a[1], StandardCharsets.US_ASCII))) {
                    X509CertificateHolder x = (X509CertificateHolder) p.readObject();
                    return " encoded=" + hx(C509Certificate.fromX509Certificate(x.toASN1Structure(), org.bouncycastle.cbor.c509.C509ConversionOptions.DEFAULT).getEncoded());
                }
            }
            case "c509-to-pem": {
                byte[] der = C509Certificate.getInstance(h(a[1])).toX509Certificate().getEncoded(ASN1Encoding.DER);
                try (FileWriter w = new FileWriter(a[2], StandardCharsets.US_ASCII)) {
                    w.write("-----BEGIN CERTIFICATE-----\n");
                    String b64 = Base64.toBase64String(der);
                    for (int i = 0; i < b64.length(); i += 64) w.write(b64.substring(i, Math.min(b64.length(), i + 64)) + "\n");
                    w.write("-----END CERTIFICATE-----\n");
                }
                return " written=" + a[2];
            }
            case "cose-c509": {
                C509Certificate[] certs = new C509Certificate[a.length - 1];
                for (int i = 1; i < a.length; i++) certs[i - 1] = C509Certificate.getInstance(h(a[i]));
                return " encoded=" + hx(COSEC509.encode(certs));
            }
            case "media-types":
                return " certificate=" + C509MediaTypes.CERTIFICATE + " cose-c509=" + C509MediaTypes.COSE_C509
                    + " pkcs10=" + C509MediaTypes.CERTIFICATION_REQUEST + " crtemplate=" + C509MediaTypes.CERTIFICATION_REQUEST_TEMPLATE
                    + " privkey=" + C509MediaTypes.PRIVATE_KEY + " pem=" + C509MediaTypes.PEM;
            default:
                throw new IllegalArgumentException("unknown request " + a[0]);
        }
    }

    /** The extensions the CSR asks for, added to a C509 or an X.509 builder. */
    private static void copyRequested(C509CertificationRequestHolder r, C509CertificateBuilder c, X509v3CertificateBuilder x) throws Exception {
        for (C509Attribute at : r.getAttributes()) {
            if (at.getRegistryValue() == null || at.getRegistryValue() != C509Attribute.EXTENSION_REQUEST) continue;
            // BouncyCastle's own parser of a C509 Extensions value is package-private (C509Extensions.parse);
            // a natively signed CSR has no DER form to take the extensions from instead.
            java.lang.reflect.Method parse = org.bouncycastle.cbor.c509.C509Extensions.class.getDeclaredMethod("parse", org.bouncycastle.cbor.CBORDecoder.class);
            parse.setAccessible(true);
            org.bouncycastle.cbor.c509.C509Extensions ce = (org.bouncycastle.cbor.c509.C509Extensions) parse.invoke(null, new org.bouncycastle.cbor.CBORDecoder(at.getValueEncoding()));
            Extensions exts = ce.toX509Extensions();
            if (exts == null) continue;
            for (org.bouncycastle.asn1.ASN1ObjectIdentifier oid : exts.getExtensionOIDs()) {
                Extension e = exts.getExtension(oid);
                if (c != null) c.addExtension(oid, e.isCritical(), e.getExtnValue().getOctets());
                else x.addExtension(oid, e.isCritical(), e.getExtnValue().getOctets());
            }
        }
    }

    /** docs/dh-pop.md: ZZ = ECDH(y, subject key), K = HKDF-SHA-256(IKM ZZ, info label || G_Y), MAC = HMAC(K, signed bytes). */
    private static boolean dhPop(byte[] csr, byte[] y, byte[] gY) throws Exception {
        C509CertificationRequestHolder r = new C509CertificationRequestHolder(csr);
        C509CertificationRequest x = r.getC509CertificationRequest();
        Integer alg = x.getSubjectSignatureAlgorithm().getRegistryValue();
        if (alg == null || alg != 14) throw new IllegalArgumentException("not a DH PoP request (algorithm " + alg + ")");
        SubjectPublicKeyInfo spki = r.getSubjectPublicKeyInfo();
        byte[] zz;
        String algOid = spki.getAlgorithm().getAlgorithm().getId();
        if (algOid.equals("1.3.101.110")) {
            X25519Agreement ag = new X25519Agreement();
            ag.init(new X25519PrivateKeyParameters(y, 0));
            zz = new byte[32];
            ag.calculateAgreement(new X25519PublicKeyParameters(spki.getPublicKeyData().getBytes(), 0), zz, 0);
        } else {
            X9ECParameters p = ECNamedCurveTable.getByName("P-256");
            ECDomainParameters d = new ECDomainParameters(p.getCurve(), p.getG(), p.getN(), p.getH());
            ECDHBasicAgreement ag = new ECDHBasicAgreement();
            ag.init(new ECPrivateKeyParameters(new BigInteger(1, y), d));
            zz = BigIntegers.asUnsignedByteArray(32, ag.calculateAgreement(new ECPublicKeyParameters(p.getCurve().decodePoint(spki.getPublicKeyData().getBytes()), d)));
        }
        byte[] label = "EST-oscore DH-PoP v1".getBytes(StandardCharsets.US_ASCII);
        HKDFBytesGenerator hkdf = new HKDFBytesGenerator(new SHA256Digest());
        hkdf.init(new HKDFParameters(zz, null, Arrays.concatenate(label, gY)));
        byte[] k = new byte[32];
        hkdf.generateBytes(k, 0, 32);
        HMac mac = new HMac(new SHA256Digest());
        mac.init(new KeyParameter(k));
        byte[] data = r.getSignedBytes();
        mac.update(data, 0, data.length);
        byte[] out = new byte[32];
        mac.doFinal(out, 0);
        // BouncyCastle hands the PoP value over in its X.509 form, the DER DhSigStatic
        // SEQUENCE { [issuerAndSerial,] hashValue OCTET STRING }: the MAC is its last element.
        org.bouncycastle.asn1.ASN1Sequence dh = org.bouncycastle.asn1.ASN1Sequence.getInstance(x.getSignature());
        byte[] got = org.bouncycastle.asn1.ASN1OctetString.getInstance(dh.getObjectAt(dh.size() - 1)).getOctets();
        return Arrays.constantTimeAreEqual(out, got);
    }

    private static X500Name cn(String s) { return new X500NameBuilder(BCStyle.INSTANCE).addRDN(BCStyle.CN, s).build(); }

    private static PrivateKey privateKey(byte[] pkcs8) throws Exception {
        return new JcaPEMKeyConverter().setProvider("BC").getPrivateKey(PrivateKeyInfo.getInstance(pkcs8));
    }

    private static SubjectPublicKeyInfo publicOf(byte[] pkcs8) throws Exception {
        PrivateKey k = privateKey(pkcs8);
        java.security.KeyFactory f = java.security.KeyFactory.getInstance(k.getAlgorithm(), "BC");
        java.security.PublicKey pub;
        if (k instanceof org.bouncycastle.jce.interfaces.ECPrivateKey) {
            org.bouncycastle.jce.interfaces.ECPrivateKey ec = (org.bouncycastle.jce.interfaces.ECPrivateKey) k;
            org.bouncycastle.jce.spec.ECParameterSpec ps = ec.getParameters();
            pub = f.generatePublic(new org.bouncycastle.jce.spec.ECPublicKeySpec(ps.getG().multiply(ec.getD()).normalize(), ps));
        } else {
            byte[] raw = org.bouncycastle.crypto.util.PrivateKeyFactory.createKey(pkcs8) instanceof org.bouncycastle.crypto.params.Ed25519PrivateKeyParameters
                ? ((org.bouncycastle.crypto.params.Ed25519PrivateKeyParameters) org.bouncycastle.crypto.util.PrivateKeyFactory.createKey(pkcs8)).generatePublicKey().getEncoded()
                : null;
            if (raw == null) throw new IllegalArgumentException("unsupported key");
            return new SubjectPublicKeyInfo(new org.bouncycastle.asn1.x509.AlgorithmIdentifier(org.bouncycastle.asn1.edec.EdECObjectIdentifiers.id_Ed25519), raw);
        }
        return SubjectPublicKeyInfo.getInstance(pub.getEncoded());
    }

    private static ContentSigner signer(PrivateKey k) throws Exception {
        String alg = k.getAlgorithm().startsWith("Ed") ? "Ed25519" : "SHA256withECDSA";
        return new JcaContentSignerBuilder(alg).setProvider("BC").build(k);
    }
}
