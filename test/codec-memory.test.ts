// The codecs allocate nothing after start-up: the codec test module's heap end stays where it was after
// thousands of decode/encode/parse/build calls on valid and invalid input (V8 host, in process).
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { NodeBoard } from "../host/node/board.js";
import { ModuleHost } from "../host/node/host.js";
import { FileStore } from "../host/node/store.js";
import { ROOT, tempDir } from "./helpers/hosts.js";

const CODEC = join(ROOT, "build/codec-test.wasm");
const hex = (s: string) => Buffer.from(s).toString("hex");

describe("codec memory", () => {
  it("does not grow the heap across repeated codec calls", async () => {
    const board = new NodeBoard({ store: new FileStore(join(tempDir(), "ks")), out: () => {}, err: () => {} });
    const host = await ModuleHost.load(readFileSync(CODEC), board);
    const lines = [
      { op: "cbor_decode", hex: "bf61610161629f0203ffff" }, { op: "cbor_decode", hex: "9f01", strict: 1 },
      { op: "cbor_check", hex: "c0c0c0c0c000" }, { op: "cbor_reencode", hex: "7f657374726561646d696e67ff", cap: 5 },
      { op: "cbor_reencode", hex: "fb3ff199999999999a" }, { op: "coap_parse", hex: "41017d3520bb74656d7065726174757265" },
      { op: "coap_parse", hex: "40010001ff" }, { op: "coap_info", hex: "614512349ac20119b10aff00" },
      { op: "coap_build", type: 0, code: 1, mid: 1, token: "9a", path: "/est/crts?x=1", options: "17=#281,3=61" },
      { op: "block_decode", hex: "0f" }, { op: "block_encode", num: 9, m: 0, szx: 2 },
      { op: "link_parse", hex: hex('</est>; rt="ace.est.sen";osc,<coaps://[::1]:1/x>;ct="1 2"') },
      { op: "link_parse", hex: hex("</a") }, { op: "link_find", hex: hex('</est>;rt="ace.est.sen"'), prefix: "ace.est" },
    ].map((l) => JSON.stringify(l));
    await host.run(["vector", lines[0]]);
    const top = host.heapTop();
    for (let i = 0; i < 200; i++) {
      for (const l of lines) await host.run(["vector", l]);
      await host.run(["cbor-decode", "a1" + "00".repeat(i % 3)]);
      await host.run(["link-parse", "</x>;rt=" + "a".repeat(i)]);
    }
    expect(host.heapTop()).toBe(top);
    expect(host.memoryBytes).toBe(131072);
    board.close();
  });
});
