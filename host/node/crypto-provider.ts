// The "crypto" import module on the Node host (host/include/est_crypto.h): the same imports est-sim serves
// with mbedTLS (host/crypto/psa_provider.c), served here by node:crypto (OpenSSL), with the same range checks
// as host/est_crypto_imports.c, the same handle numbers, the same statuses and the same key records in the
// board's key store, so one key-store file serves both hosts.
//
// node:crypto does SHA-256, HMAC, AES-128-CCM, P-256 ECDH and point decoding, X25519 and Ed25519. It signs and
// verifies only whole messages (it hashes them itself), while the ABI hands ES256 the digest: ECDSA on a given
// digest is @noble/curves' (randomized nonces, like mbedTLS's p256-m). HKDF is written out over HMAC here,
// because node's hkdf limits info to 1024 bytes and the ABI does not.
//
// Deliberately not here: anything the C provider would answer differently, except that this provider has
// Ed25519 (caps() says so; the C provider answers E_UNSUPPORTED for it).
import {
  createCipheriv, createDecipheriv, createECDH, createHash, createHmac, createPrivateKey, createPublicKey,
  diffieHellman, ECDH, generateKeyPairSync, sign as nodeSign, verify as nodeVerify, type Hash, type KeyObject,
} from "node:crypto";
import { p256 } from "@noble/curves/nist.js";
import { ed25519 } from "@noble/curves/ed25519.js";
import {
  CRYPTO_CAP, CRYPTO_KEY, CRYPTO_KEY_MAX_ID, CRYPTO_KEY_RECORD_BASE, CRYPTO_KEY_RECORD_FORMAT, CRYPTO_KEY_RECORD_LEN,
  CRYPTO_MAX_HASH_OPS, CRYPTO_MAX_KEYS, E,
} from "./abi.js";
import type { Board } from "./host.js";

/** Order of P-256's base point (FIPS 186-4 D.1.2.3): private scalars are 1..N-1. */
const P256_N = 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n;

// PKCS#8 prefixes for a raw 32-byte private key (RFC 5915 / RFC 8410 structures, DER).
const PKCS8_P256 = Buffer.from("3041020100301306072a8648ce3d020106082a8648ce3d030107042730250201010420", "hex");
const PKCS8_X25519 = Buffer.from("302e020100300506032b656e04220420", "hex");
const PKCS8_ED25519 = Buffer.from("302e020100300506032b657004220420", "hex");
const SPKI_X25519 = Buffer.from("302a300506032b656e032100", "hex");
const SPKI_ED25519 = Buffer.from("302a300506032b6570032100", "hex");

interface KeySlot { used: boolean; gen: number; type: number; id: number; priv: Buffer; pub: Buffer; obj: KeyObject | null }
interface HashSlot { used: boolean; gen: number; h: Hash | null }

const nextGen = (g: number) => (g >= 0x7ffff ? 1 : g + 1);
const handleOf = (slot: number, gen: number) => (gen << 4) | (slot + 1);

/** P-256 point as 65 bytes (x-only: the even root; 33: decompressed; 65: checked), or null when invalid. */
function p256Point(b: Uint8Array): Buffer | null {
  let enc: Buffer;
  if (b.length === 65 && b[0] === 4) enc = Buffer.from(b);
  else if (b.length === 33 && (b[0] === 2 || b[0] === 3)) enc = Buffer.from(b);
  else if (b.length === 32) enc = Buffer.concat([Buffer.from([2]), b]);
  else return null;
  try {
    return ECDH.convertKey(enc, "prime256v1", undefined, undefined, "uncompressed") as Buffer;
  } catch {
    return null;
  }
}

/** The private key as 32 bytes -> public key bytes and a KeyObject, or null for an invalid P-256 scalar. */
function keyFromPrivate(type: number, priv: Buffer): { pub: Buffer; obj: KeyObject | null } | null {
  if (type === CRYPTO_KEY.P256_ECDSA || type === CRYPTO_KEY.P256_DH) {
    const d = BigInt("0x" + priv.toString("hex"));
    if (d === 0n || d >= P256_N) return null;
    const e = createECDH("prime256v1");
    e.setPrivateKey(priv);
    return { pub: e.getPublicKey(), obj: null };
  }
  const pkcs8 = Buffer.concat([type === CRYPTO_KEY.X25519_DH ? PKCS8_X25519 : PKCS8_ED25519, priv]);
  const obj = createPrivateKey({ key: pkcs8, format: "der", type: "pkcs8" });
  const spki = createPublicKey(obj).export({ format: "der", type: "spki" });
  return { pub: Buffer.from(spki.subarray(spki.length - 32)), obj };
}

function newPrivate(type: number): Buffer {
  if (type === CRYPTO_KEY.X25519_DH || type === CRYPTO_KEY.ED25519) {
    const { privateKey } = type === CRYPTO_KEY.X25519_DH ? generateKeyPairSync("x25519") : generateKeyPairSync("ed25519");
    return Buffer.from(privateKey.export({ format: "jwk" }).d!, "base64url");
  }
  const e = createECDH("prime256v1");
  e.generateKeys();
  return Buffer.from(e.getPrivateKey().toString("hex").padStart(64, "0"), "hex");
}

function hmac(key: Uint8Array, data: Uint8Array): Buffer {
  return createHmac("sha256", key).update(data).digest();
}

/** RFC 5869 HKDF-Expand over SHA-256. */
function hkdfExpand(prk: Uint8Array, info: Uint8Array, len: number): Buffer {
  const out = Buffer.alloc(len);
  let t: Buffer = Buffer.alloc(0);
  for (let i = 1, off = 0; off < len; i++) {
    t = hmac(prk, Buffer.concat([t, info, Buffer.from([i])]));
    off += t.copy(out, off);
  }
  return out;
}

const ccmParamsOk = (nonceLen: number, tagLen: number) =>
  nonceLen >= 7 && nonceLen <= 13 && tagLen >= 4 && tagLen <= 16 && tagLen % 2 === 0;

export class CryptoProvider {
  private keys: KeySlot[] = Array.from({ length: CRYPTO_MAX_KEYS }, () => ({ used: false, gen: 0, type: 0, id: 0, priv: Buffer.alloc(0), pub: Buffer.alloc(0), obj: null }));
  private hashes: HashSlot[] = Array.from({ length: CRYPTO_MAX_HASH_OPS }, () => ({ used: false, gen: 0, h: null }));

  /** board: the key store and entropy source; memory: the module's linear memory (read at each call). */
  /** capsMask: the CAP_* bits the module may see (the host's --crypto none passes 0). */
  constructor(private board: Board, private memory: () => Uint8Array, private capsMask = 0xffffffff) {}

  /** Close every handle and abort every operation (persistent keys stay in the store). */
  reset(): void {
    for (const k of this.keys) this.release(k);
    for (const h of this.hashes) { h.used = false; h.h = null; }
  }

  private release(k: KeySlot): void {
    k.priv.fill(0);
    Object.assign(k, { used: false, priv: Buffer.alloc(0), pub: Buffer.alloc(0), obj: null });
  }

  private key(handle: number): KeySlot | null {
    const i = (handle & 15) - 1;
    const k = handle > 0 && i < CRYPTO_MAX_KEYS ? this.keys[i] : undefined;
    return k && k.used && k.gen === handle >>> 4 ? k : null;
  }

  private hash(op: number): HashSlot | null {
    const i = (op & 15) - 1;
    const h = op > 0 && i < CRYPTO_MAX_HASH_OPS ? this.hashes[i] : undefined;
    return h && h.used && h.gen === op >>> 4 ? h : null;
  }

  private take(type: number, id: number, priv: Buffer, made: { pub: Buffer; obj: KeyObject | null }): number {
    const i = this.keys.findIndex((k) => !k.used);
    const k = this.keys[i];
    Object.assign(k, { used: true, type, id, priv, pub: made.pub, obj: made.obj, gen: nextGen(k.gen) });
    return handleOf(i, k.gen);
  }

  private storeKey(id: number, type: number, priv: Buffer): number {
    const rec = Buffer.alloc(CRYPTO_KEY_RECORD_LEN);
    rec[0] = CRYPTO_KEY_RECORD_FORMAT;
    rec[1] = type;
    priv.copy(rec, 4);
    const st = this.board.storeWrite(CRYPTO_KEY_RECORD_BASE + id, rec);
    rec.fill(0);
    return st;
  }

  private static typeStatus(type: number): number {
    return type >= CRYPTO_KEY.P256_ECDSA && type <= CRYPTO_KEY.X25519_DH ? E.OK : E.CRYPTO_PARAM;
  }

  // ---- the provider functions (est_crypto_* of est_crypto.h), on byte arrays ------------------------------

  caps(): number {
    return this.capsMask & (CRYPTO_CAP.RANDOM | CRYPTO_CAP.SHA256 | CRYPTO_CAP.HMAC_HKDF | CRYPTO_CAP.AES_CCM | CRYPTO_CAP.P256 |
      CRYPTO_CAP.X25519 | CRYPTO_CAP.ED25519 | CRYPTO_CAP.PERSISTENT_KEYS);
  }

  sha256Begin(): number {
    const i = this.hashes.findIndex((h) => !h.used);
    if (i < 0) return E.LIMIT;
    const h = this.hashes[i];
    Object.assign(h, { used: true, h: createHash("sha256"), gen: nextGen(h.gen) });
    return handleOf(i, h.gen);
  }

  sha256Update(op: number, data: Uint8Array): number {
    const h = this.hash(op);
    if (!h) return E.CRYPTO_PARAM;
    h.h!.update(data);
    return E.OK;
  }

  sha256Finish(op: number, out: Uint8Array): number {
    const h = this.hash(op);
    if (!h) return E.CRYPTO_PARAM;
    out.set(h.h!.digest());
    Object.assign(h, { used: false, h: null });
    return E.OK;
  }

  sha256Abort(op: number): number {
    const h = this.hash(op);
    if (!h) return E.CRYPTO_PARAM;
    Object.assign(h, { used: false, h: null });
    return E.OK;
  }

  hkdf(salt: Uint8Array, ikm: Uint8Array, info: Uint8Array, out: Uint8Array): number {
    if (out.length > 255 * 32) return E.CRYPTO_PARAM;
    if (out.length) out.set(hkdfExpand(hmac(salt, ikm), info, out.length));
    return E.OK;
  }

  hkdfExpand(prk: Uint8Array, info: Uint8Array, out: Uint8Array): number {
    if (prk.length !== 32 || out.length > 255 * 32) return E.CRYPTO_PARAM;
    if (out.length) out.set(hkdfExpand(prk, info, out.length));
    return E.OK;
  }

  ccmSeal(key: Uint8Array, nonce: Uint8Array, aad: Uint8Array, pt: Uint8Array, out: Uint8Array, tagLen: number): number {
    if (!ccmParamsOk(nonce.length, tagLen)) return E.CRYPTO_PARAM;
    try {
      const c = createCipheriv("aes-128-ccm", key, nonce, { authTagLength: tagLen });
      c.setAAD(aad, { plaintextLength: pt.length });
      const ct = Buffer.concat([c.update(pt), c.final(), c.getAuthTag()]);
      out.set(ct);
      return ct.length;
    } catch {
      return E.CRYPTO_PARAM; // a message too long for the nonce's length field
    }
  }

  ccmOpen(key: Uint8Array, nonce: Uint8Array, aad: Uint8Array, ct: Uint8Array, out: Uint8Array, tagLen: number): number {
    if (!ccmParamsOk(nonce.length, tagLen)) return E.CRYPTO_PARAM;
    if (ct.length < tagLen) return E.CRYPTO_AUTH;
    const n = ct.length - tagLen;
    try {
      const d = createDecipheriv("aes-128-ccm", key, nonce, { authTagLength: tagLen });
      d.setAuthTag(ct.subarray(n));
      d.setAAD(aad, { plaintextLength: n });
      const pt = Buffer.concat([d.update(ct.subarray(0, n)), d.final()]);
      out.set(pt);
      return n;
    } catch {
      out.fill(0); // nothing of a forged message stays readable
      return E.CRYPTO_AUTH;
    }
  }

  keyGenerate(type: number, id: number): number {
    const ts = CryptoProvider.typeStatus(type);
    if (ts !== E.OK) return ts;
    if (id > CRYPTO_KEY_MAX_ID) return E.STORE_ID;
    if (!this.keys.some((k) => !k.used)) return E.LIMIT;
    const priv = newPrivate(type);
    if (id) {
      const st = this.storeKey(id, type, priv);
      if (st !== E.OK) { priv.fill(0); return st; }
    }
    return this.take(type, id, priv, keyFromPrivate(type, priv)!);
  }

  keyImport(type: number, key: Uint8Array, id: number): number {
    const ts = CryptoProvider.typeStatus(type);
    if (ts !== E.OK) return ts;
    if (key.length !== 32) return E.CRYPTO_PARAM;
    if (id > CRYPTO_KEY_MAX_ID) return E.STORE_ID;
    if (!this.keys.some((k) => !k.used)) return E.LIMIT;
    const priv = Buffer.from(key);
    const made = keyFromPrivate(type, priv);
    if (!made) return E.CRYPTO_KEY;
    if (id) {
      const st = this.storeKey(id, type, priv);
      if (st !== E.OK) return st;
    }
    return this.take(type, id, priv, made);
  }

  keyOpen(id: number): number {
    if (id === 0 || id > CRYPTO_KEY_MAX_ID) return E.STORE_ID;
    if (!this.keys.some((k) => !k.used)) return E.LIMIT;
    const rec = this.board.storeRead(CRYPTO_KEY_RECORD_BASE + id, CRYPTO_KEY_RECORD_LEN + 1);
    if (rec === E.BUFFER_TOO_SMALL) return E.STORE_CORRUPT;
    if (typeof rec === "number") return rec;
    const type = rec[1];
    if (rec.length !== CRYPTO_KEY_RECORD_LEN || rec[0] !== CRYPTO_KEY_RECORD_FORMAT || rec[2] || rec[3] ||
        CryptoProvider.typeStatus(type) !== E.OK) return E.STORE_CORRUPT;
    const priv = Buffer.from(rec.subarray(4));
    const made = keyFromPrivate(type, priv);
    if (!made) return E.STORE_CORRUPT;
    return this.take(type, id, priv, made);
  }

  keyPublic(handle: number, out: Uint8Array): number {
    const k = this.key(handle);
    if (!k) return E.CRYPTO_KEY;
    if (out.length < k.pub.length) return E.BUFFER_TOO_SMALL;
    out.set(k.pub);
    return k.pub.length;
  }

  keyClose(handle: number): number {
    const k = this.key(handle);
    if (!k) return E.CRYPTO_KEY;
    this.release(k);
    return E.OK;
  }

  keyDestroy(handle: number): number {
    const k = this.key(handle);
    if (!k) return E.CRYPTO_KEY;
    if (k.id) {
      const st = this.board.storeErase(CRYPTO_KEY_RECORD_BASE + k.id);
      if (st !== E.OK) return st; // the handle stays open: the key still exists
    }
    this.release(k);
    return E.OK;
  }

  ecdh(handle: number, peer: Uint8Array, out: Uint8Array): number {
    const k = this.key(handle);
    if (!k) return E.CRYPTO_KEY;
    let z: Buffer;
    if (k.type === CRYPTO_KEY.P256_DH) {
      const pt = p256Point(peer);
      if (!pt) return E.CRYPTO_POINT;
      const e = createECDH("prime256v1");
      e.setPrivateKey(k.priv);
      try { z = e.computeSecret(pt); } catch { out.fill(0); return E.CRYPTO_POINT; }
    } else if (k.type === CRYPTO_KEY.X25519_DH) {
      if (peer.length !== 32) return E.CRYPTO_POINT;
      try {
        const pub = createPublicKey({ key: Buffer.concat([SPKI_X25519, peer]), format: "der", type: "spki" });
        z = diffieHellman({ privateKey: k.obj!, publicKey: pub });
      } catch {
        out.fill(0); // OpenSSL refuses an all-zero result (RFC 7748 section 6.1)
        return E.CRYPTO_POINT;
      }
      if (z.every((b) => b === 0)) { out.fill(0); return E.CRYPTO_POINT; }
    } else {
      return E.CRYPTO_KEY;
    }
    out.set(z);
    return 32;
  }

  sign(handle: number, data: Uint8Array, sig: Uint8Array): number {
    const k = this.key(handle);
    if (!k) return E.CRYPTO_KEY;
    if (k.type === CRYPTO_KEY.P256_ECDSA) {
      if (data.length !== 32) return E.CRYPTO_PARAM;
      sig.set(p256.sign(data, k.priv, { prehash: false, lowS: false, extraEntropy: true }));
      return 64;
    }
    if (k.type === CRYPTO_KEY.ED25519) {
      sig.set(nodeSign(null, data, k.obj!));
      return 64;
    }
    return E.CRYPTO_KEY;
  }

  verify(type: number, pub: Uint8Array, data: Uint8Array, sig: Uint8Array): number {
    if (type === CRYPTO_KEY.ED25519) {
      if (pub.length !== 32) return E.CRYPTO_POINT;
      try { ed25519.Point.fromBytes(pub); } catch { return E.CRYPTO_POINT; }
      if (sig.length !== 64) return E.CRYPTO_SIGNATURE;
      const key = createPublicKey({ key: Buffer.concat([SPKI_ED25519, pub]), format: "der", type: "spki" });
      return nodeVerify(null, data, key, sig) ? E.OK : E.CRYPTO_SIGNATURE;
    }
    if (type !== CRYPTO_KEY.P256_ECDSA) return E.CRYPTO_PARAM;
    if (data.length !== 32) return E.CRYPTO_PARAM;
    const pt = pub.length === 32 ? null : p256Point(pub);
    if (!pt) return E.CRYPTO_POINT;
    if (sig.length !== 64) return E.CRYPTO_SIGNATURE;
    return p256.verify(sig, data, pt, { prehash: false, lowS: false }) ? E.OK : E.CRYPTO_SIGNATURE;
  }

  // ---- the imports: range checks first, exactly as host/est_crypto_imports.c --------------------------------

  /** The import object for module "crypto". */
  imports(): Record<string, Function> {
    const u = (x: number) => x >>> 0;
    const ok = (p: number, n: number) => n >= 0 && u(p) + n <= this.memory().length;
    const view = (p: number, n: number) => this.memory().subarray(u(p), u(p) + n);
    const copy = (p: number, n: number) => this.memory().slice(u(p), u(p) + n); // inputs that outputs may overwrite
    const B = E.BAD_POINTER;
    return {
      caps: () => this.caps(),
      random: (p: number, n: number) => (ok(p, n) ? this.board.rngFill(view(p, n)) : B),
      sha256: (p: number, n: number, o: number) => {
        if (!ok(p, n) || !ok(o, 32)) return B;
        view(o, 32).set(createHash("sha256").update(view(p, n)).digest());
        return E.OK;
      },
      sha256_begin: () => this.sha256Begin(),
      sha256_update: (op: number, p: number, n: number) => (ok(p, n) ? this.sha256Update(op, view(p, n)) : B),
      sha256_finish: (op: number, o: number) => (ok(o, 32) ? this.sha256Finish(op, view(o, 32)) : B),
      sha256_abort: (op: number) => this.sha256Abort(op),
      hmac_sha256: (kp: number, kn: number, p: number, n: number, o: number) => {
        if (!ok(kp, kn) || !ok(p, n) || !ok(o, 32)) return B;
        view(o, 32).set(hmac(view(kp, kn), view(p, n)));
        return E.OK;
      },
      hkdf_sha256: (sp: number, sn: number, ip: number, inn: number, fp: number, fn: number, o: number, on: number) => {
        if (!ok(sp, sn) || !ok(ip, inn) || !ok(fp, fn) || !ok(o, on)) return B;
        return this.hkdf(copy(sp, sn), copy(ip, inn), copy(fp, fn), view(o, on));
      },
      hkdf_expand_sha256: (pp: number, pn: number, fp: number, fn: number, o: number, on: number) => {
        if (!ok(pp, pn) || !ok(fp, fn) || !ok(o, on)) return B;
        return this.hkdfExpand(copy(pp, pn), copy(fp, fn), view(o, on));
      },
      aes_ccm_seal: (kp: number, np: number, nn: number, ap: number, an: number, p: number, n: number, o: number, tl: number) => {
        if (tl < 0 || tl > 16) return E.CRYPTO_PARAM;
        if (!ok(kp, 16) || !ok(np, nn) || !ok(ap, an) || !ok(p, n) || !ok(o, n + tl)) return B;
        return this.ccmSeal(copy(kp, 16), copy(np, nn), copy(ap, an), copy(p, n), view(o, n + tl), tl);
      },
      aes_ccm_open: (kp: number, np: number, nn: number, ap: number, an: number, c: number, n: number, o: number, tl: number) => {
        if (tl < 0 || tl > 16) return E.CRYPTO_PARAM;
        if (!ok(kp, 16) || !ok(np, nn) || !ok(ap, an) || !ok(c, n)) return B;
        if (n < tl) return E.CRYPTO_AUTH;
        if (!ok(o, n - tl)) return B;
        return this.ccmOpen(copy(kp, 16), copy(np, nn), copy(ap, an), copy(c, n), view(o, n - tl), tl);
      },
      key_generate: (type: number, id: number) => this.keyGenerate(type, u(id)),
      key_import: (type: number, p: number, n: number, id: number) => (ok(p, n) ? this.keyImport(type, copy(p, n), u(id)) : B),
      key_open: (id: number) => this.keyOpen(u(id)),
      key_public: (h: number, o: number, cap: number) => (ok(o, cap) ? this.keyPublic(h, view(o, cap)) : B),
      key_close: (h: number) => this.keyClose(h),
      key_destroy: (h: number) => this.keyDestroy(h),
      ecdh: (h: number, p: number, n: number, o: number) => (ok(p, n) && ok(o, 32) ? this.ecdh(h, copy(p, n), view(o, 32)) : B),
      sign: (h: number, p: number, n: number, o: number) => (ok(p, n) && ok(o, 64) ? this.sign(h, copy(p, n), view(o, 64)) : B),
      verify: (type: number, pp: number, pn: number, dp: number, dn: number, sp: number, sn: number) => {
        if (!ok(pp, pn) || !ok(dp, dn) || !ok(sp, sn)) return B;
        return this.verify(type, copy(pp, pn), copy(dp, dn), copy(sp, sn));
      },
    };
  }
}
