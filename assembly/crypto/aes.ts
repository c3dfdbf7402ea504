// AES-128 block encryption (FIPS 197), constant time.
//
// No table is indexed by data: SubBytes evaluates the Boyar-Peralta S-box circuit (113 XOR/XNOR/AND gates,
// "A depth-16 circuit for the AES S-box", J. Boyar and R. Peralta, 2011, Figures 5, 7 and 8) on bit planes.
// The state is four little-endian column words (row r of column c is byte r of word c); for SubBytes the
// bit i of all 16 bytes is gathered into plane i (bit 8r+c of the plane), the circuit runs once on the eight
// planes, and the result is scattered back. ShiftRows and MixColumns work on the column words with shifts,
// rotations and a branch-free xtime. The key schedule uses the same circuit on one word.
//
// Deliberately not here: decryption (CCM and CTR need only the forward cipher), AES-192/256.

import { wipe } from "./ct";

/** Expanded key: 11 round keys of 4 column words (176 bytes). */
const rk = memory.data(176, 16);
const planes = memory.data(32, 16);

const M: u32 = 0x01010101;

/**
 * The S-box circuit on 8 bit planes at `planes` (plane i holds bit i of each byte), in place.
 * Gate names follow the paper: U0 is the most significant bit, S0 the most significant output bit.
 */
function sboxPlanes(): void {
  const U0 = load<u32>(planes, 28), U1 = load<u32>(planes, 24), U2 = load<u32>(planes, 20), U3 = load<u32>(planes, 16);
  const U4 = load<u32>(planes, 12), U5 = load<u32>(planes, 8), U6 = load<u32>(planes, 4), U7 = load<u32>(planes, 0);
  // Top linear layer (Figure 5).
  const T1 = U0 ^ U3, T2 = U0 ^ U5, T3 = U0 ^ U6, T4 = U3 ^ U5, T5 = U4 ^ U6, T6 = T1 ^ T5;
  const T7 = U1 ^ U2, T8 = U7 ^ T6, T9 = U7 ^ T7, T10 = T6 ^ T7, T11 = U1 ^ U5, T12 = U2 ^ U5;
  const T13 = T3 ^ T4, T14 = T6 ^ T11, T15 = T5 ^ T11, T16 = T5 ^ T12, T17 = T9 ^ T16, T18 = U3 ^ U7;
  const T19 = T7 ^ T18, T20 = T1 ^ T19, T21 = U6 ^ U7, T22 = T7 ^ T21, T23 = T2 ^ T22, T24 = T2 ^ T10;
  const T25 = T20 ^ T17, T26 = T3 ^ T16, T27 = T1 ^ T12;
  const D = U7;
  // Shared non-linear middle (Figure 7).
  const M1 = T13 & T6, M2 = T23 & T8, M3 = T14 ^ M1, M4 = T19 & D, M5 = M4 ^ M1, M6 = T3 & T16;
  const M7 = T22 & T9, M8 = T26 ^ M6, M9 = T20 & T17, M10 = M9 ^ M6, M11 = T1 & T15, M12 = T4 & T27;
  const M13 = M12 ^ M11, M14 = T2 & T10, M15 = M14 ^ M11, M16 = M3 ^ M2, M17 = M5 ^ T24, M18 = M8 ^ M7;
  const M19 = M10 ^ M15, M20 = M16 ^ M13, M21 = M17 ^ M15, M22 = M18 ^ M13, M23 = M19 ^ T25;
  const M24 = M22 ^ M23, M25 = M22 & M20, M26 = M21 ^ M25, M27 = M20 ^ M21, M28 = M23 ^ M25;
  const M29 = M28 & M27, M30 = M26 & M24, M31 = M20 & M23, M32 = M27 & M31, M33 = M27 ^ M25;
  const M34 = M21 & M22, M35 = M24 & M34, M36 = M24 ^ M25, M37 = M21 ^ M29, M38 = M32 ^ M33;
  const M39 = M23 ^ M30, M40 = M35 ^ M36, M41 = M38 ^ M40, M42 = M37 ^ M39, M43 = M37 ^ M38;
  const M44 = M39 ^ M40, M45 = M42 ^ M41, M46 = M44 & T6, M47 = M40 & T8, M48 = M39 & D, M49 = M43 & T16;
  const M50 = M38 & T9, M51 = M37 & T17, M52 = M42 & T15, M53 = M45 & T27, M54 = M41 & T10, M55 = M44 & T13;
  const M56 = M40 & T23, M57 = M39 & T19, M58 = M43 & T3, M59 = M38 & T22, M60 = M37 & T20, M61 = M42 & T1;
  const M62 = M45 & T4, M63 = M41 & T2;
  // Bottom linear layer (Figure 8); "#" in the paper is XNOR.
  const L0 = M61 ^ M62, L1 = M50 ^ M56, L2 = M46 ^ M48, L3 = M47 ^ M55, L4 = M54 ^ M58, L5 = M49 ^ M61;
  const L6 = M62 ^ L5, L7 = M46 ^ L3, L8 = M51 ^ M59, L9 = M52 ^ M53, L10 = M53 ^ L4, L11 = M60 ^ L2;
  const L12 = M48 ^ M51, L13 = M50 ^ L0, L14 = M52 ^ M61, L15 = M55 ^ L1, L16 = M56 ^ L0, L17 = M57 ^ L1;
  const L18 = M58 ^ L8, L19 = M63 ^ L4, L20 = L0 ^ L1, L21 = L1 ^ L7, L22 = L3 ^ L12, L23 = L18 ^ L2;
  const L24 = L15 ^ L9, L25 = L6 ^ L10, L26 = L7 ^ L9, L27 = L8 ^ L10, L28 = L11 ^ L14, L29 = L11 ^ L17;
  store<u32>(planes, L6 ^ L24, 28);      // S0
  store<u32>(planes, ~(L16 ^ L26), 24);  // S1
  store<u32>(planes, ~(L19 ^ L28), 20);  // S2
  store<u32>(planes, L6 ^ L21, 16);      // S3
  store<u32>(planes, L20 ^ L22, 12);     // S4
  store<u32>(planes, L25 ^ L29, 8);      // S5
  store<u32>(planes, ~(L13 ^ L27), 4);   // S6
  store<u32>(planes, ~(L6 ^ L23), 0);    // S7
}

/** SubBytes on four column words: gather bit planes, run the circuit, scatter back. */
function subBytes4(s: usize): void {
  const w0 = load<u32>(s), w1 = load<u32>(s, 4), w2 = load<u32>(s, 8), w3 = load<u32>(s, 12);
  for (let i: u32 = 0; i < 8; i++) {
    store<u32>(planes + <usize>(i << 2),
      ((w0 >> i) & M) | (((w1 >> i) & M) << 1) | (((w2 >> i) & M) << 2) | (((w3 >> i) & M) << 3));
  }
  sboxPlanes();
  let o0: u32 = 0, o1: u32 = 0, o2: u32 = 0, o3: u32 = 0;
  for (let i: u32 = 0; i < 8; i++) {
    const p = load<u32>(planes + <usize>(i << 2));
    o0 |= (p & M) << i;
    o1 |= ((p >> 1) & M) << i;
    o2 |= ((p >> 2) & M) << i;
    o3 |= ((p >> 3) & M) << i;
  }
  store<u32>(s, o0); store<u32>(s, o1, 4); store<u32>(s, o2, 8); store<u32>(s, o3, 12);
}

/** SubWord of the key schedule: the S-box on the four bytes of one word. */
function subWord(w: u32): u32 {
  for (let i: u32 = 0; i < 8; i++) store<u32>(planes + <usize>(i << 2), (w >> i) & M);
  sboxPlanes();
  let o: u32 = 0;
  for (let i: u32 = 0; i < 8; i++) o |= (load<u32>(planes + <usize>(i << 2)) & M) << i;
  return o;
}

/** Multiply each byte by x in GF(2^8) (FIPS 197 §4.2.1), without branches. */
@inline function xtime4(x: u32): u32 { return ((x & 0x7f7f7f7f) << 1) ^ (((x >> 7) & M) * 0x1b); }

/** Expand a 16-byte key (FIPS 197 §5.2) into the module's round-key buffer. */
export function aes128SetKey(key: usize): void {
  for (let i = 0; i < 4; i++) store<u32>(rk + <usize>(i << 2), load<u32>(key + <usize>(i << 2)));
  let rcon: u32 = 1;
  for (let i = 4; i < 44; i++) {
    let t = load<u32>(rk + <usize>((i - 1) << 2));
    if ((i & 3) == 0) { // public loop index, not data
      t = subWord(rotr<u32>(t, 8)) ^ rcon;
      rcon = (rcon << 1) ^ (((rcon >> 7) & 1) * 0x11b);
    }
    store<u32>(rk + <usize>(i << 2), load<u32>(rk + <usize>((i - 4) << 2)) ^ t);
  }
}

/** Encrypt one 16-byte block at inp to out (may be the same) with the key set by aes128SetKey. */
export function aes128Encrypt(inp: usize, out: usize): void {
  const s = memory.data(16, 16);
  for (let i = 0; i < 4; i++) store<u32>(s + <usize>(i << 2), load<u32>(inp + <usize>(i << 2)) ^ load<u32>(rk + <usize>(i << 2)));
  for (let round = 1; round <= 10; round++) {
    subBytes4(s);
    // ShiftRows: row r of column c comes from column c + r.
    const a0 = load<u32>(s), a1 = load<u32>(s, 4), a2 = load<u32>(s, 8), a3 = load<u32>(s, 12);
    let c0 = (a0 & 0xff) | (a1 & 0xff00) | (a2 & 0xff0000) | (a3 & 0xff000000);
    let c1 = (a1 & 0xff) | (a2 & 0xff00) | (a3 & 0xff0000) | (a0 & 0xff000000);
    let c2 = (a2 & 0xff) | (a3 & 0xff00) | (a0 & 0xff0000) | (a1 & 0xff000000);
    let c3 = (a3 & 0xff) | (a0 & 0xff00) | (a1 & 0xff0000) | (a2 & 0xff000000);
    if (round < 10) {
      // MixColumns: b_r = 2 a_r + 3 a_{r+1} + a_{r+2} + a_{r+3} (FIPS 197 §5.1.3).
      c0 = xtime4(c0 ^ rotr<u32>(c0, 8)) ^ rotr<u32>(c0, 8) ^ rotr<u32>(c0, 16) ^ rotr<u32>(c0, 24);
      c1 = xtime4(c1 ^ rotr<u32>(c1, 8)) ^ rotr<u32>(c1, 8) ^ rotr<u32>(c1, 16) ^ rotr<u32>(c1, 24);
      c2 = xtime4(c2 ^ rotr<u32>(c2, 8)) ^ rotr<u32>(c2, 8) ^ rotr<u32>(c2, 16) ^ rotr<u32>(c2, 24);
      c3 = xtime4(c3 ^ rotr<u32>(c3, 8)) ^ rotr<u32>(c3, 8) ^ rotr<u32>(c3, 16) ^ rotr<u32>(c3, 24);
    }
    const k = rk + <usize>(round << 4);
    store<u32>(s, c0 ^ load<u32>(k));
    store<u32>(s, c1 ^ load<u32>(k, 4), 4);
    store<u32>(s, c2 ^ load<u32>(k, 8), 8);
    store<u32>(s, c3 ^ load<u32>(k, 12), 12);
  }
  memory.copy(out, s, 16);
  wipe(s, 16);
  wipe(planes, 32);
}

/** Wipe the expanded key (call when the key is no longer needed). */
export function aes128Wipe(): void {
  wipe(rk, 176);
  wipe(planes, 32);
}
