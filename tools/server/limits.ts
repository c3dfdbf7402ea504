// Bounded state and admission control for the development server: a map with a size limit and an idle expiry
// whose sweep costs O(expired entries) (entries are kept in the order of their last use), and token buckets for
// rates (requests per source) and budgets (CPU milliseconds per second).
//
// Not here: what is limited and with which numbers (est.ts and coap.ts choose, README lists them).

/**
 * A Map with at most `max` entries, each dropped `ttlMs` after its last set() or touch(). Entries live in the
 * order of their last use, so expiring looks only at the oldest ones; when full, set() evicts the oldest (the
 * evicted entry is handed to onEvict) unless `refuseWhenFull`, when it returns false instead.
 */
export class BoundedMap<K, V> {
  private m = new Map<K, { v: V; at: number }>();
  constructor(readonly max: number, readonly ttlMs: number, private onEvict?: (k: K, v: V, why: "expired" | "full") => void, private now: () => number = Date.now) {}

  get size(): number { return this.m.size; }

  get(k: K): V | undefined {
    const e = this.m.get(k);
    if (!e) return undefined;
    if (this.now() - e.at > this.ttlMs) { this.m.delete(k); this.onEvict?.(k, e.v, "expired"); return undefined; }
    return e.v;
  }
  has(k: K): boolean { return this.get(k) !== undefined; }

  /** Mark an entry used now (moves it to the young end). */
  touch(k: K): void { const e = this.m.get(k); if (e) { this.m.delete(k); e.at = this.now(); this.m.set(k, e); } }

  /** Insert or replace; false when full and refuseWhenFull (nothing changed then). */
  set(k: K, v: V, refuseWhenFull = false): boolean {
    this.sweep();
    if (!this.m.has(k) && this.m.size >= this.max) {
      if (refuseWhenFull) return false;
      const [ok, oe] = this.m.entries().next().value as [K, { v: V; at: number }];
      this.m.delete(ok); this.onEvict?.(ok, oe.v, "full");
    }
    this.m.delete(k);
    this.m.set(k, { v, at: this.now() });
    return true;
  }

  delete(k: K): boolean { return this.m.delete(k); }
  clear(): void { this.m.clear(); }

  /** Drop the entries idle for longer than ttlMs: only the expired ones and one more are looked at. */
  sweep(): void {
    const t = this.now();
    for (const [k, e] of this.m) {
      if (t - e.at <= this.ttlMs) break;
      this.m.delete(k); this.onEvict?.(k, e.v, "expired");
    }
  }

  values(): IterableIterator<V> { return Array.from(this.m.values(), (e) => e.v)[Symbol.iterator](); }
  keys(): IterableIterator<K> { return this.m.keys(); }
  *entries(): IterableIterator<[K, V]> { for (const [k, e] of this.m) yield [k, e.v]; }
}

/** A token bucket: `rate` tokens per second up to `burst`; take() spends if it can. */
export class TokenBucket {
  private tokens: number;
  private at: number;
  constructor(readonly rate: number, readonly burst: number, private now: () => number = Date.now) { this.tokens = burst; this.at = now(); }
  private refill(): void { const t = this.now(); this.tokens = Math.min(this.burst, this.tokens + ((t - this.at) / 1000) * this.rate); this.at = t; }
  /** Whether `n` tokens are there now (spends them if so). */
  take(n = 1): boolean { this.refill(); if (this.tokens < n) return false; this.tokens -= n; return true; }
  /** Spend `n` even into debt (a cost known only afterwards, such as CPU time used). */
  spend(n: number): void { this.refill(); this.tokens -= n; }
  /** Whether the bucket is not in debt. */
  available(): boolean { this.refill(); return this.tokens > 0; }
  /** Seconds until one token is there (at least 1, for a Max-Age). */
  waitSeconds(): number { this.refill(); return Math.max(1, Math.ceil((1 - this.tokens) / this.rate)); }
}

/** One token bucket per source (an IPv4 address, or an IPv6 /64), at most `maxSources` of them (least recently
 *  seen dropped first: a dropped source starts again with a full bucket). */
export class PerSource {
  private buckets: BoundedMap<string, TokenBucket>;
  constructor(readonly rate: number, readonly burst: number, maxSources = 65536, private now: () => number = Date.now) {
    this.buckets = new BoundedMap(maxSources, Math.max(1000, (burst / rate) * 1000 * 2), undefined, now);
  }
  /** The key of an address: IPv4 as is, IPv6 by its first 64 bits. */
  static key(address: string): string {
    if (!address.includes(":")) return address;
    if (address.startsWith("::ffff:") && address.includes(".")) return address.slice(7);
    const [head, tail] = address.split("::");
    const h = head ? head.split(":") : [], t = tail !== undefined && tail ? tail.split(":") : [];
    const full = tail === undefined ? h : [...h, ...Array(8 - h.length - t.length).fill("0"), ...t];
    return full.slice(0, 4).map((x) => x.toLowerCase().replace(/^0+(?=.)/, "")).join(":") + "::/64";
  }
  take(address: string): boolean {
    const k = PerSource.key(address);
    let b = this.buckets.get(k);
    if (!b) { b = new TokenBucket(this.rate, this.burst, this.now); this.buckets.set(k, b); } else this.buckets.touch(k);
    return b.take();
  }
  waitSeconds(address: string): number { return this.buckets.get(PerSource.key(address))?.waitSeconds() ?? 1; }
}
