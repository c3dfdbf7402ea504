// The script of test/client/client_test.c on the Node host (host/node/client.ts): the same calls in the same
// order, the same JSON lines, so test/client-api.test.ts can hold the two hosts to the same behaviour.
import { readFileSync } from "node:fs";
import { E } from "../../host/node/abi.js";
import { NodeBoard } from "../../host/node/board.js";
import { EstClient, PAYLOAD_MAX, type ClientEvent, type Op } from "../../host/node/client.js";
import { FileStore } from "../../host/node/store.js";

const ACTION_OF: Record<string, string> = { none: "none", enrolled: "enrolled", reenrolled: "reenrolled", renewed: "renewed" };

export async function clientScript(module: string, storePath: string, uri: string): Promise<string[]> {
  const lines: string[] = [];
  const print = (o: object) => lines.push(JSON.stringify(o));
  const check = (what: string, value: number) => print({ check: what, value });
  const board = new NodeBoard({ store: new FileStore(storePath, 32768), out: () => {}, err: () => {} });
  const wasm = new Uint8Array(readFileSync(module));
  let nowS = Math.floor(Date.now() / 1000);
  let stopAfterDone = false;
  let client!: EstClient;
  const onDone = (ev: ClientEvent) => {
    const o: Record<string, unknown> = { event: ev.op, status: ev.status, action: ACTION_OF[ev.action], not_after: ev.notAfter, renew_at: ev.renewAt };
    if (ev.op === "request") o.response = Buffer.from(ev.response ?? []).toString("latin1");
    print(o);
    if (stopAfterDone) client.stop();
  };
  const statusLine = (label: string) => {
    const { status, s } = client.status();
    print({ status: label, result: status, enrolled: s?.enrolled ? 1 : 0, expired: s?.expired ? 1 : 0, renewal_due: s?.renewalDue ? 1 : 0,
      not_before: s?.notBefore ?? 0, not_after: s?.notAfter ?? 0, renew_at: s?.renewAt ?? 0, subject: s?.subject ?? "",
      certificate_len: s?.certificate?.length ?? 0, key_id: s?.keyId ?? 0, next_run_s: client.nextRunS() });
  };
  const stepped = async (op: Exclude<Op, "request">) => {
    let st = client.start(op), steps = 0, busy = 0;
    while (st === E.PENDING) {
      if (steps === 0) busy = client.start("enroll") === E.BUSY && client.status().status === E.BUSY && client.nextDeadline() >= 0n ? 1 : 0;
      st = await client.step(20);
      steps++;
    }
    print({ stepped: op, status: st, steps, busy_refused: busy });
  };
  // A board without native crypto (cryptoMask 0), as the C harness: the key stays in the enrollment record.
  const cfg = { limits: { maxPages: 2, cryptoMask: 0 }, timeNow: () => nowS, onDone, renewPercent: 100, retryMinS: 5, retryMaxS: 600 } as const;
  try { await EstClient.init(wasm, board, cfg); check("config_percent_100", 0); } catch { check("config_percent_100", -1001); }
  client = await EstClient.init(wasm, board, { ...cfg, renewPercent: 0 });
  check("init", 0);
  check("start_without_uri", client.start("maintain"));
  client = await EstClient.init(wasm, board, { ...cfg, renewPercent: 0, serverUri: uri });
  check("init", 0);
  check("step_idle", await client.step(0));
  statusLine("fresh");

  await stepped("maintain");
  statusLine("enrolled");
  const cert = client.certificate(2048);
  check("certificate", cert.status);
  print({ certificate: Buffer.from(cert.der ?? []).toString("hex") });
  const small = client.certificate(10);
  check("certificate_small_buffer", small.status);
  check("certificate_small_len", small.len);
  const k = client.keyExport(3110);
  check("key_export", k.status);
  print({ key_type: k.type ?? 0, key: Buffer.from(k.priv ?? []).toString("hex") });
  check("key_export_small_scratch", client.keyExport(16).status);

  check("request_payload_too_long", client.startRequest("post", "/sensor", "x".repeat(PAYLOAD_MAX + 1)));
  check("request_bad_path", client.startRequest("post", "sensor", "1"));
  check("request_post", (await client.request("post", "/sensor", "t=21.5")).status);
  const got = await client.request("get", "/sensor");
  check("request_get", got.status);
  check("request_get_len", got.response.length);
  check("request_missing", (await client.request("get", "/nothing-here")).status);

  await stepped("maintain");
  nowS = (client.status().s?.renewAt ?? 0) + 1;
  statusLine("due");
  await stepped("maintain");
  statusLine("renewed");
  nowS = (client.status().s?.notAfter ?? 0) + 10;
  statusLine("expired");
  await stepped("maintain");
  nowS = Math.floor(Date.now() / 1000);
  statusLine("reenrolled");
  check("run_renew", await client.run("renew"));

  const st = client.start("enroll");
  check("cancel", st === E.PENDING ? client.cancel() : st);

  stopAfterDone = true;
  await client.task();
  stopAfterDone = false;
  check("task_returned", 1);
  await board.close();
  return lines;
}
