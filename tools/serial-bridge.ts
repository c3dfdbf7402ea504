// A microcontroller board on a serial port (boards/nrf52840 on a DK's USB port), connected to the network:
// the board's IPv4/UDP datagrams in SLIP frames go on as real UDP from this computer (tools/hil/bridge.ts),
// its log and output are printed here, and a command can be sent when it says HELLO. With a server URI in
// its key store (provision --server-uri) the board enrolls or renews at boot by itself; the bridge only
// carries the datagrams. docs/app-developer.md, "I have an nRF52840 DK".
//
//   npx tsx tools/serial-bridge.ts /dev/ttyACM0 [--command "status --json"] [--once] [-v]
//     --command CMD   send CMD at every HELLO (the board runs one command per boot, then resets)
//     --once          exit after the first command's EXIT frame (its exit code)
//     -v              print every datagram
// The port is set to 115200 baud, raw, with RTS/CTS (what the board's UART uses). Ctrl-C stops it.
import { execFileSync } from "node:child_process";
import { openSync } from "node:fs";
import { Duplex } from "node:stream";
import { ReadStream, WriteStream } from "node:tty";
import { SlipBridge } from "./hil/bridge.js";

function main(argv: string[]): void {
  let port = "", command: string | undefined, once = false, verbose = false;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === "--command" && i + 1 < argv.length) command = argv[++i];
    else if (a === "--once") once = true;
    else if (a === "-v") verbose = true;
    else if (!a.startsWith("-") && !port) port = a;
    else throw new Error(`unknown option ${a} (usage: serial-bridge PORT [--command CMD] [--once] [-v])`);
  }
  if (!port) throw new Error("usage: serial-bridge PORT [--command CMD] [--once] [-v]");
  execFileSync("stty", ["-F", port, "115200", "raw", "-echo", "crtscts"]);
  const fd = openSync(port, "r+");
  const stream = Duplex.from({ readable: new ReadStream(fd), writable: new WriteStream(fd) });
  stream.on("error", () => {});
  const bridge = new SlipBridge({ trace: verbose ? (l) => process.stderr.write(`bridge: ${l}\n`) : undefined });
  bridge.on("log", (l: string) => process.stderr.write(`board: ${l}\n`));
  bridge.on("out", (b: Buffer) => process.stdout.write(b));
  bridge.on("hello", (name: string) => {
    process.stderr.write(`serial-bridge: ${name} is up${command ? `; sending: ${command}` : ""}\n`);
    if (command) bridge.command(command);
  });
  bridge.on("exit", (code: number) => {
    process.stderr.write(`serial-bridge: the command ended with exit code ${code}\n`);
    if (once) { bridge.close(); process.exit(code); }
  });
  bridge.attach(stream);
  process.stderr.write(`serial-bridge: ${port} <-> UDP; Ctrl-C stops\n`);
  process.once("SIGINT", () => { bridge.close(); process.exit(130); });
}

try { main(process.argv.slice(2)); } catch (e) { console.error(`serial-bridge: ${(e as Error).message}`); process.exit(2); }
