// HMAC-DRBG with SHA-256 (NIST SP 800-90A Rev. 1 §10.1.2): the module's only source of random numbers for
// keys, nonces and connection identifiers. The board's entropy source seeds it; it is never used directly.
//
// drbgSeedFromBoard() mixes several inputs, as the EST-oscore draft recommends for devices whose single
// source may be weak: 48 bytes of board.rng_fill as entropy input, the board clock as part of the nonce, and
// as personalization string the seed record that the previous instantiation left in the key store
// (STORE_ID_DRBG_SEED). Right after instantiating it writes a fresh 32-byte seed record drawn from the new
// state (never the state itself), so two boots of a device whose RNG repeats still diverge, and a copy of
// the key store does not reveal past or future output.
//
// The reseed interval is RESEED_INTERVAL generate calls (far below the 2^48 limit of SP 800-90A Table 2);
// when it is reached, drbgGenerate reseeds from the board by itself. All state is wiped by drbgWipe().
//
// Deliberately not here: prediction resistance on every call, other DRBG mechanisms.

import * as board from "../base/abi";
import { OK, E_RNG, E_CRYPTO_PARAM } from "../base/errors";
import { HmacSha256 } from "./hmac";
import { wipe } from "./ct";
import { STORE_ID_DRBG_SEED } from "../base/store-ids";

/** Generate calls between reseeds from the board. */
export const RESEED_INTERVAL: u32 = 1 << 16;
/** Largest single request (SP 800-90A Table 2: 2^19 bits). */
export const MAX_REQUEST: i32 = 65536;

const K = memory.data(32, 8);
const V = memory.data(32, 8);
const mac = new HmacSha256();
let counter: u32 = 0;
let ready = false;

/** HMAC_DRBG_Update (§10.1.2.2) with provided_data = a | b | c (any may be empty). */
function update(a: usize, al: i32, b: usize, bl: i32, c: usize, cl: i32): void {
  const sep = memory.data(1);
  for (let round = 0; round < 2; round++) {
    store<u8>(sep, <u8>round);
    mac.init(K, 32);
    mac.update(V, 32);
    mac.update(sep, 1);
    mac.update(a, al); mac.update(b, bl); mac.update(c, cl);
    mac.finish(K);
    mac.init(K, 32);
    mac.update(V, 32);
    mac.finish(V);
    if (al + bl + cl == 0) break; // §10.1.2.2 step 3: no provided data, one round only
  }
}

/** Instantiate (§10.1.2.3) from entropy input, nonce and personalization string. */
export function drbgInstantiate(entropy: usize, eLen: i32, nonce: usize, nLen: i32, pers: usize, pLen: i32): void {
  memory.fill(K, 0x00, 32);
  memory.fill(V, 0x01, 32);
  update(entropy, eLen, nonce, nLen, pers, pLen);
  counter = 1;
  ready = true;
}

/** Reseed (§10.1.2.4) with fresh entropy input and optional additional input. */
export function drbgReseed(entropy: usize, eLen: i32, add: usize, aLen: i32): void {
  update(entropy, eLen, add, aLen, 0, 0);
  counter = 1;
}

/**
 * Generate n bytes into out (§10.1.2.5), with optional additional input. Reseeds from the board when the
 * interval is reached. Returns OK, E_CRYPTO_PARAM (n out of range), or E_RNG (not seeded, or the board's
 * source failed while reseeding).
 */
export function drbgGenerate(out: usize, n: i32, add: usize, aLen: i32): i32 {
  if (n < 0 || n > MAX_REQUEST) return E_CRYPTO_PARAM;
  if (!ready) return E_RNG;
  if (counter > RESEED_INTERVAL) {
    const st = reseedFromBoard();
    if (st != OK) return st;
  }
  if (aLen > 0) update(add, aLen, 0, 0, 0, 0);
  let done = 0;
  while (done < n) {
    mac.init(K, 32);
    mac.update(V, 32);
    mac.finish(V);
    const k = min(32, n - done);
    memory.copy(out + <usize>done, V, <usize>k);
    done += k;
  }
  update(add, aLen, 0, 0, 0, 0);
  counter++;
  return OK;
}

/** Fill n bytes with random output (no additional input): the call protocol code uses. The first call
 *  instantiates the DRBG from the board (drbgSeedFromBoard). Returns OK or E_RNG. */
export function randomBytes(out: usize, n: i32): i32 {
  if (!ready) { const st = drbgSeedFromBoard(); if (st != OK) return st; }
  return drbgGenerate(out, n, 0, 0);
}

const seedBuf = memory.data(64, 8);
const nonceBuf = memory.data(24, 8);
const persBuf = memory.data(32, 8);

function reseedFromBoard(): i32 {
  if (board.rng_fill(seedBuf, 48) != OK) return E_RNG;
  store<i64>(nonceBuf, board.clock_ms());
  drbgReseed(seedBuf, 48, nonceBuf, 8);
  wipe(seedBuf, 64);
  return OK;
}

/**
 * Instantiate from the board (see the file comment) and roll the stored seed forward. Returns OK or E_RNG;
 * a key store that cannot hold the seed record does not stop the DRBG (the stored seed is an extra input).
 */
export function drbgSeedFromBoard(): i32 {
  if (board.rng_fill(seedBuf, 48) != OK) { wipe(seedBuf, 64); return E_RNG; }
  store<i64>(nonceBuf, board.clock_ms());
  if (board.rng_fill(nonceBuf + 8, 16) != OK) { wipe(seedBuf, 64); return E_RNG; }
  let pl = board.store_read(STORE_ID_DRBG_SEED, persBuf, 32);
  if (pl < 0) pl = 0;
  drbgInstantiate(seedBuf, 48, nonceBuf, 24, persBuf, pl);
  wipe(seedBuf, 64);
  wipe(nonceBuf, 24);
  const st = drbgGenerate(persBuf, 32, 0, 0);
  if (st == OK) board.store_write(STORE_ID_DRBG_SEED, persBuf, 32);
  wipe(persBuf, 32);
  return st;
}

/** Forget the DRBG state; drbgGenerate fails with E_RNG until it is instantiated again. */
export function drbgWipe(): void {
  wipe(K, 32);
  wipe(V, 32);
  counter = 0;
  ready = false;
}

/** True once instantiated. */
export function drbgReady(): bool { return ready; }
