// The command arena's owner tag (assembly/base/arena.ts), tripped on purpose through the codec test module
// under both hosts: buffers whose users never overlap share one area, and an overlap the design did not
// foresee must be a refusal (E_INTERNAL), never two users writing the same bytes.
import { describe, expect, it } from "vitest";
import { join } from "node:path";
import { HOSTS, ROOT, runCommand, tempDir } from "./helpers/hosts.js";

const CODEC = join(ROOT, "build/codec-test.wasm");

describe.each(HOSTS)("command arena under %s", (host) => {
  it("refuses a second owner while one holds it, keeps the holder's bytes, wipes on the holder's release", async () => {
    const r = await runCommand(host, ["--module", CODEC, "--store", join(tempDir("arena-"), "ks"), "arena-trip"]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.split("\n")).toEqual([
      "take handshake: ok",
      "take enrollment while the handshake holds it: refused E_INTERNAL",
      "release by the enrollment: owner 1, mark intact",
      "take handshake again: ok",
      "release by the handshake: owner 0, wiped",
      "take enrollment: ok",
      "free: yes",
      "",
    ]);
  }, 60_000);
});
