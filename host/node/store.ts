// The key-store file of the simulators, in TypeScript: the same format and the same atomic replacement as
// boards/posix/store_file.c, so a store written by one host is read by the other (and by tools/).
//
// Format (big-endian): header "ESTK" | u16 version 1 | u16 0 | u32 count | u32 CRC-32 of the 12 bytes before;
// records: u32 id | u32 length | u32 CRC-32(id | length | data) | data. The file ends after the last record.
import { closeSync, fsyncSync, openSync, readFileSync, renameSync, statSync, unlinkSync, writeSync } from "node:fs";
import { dirname } from "node:path";
import { E, STORE_MAX_RECORD } from "./abi.js";

export const STORE_HEADER = 16;
export const STORE_RECORD_HEADER = 12;
export const STORE_DEFAULT_CAPACITY = 32768;

const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let i = 0; i < 256; i++) {
    let c = i;
    for (let k = 0; k < 8; k++) c = (c >>> 1) ^ (0xedb88320 & -(c & 1));
    t[i] = c >>> 0;
  }
  return t;
})();

/** CRC-32 (IEEE 802.3, as zlib), continued from crc. */
export function crc32(data: Uint8Array, crc = 0): number {
  crc = ~crc >>> 0;
  for (const b of data) crc = (CRC_TABLE[(crc ^ b) & 0xff] ^ (crc >>> 8)) >>> 0;
  return ~crc >>> 0;
}

export class StoreError extends Error {
  constructor(public status: number, message: string) { super(message); }
}

interface Rec { id: number; raw: Uint8Array } // raw = the whole record, header included, verbatim

/** Structure check of an image; throws StoreError(E.STORE_CORRUPT) with the same words as the C store. */
export function parseStore(img: Uint8Array): Rec[] {
  const dv = new DataView(img.buffer, img.byteOffset, img.byteLength);
  if (img.length < STORE_HEADER) throw new StoreError(E.STORE_CORRUPT, `file is truncated (${img.length} bytes, header needs ${STORE_HEADER})`);
  if (String.fromCharCode(...img.subarray(0, 4)) !== "ESTK") throw new StoreError(E.STORE_CORRUPT, "not a key-store file (bad magic)");
  if (dv.getUint16(4) !== 1) throw new StoreError(E.STORE_CORRUPT, `unsupported key-store version ${dv.getUint16(4)}`);
  if (crc32(img.subarray(0, 12)) !== dv.getUint32(12)) throw new StoreError(E.STORE_CORRUPT, "header checksum mismatch");
  const count = dv.getUint32(8);
  const recs: Rec[] = [];
  let off = STORE_HEADER;
  for (let i = 0; i < count; i++) {
    if (img.length - off < STORE_RECORD_HEADER) throw new StoreError(E.STORE_CORRUPT, `file is truncated inside record ${i + 1} of ${count}`);
    const n = dv.getUint32(off + 4);
    if (n > STORE_MAX_RECORD || img.length - off - STORE_RECORD_HEADER < n) {
      throw new StoreError(E.STORE_CORRUPT, `file is truncated or corrupt at record ${i + 1} of ${count} (length ${n})`);
    }
    recs.push({ id: dv.getUint32(off), raw: img.slice(off, off + STORE_RECORD_HEADER + n) });
    off += STORE_RECORD_HEADER + n;
  }
  if (off !== img.length) throw new StoreError(E.STORE_CORRUPT, `${img.length - off} unexpected bytes after the last record`);
  return recs;
}

/** Serialise records into a store image (used by the store and by provisioning tools). */
export function buildStore(records: { id: number; data: Uint8Array }[]): Uint8Array {
  const raws = records.map(({ id, data }) => makeRecord(id, data));
  return imageOf(raws);
}

function makeRecord(id: number, data: Uint8Array): Uint8Array {
  const raw = new Uint8Array(STORE_RECORD_HEADER + data.length);
  const dv = new DataView(raw.buffer);
  dv.setUint32(0, id);
  dv.setUint32(4, data.length);
  raw.set(data, STORE_RECORD_HEADER);
  dv.setUint32(8, crc32(data, crc32(raw.subarray(0, 8))));
  return raw;
}

function imageOf(raws: Uint8Array[]): Uint8Array {
  const len = STORE_HEADER + raws.reduce((s, r) => s + r.length, 0);
  const img = new Uint8Array(len);
  const dv = new DataView(img.buffer);
  img.set([0x45, 0x53, 0x54, 0x4b, 0, 1, 0, 0]);
  dv.setUint32(8, raws.length);
  dv.setUint32(12, crc32(img.subarray(0, 12)));
  let off = STORE_HEADER;
  for (const r of raws) { img.set(r, off); off += r.length; }
  return img;
}

/** A key store backed by one file, replaced atomically on every change. */
export class FileStore {
  private recs: Rec[] = [];

  /** Opens path (absent: empty store, file created on first write). Throws StoreError on a corrupt file. */
  constructor(public readonly path: string, public readonly capacity = STORE_DEFAULT_CAPACITY) {
    let img: Uint8Array;
    try {
      const st = statSync(path);
      if (!st.isFile()) throw new StoreError(E.STORE_IO, "not a regular file");
      if (st.size > capacity) throw new StoreError(E.STORE_CORRUPT, `file is ${st.size} bytes, larger than the store capacity of ${capacity} bytes`);
      img = new Uint8Array(readFileSync(path));
    } catch (e: any) {
      if (e instanceof StoreError) throw e;
      if (e.code === "ENOENT") return;
      throw new StoreError(E.STORE_IO, `cannot open: ${e.message}`);
    }
    this.recs = parseStore(img);
  }

  read(id: number, cap: number): Uint8Array | number {
    const r = this.recs.find((x) => x.id === id);
    if (!r) return E.STORE_NOT_FOUND;
    const dv = new DataView(r.raw.buffer, r.raw.byteOffset);
    const data = r.raw.subarray(STORE_RECORD_HEADER);
    if (crc32(data, crc32(r.raw.subarray(0, 8))) !== dv.getUint32(8)) return E.STORE_CORRUPT;
    if (cap < data.length) return E.BUFFER_TOO_SMALL;
    return data;
  }

  write(id: number, data: Uint8Array): number {
    if (data.length > STORE_MAX_RECORD) return E.STORE_TOO_LARGE;
    return this.replace(id, makeRecord(id, data));
  }

  erase(id: number): number {
    if (!this.recs.some((x) => x.id === id)) return 0;
    return this.replace(id, null);
  }

  private replace(id: number, rec: Uint8Array | null): number {
    const next = this.recs.filter((x) => x.id !== id);
    if (rec) next.push({ id, raw: rec });
    const img = imageOf(next.map((x) => x.raw));
    if (img.length > this.capacity) return E.STORE_FULL;
    const tmp = this.path + ".tmp";
    try {
      const fd = openSync(tmp, "w", 0o600);
      try { writeSync(fd, img); fsyncSync(fd); } finally { closeSync(fd); }
      renameSync(tmp, this.path);
      try { const d = openSync(dirname(this.path), "r"); fsyncSync(d); closeSync(d); } catch { /* best effort */ }
    } catch (e: any) {
      try { unlinkSync(tmp); } catch { /* absent */ }
      process.stderr.write(`est-node: [error] key store: cannot write ${this.path}: ${e.message}\n`);
      return E.STORE_IO;
    }
    this.recs = next.map((x) => ({ id: x.id, raw: x.raw }));
    return 0;
  }
}
