// The C509 library (draft-ietf-cose-cbor-encoded-cert; text in ../shared/specs/c509-draft-latest.md):
// certificates (cert.ts), certification requests (csr.ts), the static-DH proof of possession (dh-pop.ts), and
// the layers under them (cbor.ts, der.ts, name.ts, extensions.ts, keys.ts, registry.ts). docs/c509.md
// describes what is covered, the choices made where the draft leaves room, and how BouncyCastle differs.
//
// Deliberately not here: COSE header parameters (c5b/c5c/c5t/c5u), private-key and PEM structures, the
// certification request template, and path validation.
export * from "./cbor.js";
export * from "./cert.js";
export * from "./csr.js";
export * from "./dh-pop.js";
export { nameFromDer, nameToDer, nameToString, cnName, specialText, checkName } from "./name.js";
export { extensionsFromX509, extensionsToX509, extensionsDer, extensionsFromDer, keyUsageOf, basicConstraintsOf, dnsNamesOf, type X509Extension } from "./extensions.js";
export { algEntry, algFromDer, algToDer, publicKeyFromSpki, publicKeyToSpki, publicKeyObject, signatureFromDer, signatureToDer } from "./keys.js";
export { EXT } from "./registry.js";
