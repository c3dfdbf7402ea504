// COSE numbers (IANA "CBOR Object Signing and Encryption" registries) the client uses: algorithm ids, header
// labels, key and curve labels, and the CWT claims of a CCS. Each with the section that defines it.
//
// Deliberately not here: algorithms the client does not implement (listed only where a peer may name them).

// ---- Algorithms ---------------------------------------------------------------------------------------------
export const COSE_ALG_A128GCM: i32 = 1; // RFC 9053 §4.1
export const COSE_ALG_A256GCM: i32 = 3; // RFC 9053 §4.1
export const COSE_ALG_HMAC_256_256: i32 = 5; // HMAC w/ SHA-256, 256-bit tag (RFC 9053 §3.1)
export const COSE_ALG_AES_CCM_16_64_128: i32 = 10; // 13-byte nonce, 8-byte tag, 128-bit key (RFC 9053 §4.2)
export const COSE_ALG_CHACHA20_POLY1305: i32 = 24; // RFC 9053 §4.3
export const COSE_ALG_AES_CCM_16_128_128: i32 = 30; // 13-byte nonce, 16-byte tag, 128-bit key (RFC 9053 §4.2)
export const COSE_ALG_ES256: i32 = -7; // ECDSA w/ SHA-256 (RFC 9053 §2.1)
export const COSE_ALG_EDDSA: i32 = -8; // RFC 9053 §2.2
export const COSE_ALG_SHA_256: i32 = -16; // RFC 9054 §2
export const COSE_ALG_ECDH_ES_HKDF_256: i32 = -25; // RFC 9053 §6.3.1
export const COSE_ALG_ECDH_ES_HKDF_512: i32 = -26; // RFC 9053 §6.3.1
export const COSE_ALG_ECDH_SS_HKDF_256: i32 = -27; // RFC 9053 §6.3.1
export const COSE_ALG_ECDH_SS_HKDF_512: i32 = -28; // RFC 9053 §6.3.1
export const COSE_ALG_SHA_384: i32 = -43; // RFC 9054 §2

// ---- Header parameter labels (RFC 9052 §3.1 unless noted) ----------------------------------------------------
export const COSE_HDR_ALG: i32 = 1;
export const COSE_HDR_CRIT: i32 = 2;
export const COSE_HDR_CONTENT_TYPE: i32 = 3;
export const COSE_HDR_KID: i32 = 4;
export const COSE_HDR_IV: i32 = 5;
export const COSE_HDR_PARTIAL_IV: i32 = 6;
export const COSE_HDR_KCWT: i32 = 13; // a CWT carrying the key (defined and registered by RFC 9528, §10)
export const COSE_HDR_KCCS: i32 = 14; // a CWT Claims Set carrying the key (defined and registered by RFC 9528, §10)
export const COSE_HDR_X5BAG: i32 = 32; // RFC 9360 §2
export const COSE_HDR_X5CHAIN: i32 = 33; // RFC 9360 §2
export const COSE_HDR_X5T: i32 = 34; // RFC 9360 §2
export const COSE_HDR_X5U: i32 = 35; // RFC 9360 §2

// ---- COSE_Key (RFC 9052 §7.1; key type parameters RFC 9053 §7) ----------------------------------------
export const COSE_KEY_KTY: i32 = 1;
export const COSE_KEY_KID: i32 = 2;
export const COSE_KEY_ALG: i32 = 3;
export const COSE_KEY_CRV: i32 = -1; // EC2 and OKP (RFC 9053 §7)
export const COSE_KEY_X: i32 = -2;
export const COSE_KEY_Y: i32 = -3; // EC2 only
export const COSE_KEY_D: i32 = -4;
export const COSE_KTY_OKP: i32 = 1; // RFC 9053 §7
export const COSE_KTY_EC2: i32 = 2; // RFC 9053 §7
export const COSE_KTY_SYMMETRIC: i32 = 4; // RFC 9053 §7
export const COSE_CRV_P256: i32 = 1; // curves: RFC 9053 §7
export const COSE_CRV_P384: i32 = 2;
export const COSE_CRV_X25519: i32 = 4;
export const COSE_CRV_X448: i32 = 5;
export const COSE_CRV_ED25519: i32 = 6;
export const COSE_CRV_ED448: i32 = 7;

// ---- CWT claims used in a CCS (RFC 8392 §3.1, RFC 8747 §3.1) -------------------------------------------------
export const CWT_ISS: i32 = 1; // RFC 8392 §3.1.1
export const CWT_SUB: i32 = 2; // RFC 8392 §3.1.2
export const CWT_CNF: i32 = 8; // RFC 8747 §3.1
export const CWT_CNF_COSE_KEY: i32 = 1; // inside cnf (RFC 8747 §3.2)
