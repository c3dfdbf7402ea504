// Counters of a phase of a command (one or more CoAP exchanges): round trips, datagrams and bytes each way,
// and time, for the reports hosts render.

import { CoapResponse } from "./client";

export class ExchangeStats {
  datagramsUp: i32 = 0;
  datagramsDown: i32 = 0;
  bytesUp: i32 = 0;
  bytesDown: i32 = 0;
  roundTrips: i32 = 0;
  ms: i64 = 0;

  reset(): void {
    this.datagramsUp = 0; this.datagramsDown = 0; this.bytesUp = 0; this.bytesDown = 0; this.roundTrips = 0; this.ms = 0;
  }

  /** Add the counters of a finished exchange. */
  add(r: CoapResponse): void {
    this.datagramsUp += r.datagramsUp; this.datagramsDown += r.datagramsDown;
    this.bytesUp += r.bytesUp; this.bytesDown += r.bytesDown; this.roundTrips += r.roundTrips;
  }

  addStats(o: ExchangeStats): void {
    this.datagramsUp += o.datagramsUp; this.datagramsDown += o.datagramsDown;
    this.bytesUp += o.bytesUp; this.bytesDown += o.bytesDown; this.roundTrips += o.roundTrips; this.ms += o.ms;
  }
}
