// The module's own crypto provider: the AssemblyScript algorithms of this folder behind the provider's shape
// (crypto/index.ts SoftCrypto), for whatever the board's provider lacks. Importing this file installs it; the
// portable entries (app/device-portable.ts, app/sim.ts, the test entries) do, the native-crypto entry
// (app/device.ts) does not, and then none of this code, its tables or its scratch is in the module.
//
// Hash operations by handle, as the board's: a few SHA-256 states made at start-up, so no allocation later.
// Keys are the caller's 32 bytes (crypto/key.ts keeps them in the Key).
//
// Deliberately not here: choosing between the board and this provider (crypto/index.ts).

import { OK, E_LIMIT, E_CRYPTO_PARAM, E_CRYPTO_POINT, E_USAGE } from "../base/errors";
import { SoftCrypto, installSoftCrypto } from "./index";
import { Sha256, sha256 } from "./sha256";
import { hmacSha256 } from "./hmac";
import { hkdfExpand } from "./hkdf";
import { aesCcmSeal, aesCcmOpen } from "./ccm";
import { p256PublicKey, p256KeyFromSeed, p256Ecdh, p256SignDigest, p256VerifyDigest, p256Decompress } from "./p256";
import { x25519, x25519Base } from "./x25519";
import { ed25519PublicKey, ed25519Sign, ed25519Verify } from "./ed25519";
import { randomBytes } from "./drbg";
import { wipe } from "./ct";

const SHA_OPS = 3; // an EDHOC transcript hash and a streaming HMAC (inner, outer) at most, at once

class PortableCrypto extends SoftCrypto {
  private states: StaticArray<Sha256> = [new Sha256(), new Sha256(), new Sha256()];
  private used: u32 = 0;

  random(out: usize, n: i32): i32 { return randomBytes(out, n); }
  sha256(p: usize, n: i32, out: usize): void { sha256(p, n, out); }

  shaBegin(): i32 {
    for (let i = 0; i < SHA_OPS; i++) {
      if ((this.used & (1 << i)) == 0) {
        this.used |= 1 << i;
        unchecked(this.states[i]).reset();
        return i + 1;
      }
    }
    return E_LIMIT;
  }
  shaUpdate(op: i32, p: usize, n: i32): void { if (this.live(op)) unchecked(this.states[op - 1]).update(p, n); }
  shaFinish(op: i32, out: usize): i32 {
    if (!this.live(op)) return E_CRYPTO_PARAM;
    unchecked(this.states[op - 1]).finish(out);
    this.used &= ~(1 << (op - 1));
    return OK;
  }
  shaAbort(op: i32): void {
    if (!this.live(op)) return;
    const s = unchecked(this.states[op - 1]);
    s.finish(memory.data(32, 8)); // wipes the pending block
    wipe(memory.data(32, 8), 32);
    this.used &= ~(1 << (op - 1));
  }
  private live(op: i32): bool { return op >= 1 && op <= SHA_OPS && (this.used & (1 << (op - 1))) != 0; }

  hmac(key: usize, keyLen: i32, msg: usize, msgLen: i32, out: usize): void { hmacSha256(key, keyLen, msg, msgLen, out); }
  hkdfExpand(prk: usize, prkLen: i32, info: usize, infoLen: i32, out: usize, outLen: i32): i32 {
    return hkdfExpand(prk, prkLen, info, infoLen, out, outLen);
  }
  ccmSeal(key: usize, nonce: usize, nonceLen: i32, aad: usize, aadLen: i32, pt: usize, ptLen: i32, tagLen: i32, out: usize): i32 {
    return aesCcmSeal(key, nonce, nonceLen, aad, aadLen, pt, ptLen, tagLen, out);
  }
  ccmOpen(key: usize, nonce: usize, nonceLen: i32, aad: usize, aadLen: i32, ct: usize, ctLen: i32, tagLen: i32, out: usize): i32 {
    return aesCcmOpen(key, nonce, nonceLen, aad, aadLen, ct, ctLen, tagLen, out);
  }
  p256Verify(pub: usize, pubLen: i32, digest: usize, sig: usize): i32 { return p256VerifyDigest(pub, pubLen, digest, sig); }
  ed25519Verify(pub: usize, msg: usize, msgLen: i32, sig: usize): i32 { return ed25519Verify(pub, msg, msgLen, sig); }

  keyGenerate(type: i32, priv: usize): i32 {
    if (type == 1 || type == 3) {
      // A P-256 scalar from 48 random bytes (FIPS 186-5 A.2.1): always in [1, n-1], no rejection loop.
      const seed = memory.data(48, 8);
      const st = randomBytes(seed, 48);
      if (st == OK) p256KeyFromSeed(seed, priv);
      wipe(seed, 48);
      return st;
    }
    return randomBytes(priv, 32); // an Ed25519 seed or an X25519 scalar (clamped where it is used)
  }
  keyPublic(type: i32, priv: usize, out: usize, cap: i32): i32 {
    if (type == 1 || type == 3) {
      if (cap < 65) return E_CRYPTO_PARAM;
      const st = p256PublicKey(priv, out);
      return st == OK ? 65 : st;
    }
    if (cap < 32) return E_CRYPTO_PARAM;
    if (type == 2) { ed25519PublicKey(priv, out); return 32; }
    const st = x25519Base(priv, out);
    return st == OK ? 32 : st;
  }
  ecdh(type: i32, priv: usize, peer: usize, peerLen: i32, out: usize): i32 {
    if (type == 3) return p256Ecdh(priv, peer, peerLen, out);
    if (type != 4) return E_USAGE;
    if (peerLen != 32) return E_CRYPTO_POINT;
    return x25519(priv, peer, out);
  }
  sign(type: i32, priv: usize, data: usize, len: i32, sig: usize): i32 {
    if (type == 1) return len == 32 ? p256SignDigest(priv, data, sig) : E_CRYPTO_PARAM;
    if (type != 2) return E_USAGE;
    ed25519Sign(priv, data, len, sig);
    return OK;
  }
  p256Decompress(pub33: usize, out65: usize): i32 { return p256Decompress(pub33, 33, out65); }
}

installSoftCrypto(new PortableCrypto());
