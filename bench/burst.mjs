// Burst benchmark client: opens COUNT control connections at once, each logs in (USER/PASS)
// and then stays idle. Reports how many reached 230, the login latency (from the start of
// connect() to the 230 line) and the server's memory before and after, read from /proc for
// the server's process tree (a forking server runs each session as separate processes).
// Run as its own process so its event loop serves nothing else.
// Usage: node bench/burst.mjs '{"host":..,"port":..,"user":..,"password":..,"count":1000,"pid":SERVER_PID}'
import * as net from "node:net";
import { tcpListenCounters, treeMemory } from "./lib/proc.mjs";

const cfg = JSON.parse(process.argv[2] ?? "{}");
const count = cfg.count ?? 1000;
const loginTimeoutMs = cfg.loginTimeoutMs ?? 60_000;
const settleMs = cfg.settleMs ?? 1_000;
const noopTimeoutMs = cfg.noopTimeoutMs ?? 20_000;

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** One control connection: a tiny reply reader and a log-in state machine. */
function session(index) {
  const s = { index, started: performance.now(), latencyMs: undefined, failure: undefined, closed: false, socket: undefined, step: "connect" };
  let buffer = "";
  let step = "greeting";
  const setStep = (next) => {
    step = next;
    s.step = next;
  };
  let onReply;
  s.done = new Promise((resolve) => {
    const finish = (failure) => {
      if (step === "done") return;
      s.failure = failure;
      if (failure === undefined) s.latencyMs = performance.now() - s.started;
      setStep("done");
      resolve();
    };
    const socket = net.connect({ host: cfg.host, port: cfg.port });
    s.socket = socket;
    socket.setNoDelay(true);
    socket.once("connect", () => {
      if (step === "greeting") s.step = "greeting";
    });
    socket.setEncoding("latin1");
    socket.on("error", (error) => finish(error.code ?? error.message));
    socket.on("close", () => {
      s.closed = true;
      finish("closed by server");
      onReply?.(undefined);
    });
    socket.on("data", (chunk) => {
      buffer += chunk;
      for (let eol = buffer.indexOf("\n"); eol >= 0; eol = buffer.indexOf("\n")) {
        const line = buffer.slice(0, eol).replace(/\r$/, "");
        buffer = buffer.slice(eol + 1);
        const m = /^(\d{3}) /.exec(line);
        if (!m) continue; // continuation of a multi-line reply
        const code = Number(m[1]);
        if (onReply) {
          onReply(code);
          continue;
        }
        if (step === "greeting") {
          if (code === 220) {
            setStep("user");
            socket.write(`USER ${cfg.user}\r\n`);
          } else finish(`greeting ${line}`);
        } else if (step === "user") {
          if (code === 331) {
            setStep("pass");
            socket.write(`PASS ${cfg.password}\r\n`);
          } else if (code === 230) finish(undefined);
          else finish(`USER ${line}`);
        } else if (step === "pass") {
          if (code === 230) finish(undefined);
          else finish(`PASS ${line}`);
        }
      }
    });
  });
  /** Sends NOOP and resolves with the reply code (undefined if closed / timed out). */
  s.noop = () =>
    new Promise((resolve) => {
      if (s.closed) return resolve(undefined);
      const timer = setTimeout(() => {
        onReply = undefined;
        resolve(undefined);
      }, noopTimeoutMs);
      onReply = (code) => {
        clearTimeout(timer);
        onReply = undefined;
        resolve(code);
      };
      s.socket.write("NOOP\r\n");
    });
  return s;
}

function percentile(sorted, p) {
  if (sorted.length === 0) return undefined;
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank];
}

const before = treeMemory(cfg.pid);
const counters0 = tcpListenCounters();
const t0 = performance.now();
const sessions = [];
for (let i = 0; i < count; i++) sessions.push(session(i));
let timer;
await Promise.race([
  Promise.all(sessions.map((s) => s.done)),
  new Promise((r) => (timer = setTimeout(r, loginTimeoutMs))),
]);
clearTimeout(timer);
const allSettledMs = performance.now() - t0;
const counters1 = tcpListenCounters();
await sleep(settleMs);
const after = treeMemory(cfg.pid);

const ok = sessions.filter((s) => s.latencyMs !== undefined);
const failures = {};
for (const s of sessions) {
  if (s.latencyMs !== undefined) continue;
  const why = s.failure ?? `no 230 within ${loginTimeoutMs} ms (waiting for ${s.step === "connect" ? "the TCP connection" : s.step === "greeting" ? "220" : `the reply to ${s.step.toUpperCase()}`})`;
  failures[why] = (failures[why] ?? 0) + 1;
}
const latencies = ok.map((s) => s.latencyMs).sort((a, b) => a - b);
// idle sessions must still be alive and answering: one NOOP each, after the memory reading
const noops = await Promise.all(ok.map((s) => s.noop()));
const alive = noops.filter((code) => code === 200).length;
for (const s of sessions) s.socket.destroy();
await sleep(settleMs);
const afterClose = treeMemory(cfg.pid);

const loggedIn = ok.length;
process.stdout.write(
  `${JSON.stringify({
    count,
    loggedIn,
    alive,
    failures,
    allSettledMs,
    latencyMs: {
      p50: percentile(latencies, 50),
      p95: percentile(latencies, 95),
      p99: percentile(latencies, 99),
      max: latencies.at(-1),
    },
    memory: { before, after, afterClose },
    // machine-wide kernel counters during the login phase (see README: SYN cookies)
    kernel: Object.fromEntries(Object.keys(counters1).map((k) => [k, counters1[k] - (counters0[k] ?? 0)])),
    rssPerSessionKiB: loggedIn ? (after.rssKiB - before.rssKiB) / loggedIn : undefined,
    pssPerSessionKiB: loggedIn ? (after.pssKiB - before.pssKiB) / loggedIn : undefined,
  })}\n`,
);
process.exit(0);
