// The development EST-oscore server on its own: EDHOC Responder, OSCORE, EST (RFC 9148) and a CA, with its
// state (server credentials, CA, provisioned devices, OSCORE contexts) in a work folder.
//
//   npx tsx tools/est-server.ts [--dir DIR] [--host ADDR] [--port N] [--validity-days N | --validity-seconds N] [--manual-approval]
//                               [--csr-subject replace|refuse] [--ca-key p256|ed25519] [--delay MS] [-q]
//                               [--server-cred ccs|kccs|x5t|x5chain|c5t|c5c] [--intermediate [1|2]]
//                               [--c509-type 2|3] [--c509-wrap sequence|array] [--cf NAME=N]...
//                               [--upstream URL --upstream-trust PEM [--upstream-cert PEM --upstream-key PEM]
//                                [--upstream-reenroll simplereenroll|simpleenroll]]
//
// --intermediate issues through an intermediate CA (root -> intermediate -> device), --intermediate 2 through
// two. --upstream makes the server a registration authority for an RFC 7030 EST CA at URL (https://...):
// enrollments are checked here and issued there. The identity policy (which names a certificate gets, who may
// re-enroll) is tools/server/policy.ts.
// C509 (docs/c509.md): --c509-type forces the type of issued C509 certificates (default: the CSR's type),
// --c509-wrap how COSE_C509 wraps them, --cf sets a C509 Content-Format number (e.g. --cf cert=65100, or
// --cf TBD4=65101; the environment's EST_CF_* variables are read too: tools/server/formats.ts).
//
// Provision devices for it with tools/provision.ts --server-dir DIR. Ctrl-C stops it.
import { resolve } from "node:path";
import { EstServer, type EstServerOptions } from "./server/est.js";
import { parseFormatSetting } from "./server/formats.js";
import { credStyle } from "./provision.js";

const USAGE = "usage: est-server [--dir DIR] [--host ADDR] [--port N] [--validity-days N | --validity-seconds N] [--manual-approval] [--csr-subject replace|refuse] [--ca-key p256|ed25519] [--server-cred ccs|kccs|x5t|x5chain|c5t|c5c] [--intermediate [1|2]] [--c509-type 2|3] [--c509-wrap sequence|array] [--cf NAME=N]... [--upstream URL --upstream-trust PEM [--upstream-cert PEM --upstream-key PEM] [--upstream-reenroll simplereenroll|simpleenroll]] [--delay MS] [-q]";

async function main(argv: string[]): Promise<void> {
  const o: EstServerOptions = { dir: resolve("est-server"), host: "127.0.0.1", port: 5683, log: (l) => console.log(l) };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i], v = argv[i + 1];
    const need = () => { if (v === undefined) throw new Error(`${a} needs a value`); i++; return v; };
    if (a === "--dir") o.dir = resolve(need());
    else if (a === "--host") o.host = need();
    else if (a === "--port") o.port = Number(need());
    else if (a === "--validity-days") o.validityDays = Number(need());
    else if (a === "--validity-seconds") o.validityDays = Number(need()) / 86400; // certificates valid for minutes: the life-cycle tests
    else if (a === "--manual-approval") o.manualApproval = true;
    else if (a === "--csr-subject") { const s = need(); if (s !== "replace" && s !== "refuse") throw new Error("--csr-subject replace|refuse"); o.csrSubject = s; }
    else if (a === "--intermediate") o.intermediate = v === "1" || v === "2" ? Number(need()) : true;
    else if (a === "--upstream") o.upstream = { ...(o.upstream ?? { trustFile: "" }), url: need() };
    else if (a === "--upstream-trust") o.upstream = { ...(o.upstream ?? { url: "" }), trustFile: resolve(need()) };
    else if (a === "--upstream-cert") o.upstream = { ...(o.upstream ?? { url: "", trustFile: "" }), certFile: resolve(need()) };
    else if (a === "--upstream-key") o.upstream = { ...(o.upstream ?? { url: "", trustFile: "" }), keyFile: resolve(need()) };
    else if (a === "--upstream-reenroll") { const s = need(); if (s !== "simplereenroll" && s !== "simpleenroll") throw new Error("--upstream-reenroll simplereenroll|simpleenroll"); o.upstream = { ...(o.upstream ?? { url: "", trustFile: "" }), reenrollVia: s }; }
    else if (a === "--ca-key") { const s = need(); if (s !== "p256" && s !== "ed25519") throw new Error("--ca-key p256|ed25519"); o.caKeyType = s; }
    else if (a === "--delay") o.handlerDelayMs = Number(need());
    else if (a === "--server-cred") o.serverCred = credStyle(a, need());
    else if (a === "--c509-type") { const t = need(); if (t !== "2" && t !== "3") throw new Error("--c509-type 2|3"); o.c509CertType = Number(t) as 2 | 3; }
    else if (a === "--c509-wrap") { const w = need(); if (w !== "sequence" && w !== "array") throw new Error("--c509-wrap sequence|array"); o.c509Wrap = w; }
    else if (a === "--cf") o.contentFormats = { ...o.contentFormats, ...parseFormatSetting(need()) };
    else if (a === "-q" || a === "--quiet") o.log = undefined;
    else if (a === "-h" || a === "--help") { console.log(USAGE); return; }
    else throw new Error(`unknown option ${a}\n${USAGE}`);
  }
  if (o.upstream && (!o.upstream.url || !o.upstream.trustFile)) throw new Error("--upstream needs a URL and --upstream-trust");
  const s = await EstServer.start(o);
  console.log(`est-server: listening on coap://${o.host!.includes(":") ? `[${o.host}]` : o.host}:${s.port}, state in ${o.dir}, CA "${s.ca.keyType}"`);
  console.log(`est-server: C509 Content-Formats ${Object.entries(s.cf).map(([k, v]) => `${k}=${v}`).join(" ")}`);
  const stop = () => { void s.stop().then(() => process.exit(0)); };
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);
}

main(process.argv.slice(2)).catch((e) => { console.error(`est-server: ${(e as Error).message}`); process.exit(2); });
