// A bare CoAP-over-UDP client for server tests: sends one request from a chosen local address (loopback only)
// and waits for the datagram that answers it (by message ID for a piggybacked answer). No retransmission: each
// test sends exactly what it means to send.
import { createSocket, type Socket } from "node:dgram";
import { randomBytes } from "node:crypto";
import { CON, decode, encode, OPT, POST, type Message, type Option } from "../../tools/server/coap.js";

export class UdpClient {
  private sock: Socket;
  private waiting = new Map<number, (m: Message) => void>();
  private mid = randomBytes(2).readUInt16BE(0);
  private constructor(readonly port: number, readonly host: string) {
    this.sock = createSocket("udp4");
    this.sock.on("message", (d) => {
      let m: Message;
      try { m = decode(new Uint8Array(d)); } catch { return; }
      const w = this.waiting.get(m.mid);
      if (w) { this.waiting.delete(m.mid); w(m); }
    });
  }

  /** A client bound to `from` (an address of 127.0.0.0/8) talking to 127.0.0.1:port. */
  static async open(port: number, from = "127.0.0.1"): Promise<UdpClient> {
    const c = new UdpClient(port, "127.0.0.1");
    await new Promise<void>((res) => c.sock.bind(0, from, () => res()));
    return c;
  }

  nextMid(): number { this.mid = (this.mid + 1) & 0xffff; return this.mid; }

  /** Send a message as is; resolve with the answer carrying its message ID, or undefined after timeoutMs. */
  exchange(m: Message, timeoutMs = 5000): Promise<Message | undefined> {
    return new Promise((resolve) => {
      const t = setTimeout(() => { this.waiting.delete(m.mid); resolve(undefined); }, timeoutMs);
      this.waiting.set(m.mid, (r) => { clearTimeout(t); resolve(r); });
      this.sock.send(encode(m), this.port, this.host);
    });
  }

  /** Send without waiting. */
  fire(m: Message): void { this.sock.send(encode(m), this.port, this.host); }

  /** A confirmable POST to a path with options and payload. */
  post(path: string, payload: Uint8Array, options: Option[] = [], token = new Uint8Array(randomBytes(4))): Message {
    const segs: Option[] = path.split("/").filter(Boolean).map((p) => [OPT.URI_PATH, Buffer.from(p)]);
    return { type: CON, code: POST, mid: this.nextMid(), token, options: [...segs, ...options], payload };
  }

  close(): void { this.sock.close(); }
}
