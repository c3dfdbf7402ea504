// The key store of the microcontroller boards (boards/common/flash_store.c) as a 32 KiB flash image, in
// TypeScript: provisioning writes one (the QEMU board loads it with --flash; an nRF52840 gets it as an Intel HEX
// file at 0xF8000), and the HIL runner reads one back after a run to check what the device stored.
//
// Layout (little-endian words, as the Cortex-M4 stores them): two banks of 16 KiB. A valid bank starts with
// {0x53545345 "ESTS", generation, ~generation, 0xFFFFFFFF}; the higher generation wins. Records follow until
// the first word that is not a record tag: {0xEC000000 | id, length, CRC-32(w0 w1 data), state} then the data
// (ids up to 0x1ffff: the module's records and, above 0xffff, the keys the crypto provider keeps)
// padded with 0xFF to a word. State 0xFFFFFF00 is live, 0 dead, 0xFFFFFFFF torn (never committed); the last
// live record of an id is its value.
import { crc32 } from "../../host/node/store.js";
import { STORE_BOARD_MAX_ID } from "../../host/node/abi.js";

export const FLASH_STORE_BYTES = 32768;
export const FLASH_STORE_ADDR = 0xf8000; // where link.ld puts the region on both boards
const BANK = 16384, MAGIC = 0x53545345, TAG = 0xec000000, LIVE = 0xffffff00, HDR = 16, MAX_RECORD = 4096;

export interface FlashRecords {
  /** The value of each id that has a live record whose CRC checks. */
  records: Map<number, Uint8Array>;
  /** Ids whose live record fails its CRC (the device reads them as EST_E_STORE_CORRUPT). */
  corrupt: number[];
  bank: number;
  generation: number;
  /** Words used in the active bank (header included). */
  usedBytes: number;
}

/** A freshly formatted image (as flash_store.c formats an erased flash) holding `records`. */
export function buildFlashImage(records: { id: number; data: Uint8Array }[]): Uint8Array {
  const img = new Uint8Array(FLASH_STORE_BYTES).fill(0xff);
  const dv = new DataView(img.buffer);
  dv.setUint32(0, MAGIC, true);
  dv.setUint32(4, 1, true);
  dv.setUint32(8, ~1 >>> 0, true);
  let at = HDR;
  for (const { id, data } of records) {
    if (id > STORE_BOARD_MAX_ID) throw new Error(`record id 0x${id.toString(16)} is out of range`);
    if (data.length > MAX_RECORD) throw new Error(`record 0x${id.toString(16)} is ${data.length} bytes (at most ${MAX_RECORD})`);
    const words = HDR + ((data.length + 3) & ~3);
    if (at + words > BANK) throw new Error(`the records do not fit one 16 KiB bank of the flash store`);
    dv.setUint32(at, (TAG | id) >>> 0, true);
    dv.setUint32(at + 4, data.length, true);
    dv.setUint32(at + 8, crc32(data, crc32(img.subarray(at, at + 8))), true);
    dv.setUint32(at + 12, LIVE, true);
    img.set(data, at + HDR);
    at += words;
  }
  return img;
}

/** Read the live records of an image, as the device would. Throws when neither bank is formatted. */
export function readFlashImage(img: Uint8Array): FlashRecords {
  if (img.length !== FLASH_STORE_BYTES) throw new Error(`a flash image is ${FLASH_STORE_BYTES} bytes, not ${img.length}`);
  const dv = new DataView(img.buffer, img.byteOffset, img.byteLength);
  const gen = (b: number) => {
    const o = b * BANK;
    return dv.getUint32(o, true) === MAGIC && dv.getUint32(o + 8, true) === (~dv.getUint32(o + 4, true) >>> 0) ? dv.getUint32(o + 4, true) : undefined;
  };
  const g0 = gen(0), g1 = gen(1);
  let bank: number;
  if (g0 !== undefined && (g1 === undefined || ((g0 - g1) | 0) > 0)) bank = 0;
  else if (g1 !== undefined) bank = 1;
  else throw new Error("the flash store is not formatted (no valid bank header)");
  const base = bank * BANK;
  const live = new Map<number, number>();
  let at = HDR;
  while (at + HDR <= BANK) {
    const w0 = dv.getUint32(base + at, true), len = dv.getUint32(base + at + 4, true);
    if ((w0 & 0xff000000) >>> 0 !== TAG || len > MAX_RECORD || at + HDR + ((len + 3) & ~3) > BANK) break;
    if (dv.getUint32(base + at + 12, true) === LIVE) live.set(w0 & 0xffffff, base + at); // ids above 0xffff: the board's keys
    at += HDR + ((len + 3) & ~3);
  }
  const records = new Map<number, Uint8Array>(), corrupt: number[] = [];
  for (const [id, o] of live) {
    const len = dv.getUint32(o + 4, true);
    const data = img.slice(o + HDR, o + HDR + len);
    if (crc32(data, crc32(img.subarray(o, o + 8))) === dv.getUint32(o + 8, true)) records.set(id, data);
    else corrupt.push(id);
  }
  return { records, corrupt, bank, generation: bank === 0 ? g0! : g1!, usedBytes: at };
}

/** An Intel HEX file (for nrfjprog or pyocd) that programs `img` at `addr`. */
export function intelHex(img: Uint8Array, addr = FLASH_STORE_ADDR): string {
  const lines: string[] = [];
  const rec = (type: number, a: number, data: number[]) => {
    const bytes = [data.length, (a >> 8) & 0xff, a & 0xff, type, ...data];
    const sum = (0x100 - (bytes.reduce((s, b) => s + b, 0) & 0xff)) & 0xff;
    lines.push(":" + [...bytes, sum].map((b) => b.toString(16).padStart(2, "0")).join("").toUpperCase());
  };
  let upper = -1;
  for (let off = 0; off < img.length; off += 16) {
    const a = addr + off;
    if (a >>> 16 !== upper) { upper = a >>> 16; rec(4, 0, [(upper >> 8) & 0xff, upper & 0xff]); }
    rec(0, a & 0xffff, [...img.subarray(off, Math.min(off + 16, img.length))]);
  }
  rec(1, 0, []);
  return lines.join("\n") + "\n";
}
