// ABI conformance: the same command lines against the same test module (build/abi-probe.wasm) under both
// hosts — est-sim (wasm3) and the Node host (V8). Each case states what must happen, and both hosts must
// produce the same exit code, the same stdout and the same key-store bytes.
import { createSocket, type Socket } from "node:dgram";
import { copyFileSync, existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildStore } from "../host/node/store.js";
import { CLIENT_WASM, SIM_WASM, HOSTS, ROOT, runCommand, tempDir, type CommandResult, type HostName } from "./helpers/hosts.js";

const PROBE = join(ROOT, "build/abi-probe.wasm");

/** Run args (after --module/--store) under both hosts, each with its own copy of `storeBytes`. */
async function both(args: string[], opts: { store?: Uint8Array; capacity?: number; module?: string; sameStderr?: boolean; sameStdout?: boolean } = {}) {
  const out = {} as Record<HostName, CommandResult & { storeAfter: Uint8Array | null }>;
  for (const host of HOSTS) {
    const dir = tempDir();
    const store = join(dir, "ks");
    if (opts.store) writeFileSync(store, opts.store);
    const pre = ["--module", opts.module ?? PROBE, "--store", store];
    if (opts.capacity) pre.push("--store-capacity", String(opts.capacity));
    const r = await runCommand(host, [...pre, ...args]);
    // Each host gets its own directory: name it alike so the messages can be compared.
    const norm = (t: string) => t.split(dir).join("<dir>");
    out[host] = { code: r.code, stdout: norm(r.stdout), stderr: norm(r.stderr), storeAfter: existsSync(store) ? Uint8Array.from(readFileSync(store)) : null };
  }
  // The hosts must agree, whatever the case asserts on top.
  expect(out.v8.code, `exit codes differ: ${out.wasm3.stderr} / ${out.v8.stderr}`).toBe(out.wasm3.code);
  if (opts.sameStdout !== false) expect(out.v8.stdout).toBe(out.wasm3.stdout);
  if (opts.sameStderr !== false) expect(out.v8.stderr).toBe(out.wasm3.stderr);
  expect(out.v8.storeAfter).toEqual(out.wasm3.storeAfter);
  return out.wasm3;
}

describe("argv and output", () => {
  it("passes arguments byte for byte, UTF-8 included", async () => {
    const r = await both(["echo", "a", "b c", "é€", ""]);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe("[a]\n[b c]\n[é€]\n[]\n");
  });

  it("refuses a command line longer than the io buffer with a usage error", async () => {
    const r = await both(["echo", "x".repeat(5000)]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/command line too long for the module \(4096 bytes at most\)/);
  });

  it("maps unknown commands to exit code 2 with the module's detail", async () => {
    const r = await both(["no-such-command"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe("est-sim: no-such-command: E_UNKNOWN_COMMAND (unknown probe command)\n");
  });
});

describe("input stream (in_read, in_seek)", () => {
  it("gives the -f file's size, reads from positions counted from its start and its end, refuses bad positions", async () => {
    const dir = tempDir();
    const file = join(dir, "in.bin");
    writeFileSync(file, Buffer.from("0123456789"));
    const r = await both(["input", "-f", file]);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe([
      "size 10",
      "seek 0/0 -> 0, read 4 30313233",
      "seek 2/0 -> 2, read 3 323334",
      "seek -3/2 -> 7, read 3 373839",
      "seek 20/0 -> 20, read 0 ",
      "seek -1/0: E_USAGE",
      "seek -11/2: E_USAGE",
      "seek 0/1: E_USAGE",
      "seek 1/0 -> 1, read 2 3132",
      "",
    ].join("\n"));
  });

  it("without -f, is an empty stream", async () => {
    const r = await both(["input"]);
    expect(r.code).toBe(0);
    expect(r.stdout.split("\n").slice(0, 3)).toEqual(["size 0", "seek 0/0 -> 0, read 0 ", "seek 2/0 -> 2, read 0 "]);
  });
});

describe("pointer checks", () => {
  it("answers E_BAD_POINTER for every range outside linear memory and keeps running", async () => {
    const r = await both(["bad-pointers"]);
    expect(r.code).toBe(0);
    const lines = r.stdout.trim().split("\n");
    const bad = lines.filter((l) => l.endsWith(": E_BAD_POINTER"));
    expect(bad.length).toBe(11);
    expect(lines).toContain("store_read id out of range: E_STORE_ID");
    expect(lines).toContain("store_write too large: E_STORE_TOO_LARGE");
    expect(lines.at(-1)).toBe("still alive");
  });
});

describe("traps", () => {
  it("reports a module panic with its message and location, exit code 4", async () => {
    const r = await both(["panic"]);
    expect(r.code).toBe(4);
    expect(r.stderr).toMatch(/^est-sim: module panic in start: probe panic at test\/abi\/probe\.ts:\d+:\d+\n$/);
  });

  it("reports an out-of-bounds access as a trap, exit code 4", async () => {
    const r = await both(["trap"]);
    expect(r.code).toBe(4);
    expect(r.stderr).toBe("est-sim: module trap in start: [trap] out of bounds memory access\n");
  });

  it("reports unreachable as a trap, exit code 4", async () => {
    const r = await both(["unreachable"]);
    expect(r.code).toBe(4);
    expect(r.stderr).toBe("est-sim: module trap in start: [trap] unreachable executed\n");
  });

  it("stops a module that waits with no deadline instead of hanging", async () => {
    const r = await both(["stall"]);
    expect(r.code).toBe(4);
    expect(r.stderr).toMatch(/waiting with no deadline/);
  });
});

describe("timers", () => {
  it("fires a timer no earlier than its deadline", async () => {
    const r = await both(["timer", "25"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe("timer fired, not early\n");
  });
});

describe("key store", () => {
  it("round-trips records and writes identical files under both hosts", async () => {
    const r = await both(["store-write", "7", "00112233445566778899"]);
    expect(r.stdout).toBe("store_write: OK\n");
    expect(r.storeAfter).not.toBeNull();
    // The file is the documented format: header + one record.
    expect(r.storeAfter).toEqual(buildStore([{ id: 7, data: Buffer.from("00112233445566778899", "hex") }]));
    const r2 = await both(["store-read", "7"], { store: r.storeAfter! });
    expect(r2.stdout).toBe("store_read: 10 bytes 00112233445566778899\n");
    const r3 = await both(["store-read", "7", "4"], { store: r.storeAfter! });
    expect(r3.stdout).toBe("store_read: E_BUFFER_TOO_SMALL\n");
    const r4 = await both(["store-read", "8"], { store: r.storeAfter! });
    expect(r4.stdout).toBe("store_read: E_STORE_NOT_FOUND\n");
  });

  it("reports a full store and loses none of the records already written", async () => {
    // 16-byte header + 4 x (12 + 4096) = 16448 <= 20000 < 16 + 5 x 4108
    const r = await both(["store-fill"], { capacity: 20000 });
    expect(r.code).toBe(0);
    expect(r.stdout).toBe("wrote 4 records of 4096 bytes, then E_STORE_FULL\nintact after refusal: 4\n");
  });

  it("detects a corrupted record, keeps it verbatim and still serves the others", async () => {
    const img = buildStore([{ id: 1, data: Buffer.from("aaaaaaaa", "hex") }, { id: 2, data: Buffer.from("bbbb", "hex") }]);
    img[16 + 12] ^= 0x01; // first data byte of record 1
    const r1 = await both(["store-read", "1"], { store: img });
    expect(r1.stdout).toBe("store_read: E_STORE_CORRUPT\n");
    expect(r1.storeAfter).toEqual(img);
    const r2 = await both(["store-read", "2"], { store: img });
    expect(r2.stdout).toBe("store_read: 2 bytes bbbb\n");
    const r3 = await both(["store-write", "3", "cc"], { store: img });
    expect(r3.stdout).toBe("store_write: OK\n");
    // The damaged record is carried over byte for byte; the new one is appended.
    expect(r3.storeAfter!.subarray(16, 16 + 12 + 4)).toEqual(img.subarray(16, 16 + 12 + 4));
    const r4 = await both(["store-read", "3"], { store: r3.storeAfter! });
    expect(r4.stdout).toBe("store_read: 1 bytes cc\n");
  });

  for (const [what, mutate, message] of [
    ["truncated", (b: Uint8Array) => b.subarray(0, b.length - 1), /truncated or corrupt at record 2 of 2 \(length 2\)/],
    ["cut in a record header", (b: Uint8Array) => b.subarray(0, b.length - 3), /truncated inside record 2 of 2/],
    ["garbage", (_b: Uint8Array) => new TextEncoder().encode("this is not a key store, but it is long enough"), /bad magic/],
    ["header-damaged", (b: Uint8Array) => { const c = Uint8Array.from(b); c[9] ^= 4; return c; }, /header checksum mismatch/],
    ["too short", (_b: Uint8Array) => Uint8Array.from([0x45, 0x53]), /file is truncated \(2 bytes/],
  ] as const) {
    it(`refuses a ${what} store file with exit code 5 and leaves it untouched`, async () => {
      const good = buildStore([{ id: 1, data: Buffer.from("01020304", "hex") }, { id: 2, data: Buffer.from("0506", "hex") }]);
      const bad = Uint8Array.from(mutate(good));
      const r = await both(["store-write", "9", "ff"], { store: bad });
      expect(r.code).toBe(5);
      expect(r.stderr).toMatch(message);
      expect(r.stderr).toMatch(/it was not modified/);
      expect(r.storeAfter).toEqual(bad);
    });
  }
});

describe("module loading", () => {
  // Minimal modules assembled by hand: the ABI exports are missing or an import is foreign.
  const leb = (n: number) => { const o = []; do { let b = n & 0x7f; n >>>= 7; if (n) b |= 0x80; o.push(b); } while (n); return o; };
  const str = (s: string) => [...leb(s.length), ...Buffer.from(s)];
  const section = (id: number, body: number[]) => [id, ...leb(body.length), ...body];
  const header = [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00];
  function moduleImporting(mod: string, name: string, sig: { params: number[]; results: number[] }) {
    const types = section(1, [1, 0x60, ...leb(sig.params.length), ...sig.params, ...leb(sig.results.length), ...sig.results]);
    const imports = section(2, [1, ...str(mod), ...str(name), 0x00, 0x00]);
    const memory = section(5, [1, 0x01, 1, 1]);
    return Uint8Array.from([...header, ...types, ...imports, ...memory]);
  }
  const write = (bytes: Uint8Array) => { const p = join(tempDir(), "m.wasm"); writeFileSync(p, bytes); return p; };
  /** A module defining one function of type `sig`, exported as each of `names` (index 0: the function). */
  function moduleExporting(names: string[], sig: { params: number[]; results: number[] }, index = 0) {
    const types = section(1, [1, 0x60, ...leb(sig.params.length), ...sig.params, ...leb(sig.results.length), ...sig.results]);
    const funcs = section(3, [1, 0]);
    const memory = section(5, [1, 0x01, 1, 1]);
    const exports = section(7, [...leb(names.length), ...names.flatMap((n) => [...str(n), 0x00, index])]);
    const body = [0, ...(sig.results.length ? [0x41, 0] : []), 0x0b];
    const code = section(10, [1, ...leb(body.length), ...body]);
    return Uint8Array.from([...header, ...types, ...funcs, ...memory, ...exports, ...code]);
  }

  const cases: [string, () => string, RegExp][] = [
    ["a missing file", () => join(tempDir(), "absent.wasm"), /cannot read module .*absent\.wasm: No such file or directory \(build it with: npm run build\)/],
    ["a text file", () => write(new TextEncoder().encode("definitely not wasm")), /not a WebAssembly module \(no \\0asm magic\)/],
    ["an empty file", () => write(new Uint8Array(0)), /file is too short to be a WebAssembly module \(0 bytes\)/],
    ["a truncated module", () => write(readFileSync(CLIENT_WASM).subarray(0, 200)), /truncated or corrupt/],
    ["an unknown board import", () => write(moduleImporting("board", "frobnicate", { params: [0x7f], results: [0x7f] })), /module imports board\.frobnicate, which this host does not provide \(ABI 2\)/],
    ["a foreign import module", () => write(moduleImporting("env", "abort", { params: [0x7f, 0x7f, 0x7f, 0x7f], results: [] })), /module imports env\.abort, but this host provides only module "board"/],
    ["a wrong import signature", () => write(moduleImporting("board", "rng_fill", { params: [0x7f], results: [0x7f] })), /module imports board\.rng_fill with signature i\(i\); the ABI says i\(ii\)/],
    ["a misspelled crypto import", () => write(moduleImporting("crypto", "sha265", { params: [0x7f, 0x7f, 0x7f], results: [0x7f] })), /module imports crypto\.sha265, which this host does not provide \(ABI 2\)/],
    ["a crypto import with a wrong signature", () => write(moduleImporting("crypto", "ecdh", { params: [0x7f, 0x7f, 0x7f], results: [0x7f] })), /module imports crypto\.ecdh with signature i\(iii\); the ABI says i\(iiii\)/],
    ["a crypto import with a 64-bit argument", () => write(moduleImporting("crypto", "key_open", { params: [0x7e], results: [0x7f] })), /module imports crypto\.key_open with signature i\(I\); the ABI says i\(i\)/],
    ["a board function imported from module crypto", () => write(moduleImporting("crypto", "rng_fill", { params: [0x7f, 0x7f], results: [0x7f] })), /module imports crypto\.rng_fill, which this host does not provide/],
    ["a module without the ABI exports", () => write(moduleImporting("board", "rng_fill", { params: [0x7f, 0x7f], results: [0x7f] })), /module exports nothing/],
    ["a module missing an ABI export", () => write(moduleExporting(["_start"], { params: [], results: [] })), /module does not export abi_version: not an est-oscore module of ABI 2\?/],
    ["an ABI export with a wrong signature", () => write(moduleExporting(["_start"], { params: [], results: [0x7f] })), /export _start has signature i\(\); the ABI says v\(\)/],
    ["an ABI export that is no function of the module", () => write(moduleExporting(["_start"], { params: [], results: [] }, 5)), /export _start is not a function defined by the module/],
  ];
  for (const [what, make, message] of cases) {
    it(`rejects ${what} with exit code 3 and a clear message`, async () => {
      const path = make();
      const r = await both(["version"], { module: path });
      expect(r.code).toBe(3);
      expect(r.stderr).toMatch(message);
    });
  }

  it("runs the device module and the simulator module under both hosts", async () => {
    const r = await both(["status"], { module: CLIENT_WASM });
    expect(r.code).toBe(0);
    expect(r.stdout).toBe("not enrolled\n");
    const v = await both(["version"], { module: SIM_WASM });
    expect(v.code).toBe(0);
    expect(v.stdout).toMatch(/^est-oscore simulator module \d+\.\d+\.\d+\n$/);
    const u = await both(["version"], { module: CLIENT_WASM });
    expect(u.code).toBe(2);
    expect(u.stderr).toMatch(/version: E_UNKNOWN_COMMAND \(unknown command: version\)/);
  });
});

describe("UDP", () => {
  const servers: Socket[] = [];
  const ports: Record<string, number> = {};
  beforeAll(async () => {
    for (const [type, addr] of [["udp4", "127.0.0.1"], ["udp6", "::1"]] as const) {
      const s = createSocket({ type, ipv6Only: type === "udp6" });
      s.on("message", (m, rinfo) => s.send(Buffer.concat([Buffer.from("echo:"), m]), rinfo.port, rinfo.address));
      await new Promise<void>((res) => s.bind(0, addr, () => res()));
      ports[type] = s.address().port;
      servers.push(s);
    }
  });
  afterAll(() => servers.forEach((s) => s.close()));

  it("sends and receives over IPv4", async () => {
    const r = await both(["udp-echo", "127.0.0.1", String(ports.udp4), "hello"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe("reply from IPv4: echo:hello\n");
  });

  it("sends and receives over IPv6", async () => {
    const r = await both(["udp-echo", "::1", String(ports.udp6), "hello6"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe("reply from IPv6: echo:hello6\n");
  });

  it("ends with E_TIMEOUT and a clear message when the peer never answers", async () => {
    const silent = createSocket("udp4");
    await new Promise<void>((res) => silent.bind(0, "127.0.0.1", () => res()));
    try {
      const r = await both(["udp-echo", "127.0.0.1", String(silent.address().port), "anyone?"]);
      expect(r.code).toBe(1);
      expect(r.stderr).toBe("est-sim: udp-echo: E_TIMEOUT (no answer from the peer within 2000 ms)\n");
    } finally {
      silent.close();
    }
  });

  it("fails cleanly on a name that does not resolve", async () => {
    // The boards word their own log line differently (getaddrinfo vs the Node host's /etc/hosts lookup).
    const r = await both(["udp-echo", "no-such-host.invalid", "5683", "x"], { sameStderr: false });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/udp-echo: E_NET_RESOLVE \(cannot resolve the peer\)/);
  });

  describe("impairment layer", () => {
    const burst = (opts: string[], n: number, waitMs: number) => both([...opts, "udp-burst", "127.0.0.1", String(ports.udp4), String(n), String(waitMs)]);
    const replies = (out: string) => out.split("\n")[1].trim().split(" ").filter(Boolean);
    // The waits (ms) are long beside the echo's answer on this machine (well under 10 ms), so that a busy machine
    // cannot make an answer miss them: what arrives is decided by the impairment alone.

    it("drops the same seeded share of datagrams under both hosts", async () => {
      const r = await burst(["--loss", "30", "--impair-seed", "42"], 40, 1000);
      expect(r.code).toBe(0);
      const got = replies(r.stdout);
      // 30% loss each way: about half arrive; the seed fixes which, and both hosts agree (checked by both()).
      expect(got.length).toBeGreaterThan(8);
      expect(got.length).toBeLessThan(32);
      expect(new Set(got).size).toBe(got.length);
      const other = await burst(["--loss", "30", "--impair-seed", "43"], 40, 1000);
      expect(replies(other.stdout)).not.toEqual(got);
    });

    it("loses everything at 100% loss, so the command times out", async () => {
      const r = await both(["--loss", "100", "udp-echo", "127.0.0.1", String(ports.udp4), "x"]);
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/E_TIMEOUT/);
    });

    it("duplicates incoming datagrams", async () => {
      const r = await burst(["--dup", "100", "--impair-dir", "down"], 3, 1000);
      expect(replies(r.stdout)).toEqual(["echo:p0", "echo:p0", "echo:p1", "echo:p1", "echo:p2", "echo:p2"]);
    });

    it("reorders: the same seeded hold-backs under both hosts, none lost", async () => {
      // Arrival order depends on the machine's timing; the decisions do not: count them in the debug log.
      const r = await both(["-vv", "--reorder", "40", "--impair-seed", "3", "udp-burst", "127.0.0.1", String(ports.udp4), "10", "1500"],
        { sameStdout: false, sameStderr: false });
      expect([...replies(r.stdout)].sort()).toEqual(Array.from({ length: 10 }, (_, i) => `echo:p${i}`).sort());
      const held = (r.stderr.match(/impair: held back (outgoing|incoming)/g) ?? []).length;
      expect(held).toBeGreaterThan(2);
      const again = await runCommand("v8", ["--module", PROBE, "--store", join(tempDir(), "ks"), "-vv", "--reorder", "40", "--impair-seed", "3",
        "udp-burst", "127.0.0.1", String(ports.udp4), "10", "1500"]);
      expect((again.stderr.match(/impair: held back (outgoing|incoming)/g) ?? []).length).toBe(held);
    });

    it("delays each direction by --delay", async () => {
      const r = await burst(["--delay", "100"], 2, 1500);
      expect(r.stdout).toBe("first reply after >=200 ms\necho:p0 echo:p1 \nreplies: 2\n");
    });

    it("rejects bad impairment values as usage errors", async () => {
      for (const bad of [["--loss", "101"], ["--dup", "x"], ["--delay", "-1"], ["--impair-dir", "sideways"]]) {
        const r = await both([...bad, "echo"]);
        expect(r.code).toBe(2);
        expect(r.stderr).toMatch(new RegExp(`^est-sim: ${bad[0]} needs `));
      }
    });
  });
});
