// Key-store images for the microcontroller boards, from a provisioned key store (tools/provision.ts writes the
// simulator's format; `npm start` leaves one in build/demo/device.keystore):
//
//   npx tsx tools/device-image.ts --store FILE [--nrf52840-hex OUT.hex] [--flash-bin OUT.bin] [--esp32-nvs-csv OUT.csv]
//
//   --nrf52840-hex   Intel HEX of the 32 KiB store region at 0xF8000 (boards/common/flash_store.c's format):
//                    nrfjprog --program OUT.hex --sectorerase --verify (or pyocd flash)
//   --flash-bin      the same region as a raw 32 KiB file: QEMU's --flash FILE (boards/mps2-an386)
//   --esp32-nvs-csv  a CSV for ESP-IDF's nvs_partition_gen.py (namespace "est", key "r%04x" per record, base64
//                    blobs), which makes the NVS partition image boards/esp32 reads
import { readFileSync, writeFileSync } from "node:fs";
import { parseStore } from "../host/node/store.js";
import { buildFlashImage, intelHex } from "./hil/flash-image.js";

export function nvsCsv(records: { id: number; data: Uint8Array }[]): string {
  const lines = ["key,type,encoding,value", "est,namespace,,"];
  for (const { id, data } of records) lines.push(`r${id.toString(16).padStart(4, "0")},data,base64,${Buffer.from(data).toString("base64")}`);
  return lines.join("\n") + "\n";
}

/** The ESP32 board's Linux stand-in NVS file (boards/esp32/test/fake_idf.c, EST_FAKE_NVS): per record a 16-byte
 *  key "r%04x", a 4-byte little-endian length, the blob. */
export function fakeNvsFile(records: { id: number; data: Uint8Array }[]): Buffer {
  return Buffer.concat(records.flatMap(({ id, data }) => {
    const key = Buffer.alloc(16);
    key.write(`r${id.toString(16).padStart(4, "0")}`);
    const len = Buffer.alloc(4);
    len.writeUInt32LE(data.length);
    return [key, len, Buffer.from(data)];
  }));
}

/** The records of a simulator key store (tools/provision.ts writes one) as the ESP32 stand-in's NVS file at `out`. */
export function writeFakeNvs(store: string, out: string): void {
  writeFileSync(out, fakeNvsFile(parseStore(new Uint8Array(readFileSync(store))).map((r) => ({ id: r.id, data: r.raw.subarray(12) }))));
}

function main(argv: string[]): number {
  const opt = new Map<string, string>();
  for (let i = 0; i < argv.length; i += 2) {
    if (!["--store", "--nrf52840-hex", "--flash-bin", "--esp32-nvs-csv"].includes(argv[i]) || argv[i + 1] === undefined) {
      console.error(`device-image: bad option ${argv[i]} (see the comment at the top of tools/device-image.ts)`);
      return 2;
    }
    opt.set(argv[i], argv[i + 1]);
  }
  const store = opt.get("--store");
  if (!store || opt.size < 2) { console.error("usage: device-image --store FILE [--nrf52840-hex OUT] [--flash-bin OUT] [--esp32-nvs-csv OUT]"); return 2; }
  const records = parseStore(new Uint8Array(readFileSync(store))).map((r) => ({ id: r.id, data: r.raw.subarray(12) }));
  const img = buildFlashImage(records);
  if (opt.has("--nrf52840-hex")) writeFileSync(opt.get("--nrf52840-hex")!, intelHex(img));
  if (opt.has("--flash-bin")) writeFileSync(opt.get("--flash-bin")!, img);
  if (opt.has("--esp32-nvs-csv")) writeFileSync(opt.get("--esp32-nvs-csv")!, nvsCsv(records));
  console.log(`device-image: ${records.length} records (${records.reduce((n, r) => n + r.data.length, 0)} bytes) from ${store}`);
  return 0;
}

if (process.argv[1] && import.meta.filename === process.argv[1]) process.exit(main(process.argv.slice(2)));
