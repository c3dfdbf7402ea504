// The module's cryptography, behind one narrow interface: protocol code (EDHOC, OSCORE, EST) imports only
// this file, never the algorithm files, so a board with hardware crypto can swap an implementation here
// without touching the protocols.
//
// Conventions for everything below: (pointer, length) arguments into linear memory, fixed-size keys and
// outputs written to caller-owned buffers, statuses from assembly/errors.ts. Secrets are handled in
// constant time and the primitives wipe their own intermediates; callers wipe the keys they own.
// Randomness comes only from the HMAC-DRBG (randomBytes), never from the board directly.

// Hashes, MACs, key derivation (FIPS 180-4, RFC 2104, RFC 5869)
export { Sha256, sha256, SHA256_SIZE } from "./sha256";
export { Sha512, sha512 } from "./sha512";
export { HmacSha256, hmacSha256, HMAC_SHA256_SIZE } from "./hmac";
export { hkdfExtract, hkdfExpand } from "./hkdf";

// AEAD: AES-CCM (RFC 3610); COSE alg 10 = AES-CCM-16-64-128 is tag 8, nonce 13
export { aesCcmSeal, aesCcmOpen } from "./ccm";

// Key agreement and signatures
export { x25519, x25519Base } from "./x25519";
export { ed25519PublicKey, ed25519Sign, ed25519Verify } from "./ed25519";
export {
  p256PublicKey, p256ValidatePublic, p256Decompress, p256Ecdh, p256KeyFromSeed,
  p256SignDigest, p256SignDigestHedged, p256VerifyDigest,
} from "./p256";

// Random numbers (NIST SP 800-90A HMAC-DRBG seeded from the board)
export { drbgSeedFromBoard, randomBytes, drbgReseed, drbgWipe, drbgReady } from "./drbg";

// Constant-time helpers
export { ctEqual, wipe } from "./ct";
