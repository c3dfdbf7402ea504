// Debian's libcoap server (coap-server-notls, libcoap3-bin) on a free loopback port, for the interop tests.
import { spawn, type ChildProcess } from "node:child_process";
import { freePort } from "./hosts.js";

/** Start coap-server-notls (`-d 50`: up to 50 dynamic resources) and wait until `answers(base)` says it
 *  responds (up to 50 tries). Resolves to the process (kill it when done) and its base URI. */
export async function startLibcoapServer(answers: (base: string) => Promise<boolean>): Promise<{ server: ChildProcess; base: string }> {
  const port = await freePort();
  const server = spawn("coap-server-notls", ["-A", "127.0.0.1", "-p", String(port), "-d", "50"], { stdio: "ignore" });
  const base = `coap://127.0.0.1:${port}`;
  for (let i = 0; i < 50; i++) if (await answers(base)) return { server, base };
  server.kill();
  throw new Error("coap-server-notls did not start (is Debian's libcoap3-bin installed?)");
}
