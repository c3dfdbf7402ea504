// The network impairment layer of the Node host: the same options, generator (xorshift32) and order of
// decisions as boards/posix/impair.c, so a seed gives both hosts the same losses, duplicates and hold-backs
// for the same sequence of datagrams.

export interface ImpairConfig {
  loss: number;      // probability 0..1
  dup: number;
  reorder: number;
  delayMs: number;
  jitterMs: number;
  seed: number;
  up: boolean;
  down: boolean;
}

export const REORDER_HOLD_MS = 50;
export const QUEUE = 64;

export function defaultImpair(): ImpairConfig {
  return { loss: 0, dup: 0, reorder: 0, delayMs: 0, jitterMs: 0, seed: 1, up: true, down: true };
}

/** Parse one option; returns 2 if it took the value, 0 if it is not an impairment option; throws on a bad value. */
export function parseImpairOption(c: ImpairConfig, opt: string, val: string | undefined): number {
  const pct = () => {
    const d = Number(val);
    if (val === undefined || val.trim() === "" || !Number.isFinite(d) || d < 0 || d > 100) throw new Error(`${opt} needs a percentage (0..100)`);
    return d / 100;
  };
  const ms = () => {
    if (val === undefined || !/^\d+$/.test(val) || Number(val) > 600000) throw new Error(`${opt} needs milliseconds (0..600000)`);
    return Number(val);
  };
  switch (opt) {
    case "--loss": c.loss = pct(); return 2;
    case "--dup": c.dup = pct(); return 2;
    case "--reorder": c.reorder = pct(); return 2;
    case "--delay": c.delayMs = ms(); return 2;
    case "--jitter": c.jitterMs = ms(); return 2;
    case "--impair-seed":
      if (val === undefined || !/^\d+$/.test(val) || Number(val) > 0xffffffff) throw new Error(`${opt} needs an unsigned 32-bit number`);
      c.seed = Number(val);
      return 2;
    case "--impair-dir":
      if (val === "both") { c.up = true; c.down = true; }
      else if (val === "up") { c.up = true; c.down = false; }
      else if (val === "down") { c.up = false; c.down = true; }
      else throw new Error(`${opt} needs up, down or both`);
      return 2;
  }
  return 0;
}

interface Held { up: boolean; due: number; seq: number; addr: Uint8Array; data: Uint8Array }

export class Impairment {
  private state: number;
  private seq = 0;
  private queue: Held[] = [];
  readonly active: boolean;

  constructor(private cfg: ImpairConfig, private log: (level: number, msg: string) => void) {
    this.state = (cfg.seed >>> 0) || 1;
    this.active = (cfg.loss > 0 || cfg.dup > 0 || cfg.reorder > 0 || cfg.delayMs > 0 || cfg.jitterMs > 0) && (cfg.up || cfg.down);
  }

  applies(up: boolean): boolean { return this.active && (up ? this.cfg.up : this.cfg.down); }

  /** xorshift32, 24 bits mapped to [0, 1): the same sequence as impair.c. */
  private draw(): number {
    let x = this.state;
    x ^= x << 13; x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5; x >>>= 0;
    this.state = x;
    return (x >>> 8) / 16777216;
  }

  submit(up: boolean, nowMs: number, addr: Uint8Array, data: Uint8Array): number {
    const dir = up ? "outgoing" : "incoming";
    if (this.draw() < this.cfg.loss) { this.log(4, `impair: dropped ${dir} datagram of ${data.length} bytes`); return 0; }
    const copies = this.draw() < this.cfg.dup ? 2 : 1;
    if (copies === 2) this.log(4, `impair: duplicated ${dir} datagram of ${data.length} bytes`);
    let queued = 0;
    for (let k = 0; k < copies; k++) {
      let due = nowMs + this.cfg.delayMs;
      if (this.draw() < this.cfg.reorder) { due += REORDER_HOLD_MS; this.log(4, `impair: held back ${dir} datagram of ${data.length} bytes`); }
      due += Math.floor(this.draw() * (this.cfg.jitterMs + 1));
      if (this.queue.length >= QUEUE) { this.log(2, `impair: queue full, dropped ${dir} datagram of ${data.length} bytes`); continue; }
      this.queue.push({ up, due, seq: this.seq++, addr: Uint8Array.from(addr), data: Uint8Array.from(data) });
      queued++;
    }
    return queued;
  }

  /** The earliest copy in a direction due at nowMs (submission order among equal times), removed from the queue. */
  take(up: boolean, nowMs: number): { addr: Uint8Array; data: Uint8Array } | null {
    let best = -1;
    this.queue.forEach((h, i) => {
      if (h.up !== up || h.due > nowMs) return;
      const b = this.queue[best];
      if (best < 0 || h.due < b.due || (h.due === b.due && h.seq < b.seq)) best = i;
    });
    if (best < 0) return null;
    const [h] = this.queue.splice(best, 1);
    return { addr: h.addr, data: h.data };
  }

  nextDue(): number {
    return this.queue.reduce((t, h) => (t < 0 || h.due < t ? h.due : t), -1);
  }
}
