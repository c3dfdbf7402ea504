// The development server in a process of its own for tools/bench/server.ts, so that its CPU time and peak RSS are
// its own: starts EstServer on 127.0.0.1 (the folder given as argv[2], limits as JSON in argv[3]), tells the parent its port over IPC, and
// answers "stats" with its CPU time (ms), peak RSS (KiB), load counters and datagram counts. Not for anything but the benchmark.
import { EstServer } from "../server/est.js";

const s = await EstServer.start({ dir: process.argv[2], host: "127.0.0.1", port: 0, limits: process.argv[3] ? JSON.parse(process.argv[3]) : undefined });
process.send!({ port: s.port, recvBuffer: s.stats.recvBufferBytes });
process.on("message", (m: string) => {
  if (m === "stats") {
    const u = process.cpuUsage();
    process.send!({ cpuMs: (u.user + u.system) / 1000, maxRssKiB: process.resourceUsage().maxRSS, load: s.load, endpoint: s.stats, events: s.events.length });
  } else if (m === "stop") void s.stop().then(() => process.exit(0));
});
