// Part 3: a burst of simultaneous idle logins against each server (bench/burst.mjs does the
// connecting in its own process), with the listen backlog read from ss.
import { execFileSync } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { run } from "../../dist/testing/peers.js";
import { listenBacklog } from "../lib/proc.mjs";
import { fmt, log, sleep, table } from "../lib/report.mjs";
import { startServers, stopServers } from "./common.mjs";

const BURST = join(dirname(fileURLToPath(import.meta.url)), "..", "burst.mjs");

export async function benchBurst(ctx) {
  const { opts } = ctx;
  const limit = Math.max(2000, opts.sessions * 2);
  const perServer = {};
  const fdLimit = Number(execFileSync("sh", ["-c", "ulimit -n"], { encoding: "utf8" }).trim());
  if (Number.isFinite(fdLimit) && fdLimit < opts.sessions + 200) {
    log(`burst: ulimit -n is ${fdLimit}; the burst client and our server need ${opts.sessions + 200}+ (raise it before running)`);
  }
  for (const kind of opts.servers) {
    const [s] = await startServers(ctx, `burst-${kind}`, [kind], { maxSessions: limit });
    let result;
    try {
      const ss = await run("ss", ["-Hltn", `sport = :${s.port}`], { timeoutMs: 10_000 });
      const backlog = listenBacklog(ss.stdout, s.port);
      await sleep(500);
      const cfg = { host: s.host, port: s.port, user: s.user, password: s.password, count: opts.sessions, pid: s.pid };
      const r = await run(process.execPath, [BURST, JSON.stringify(cfg)], { timeoutMs: 240_000 });
      if (r.code !== 0) throw new Error(`burst against ${s.name}: exit ${r.code}${r.timedOut ? " (timed out)" : ""}: ${r.stderr.trim()}`);
      result = { server: s.name, listenBacklog: backlog, maxSessions: limit, ...JSON.parse(r.stdout.trim().split("\n").at(-1)) };
    } finally {
      await stopServers(ctx, `burst-${kind}`, [s], undefined);
    }
    perServer[kind] = result;
    log(`burst: ${kind}: ${result.loggedIn}/${result.count} logged in, p95 ${fmt(result.latencyMs.p95, 0)} ms`);
  }
  table(
    `3. burst: ${opts.sessions} simultaneous connections, USER/PASS then idle`,
    ["server", "logged in", "alive", "p50 ms", "p95 ms", "max ms", "RSS KiB/sess", "PSS KiB/sess", "procs", "backlog", "overflows"],
    Object.values(perServer).map((r) => [
      r.server,
      `${r.loggedIn}/${r.count}`,
      r.alive,
      fmt(r.latencyMs.p50, 1),
      fmt(r.latencyMs.p95, 1),
      fmt(r.latencyMs.max, 1),
      fmt(r.rssPerSessionKiB, 1),
      fmt(r.pssPerSessionKiB, 1),
      r.memory.after.processes,
      r.listenBacklog,
      r.kernel?.ListenOverflows,
    ]),
  );
  for (const r of Object.values(perServer)) {
    if (Object.keys(r.failures).length) log(`burst ${r.server} failures: ${JSON.stringify(r.failures)}`);
  }
  return perServer;
}

