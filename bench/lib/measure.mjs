// Runs one client process under measurement: its exact CPU from wait4 (bench/rusage.py), the
// server's CPU from /proc around it (plus session processes that bench/subreaper.py reaped),
// and the curl / hilftp client commands used by the bulk parts.
import { closeSync, openSync, readSync, statSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { run } from "../../dist/testing/peers.js";
import { childrenOf, cpuSeconds, cpuSplit, threadCpu, threadCpuDelta, waitForNoDescendants } from "./proc.mjs";
import { MIB, median, sleep } from "./report.mjs";
import { ftpUrl } from "./servers.mjs";

const HERE = join(dirname(fileURLToPath(import.meta.url)), "..");
export const PYTHON = "/usr/bin/python3";
const RUSAGE = join(HERE, "rusage.py");
const TRANSFER = join(HERE, "ftp-transfer.mjs");
/** Set by run.mjs when it runs below bench/subreaper.py. */
export const ORPHAN_LOG = process.env["HILFTP_BENCH_ORPHAN_LOG"];

function orphanMark() {
  return ORPHAN_LOG ? statSync(ORPHAN_LOG).size : 0;
}

/** CPU seconds of the orphans the subreaper reaped since `mark` (a byte offset in its log). */
function orphanCpuSince(mark) {
  const none = { seconds: 0, user: 0, system: 0, processes: 0 };
  if (!ORPHAN_LOG) return none;
  const size = statSync(ORPHAN_LOG).size;
  if (size <= mark) return none;
  const buf = Buffer.alloc(size - mark);
  const fd = openSync(ORPHAN_LOG, "r");
  try {
    readSync(fd, buf, 0, buf.length, mark);
  } finally {
    closeSync(fd);
  }
  let user = 0;
  let system = 0;
  let processes = 0;
  for (const line of buf.toString("utf8").split("\n")) {
    if (!line.trim()) continue;
    const r = JSON.parse(line);
    user += r.user;
    system += r.system;
    processes++;
  }
  return { seconds: user + system, user, system, processes };
}

/** Waits (bounded) until the subreaper has no children but us: every orphan ended and was logged. */
async function waitForNoOrphans(timeoutMs = 10_000) {
  if (!ORPHAN_LOG) return true;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (childrenOf(process.ppid).every((pid) => pid === process.pid)) break;
    if (Date.now() >= deadline) return false;
    await sleep(20);
  }
  // the subreaper writes its line just after the reap that removed the /proc entry
  await sleep(100);
  return true;
}

/**
 * Runs a client command under rusage.py and reads the server's CPU seconds around it (after the
 * server's session processes were reaped, so a forking server's sessions are included).
 */
export async function measured(server, cmd, args, timeoutMs = 600_000) {
  const cpu0 = server ? cpuSeconds(server.pid) : 0;
  const split0 = server ? cpuSplit(server.pid) : undefined;
  const threads0 = server?.name === "hilftp" ? threadCpu(server.pid) : undefined;
  const mark = orphanMark();
  const from = process.hrtime.bigint();
  const result = await run(PYTHON, [RUSAGE, `--timeout=${timeoutMs / 1000}`, "--", cmd, ...args], {
    timeoutMs: timeoutMs + 15_000,
  });
  const to = process.hrtime.bigint();
  const reaped = server ? (await waitForNoDescendants(server.pid, 10_000)) && (await waitForNoOrphans(10_000)) : true;
  const cpu1 = server ? cpuSeconds(server.pid) : 0;
  const split1 = server ? cpuSplit(server.pid) : undefined;
  const threads = threads0 ? threadCpuDelta(threads0, threadCpu(server.pid)) : undefined;
  const orphans = orphanCpuSince(mark);
  const at = result.stdout.lastIndexOf("\nRUSAGE ");
  if (at < 0) throw new Error(`${cmd}: no rusage report (code ${result.code}): ${result.stderr.trim()}`);
  const ru = JSON.parse(result.stdout.slice(at + "\nRUSAGE ".length));
  const stdout = result.stdout.slice(0, at);
  if (ru.exitCode !== 0 || ru.timedOut) {
    throw new Error(`${cmd} ${args.join(" ")}: exit ${ru.exitCode}${ru.timedOut ? " (timed out)" : ""}: ${result.stderr.trim() || stdout.trim()}`);
  }
  return {
    wallSeconds: ru.wallSeconds,
    clientCpuSeconds: ru.userSeconds + ru.systemSeconds,
    clientUserSeconds: ru.userSeconds,
    clientSystemSeconds: ru.systemSeconds,
    clientMaxRssKiB: ru.maxRssKiB,
    serverCpuSeconds: server ? cpu1 - cpu0 + orphans.seconds : undefined,
    serverMinorFaults: split1 ? split1.minorFaults - split0.minorFaults : undefined,
    serverUserSeconds: split1 ? split1.user - split0.user + orphans.user : undefined,
    serverSystemSeconds: split1 ? split1.system - split0.system + orphans.system : undefined,
    serverThreads: threads,
    serverOrphanCpuSeconds: orphans.seconds,
    serverOrphans: orphans.processes,
    serverReaped: reaped,
    stdout,
    window: { from, to },
  };
}

const CURL_W = "%{size_download} %{size_upload} %{time_pretransfer} %{time_total}";

function parseCurl(stdout) {
  const [down, up, pre, total] = stdout.trim().split(/\s+/).map(Number);
  return { downloaded: down, uploaded: up, transferSeconds: total - pre };
}

export async function curlGet(server, name, size) {
  const m = await measured(server, "curl", ["-sS", "-o", "/dev/null", "-w", CURL_W, ftpUrl(server, name)]);
  const c = parseCurl(m.stdout);
  if (c.downloaded !== size) throw new Error(`curl RETR from ${server.name}: ${c.downloaded} bytes, expected ${size}`);
  return { ...m, bytes: size, transferSeconds: c.transferSeconds };
}

export async function curlPut(server, source, name, size) {
  const m = await measured(server, "curl", ["-sS", "-T", source, "-w", CURL_W, ftpUrl(server, name)]);
  const c = parseCurl(m.stdout);
  if (c.uploaded !== size) throw new Error(`curl STOR to ${server.name}: ${c.uploaded} bytes, expected ${size}`);
  return { ...m, bytes: size, transferSeconds: c.transferSeconds };
}

export async function oursTransfer(server, op, remote, local, size, profileDir) {
  const flags = profileDir ? ["--cpu-prof", `--cpu-prof-dir=${profileDir}`] : [];
  const m = await measured(server, process.execPath, [
    ...flags,
    TRANSFER,
    op,
    server.host,
    String(server.port),
    server.user,
    server.password,
    remote,
    local,
  ]);
  const r = JSON.parse(m.stdout.trim().split("\n").at(-1));
  if (r.bytes !== size) throw new Error(`hilftp client ${op} with ${server.name}: ${r.bytes} bytes, expected ${size}`);
  return { ...m, bytes: size, transferSeconds: r.elapsedMs / 1000 };
}

/** Throughput figures of one run. */
export function figures(r) {
  return {
    wallSeconds: r.wallSeconds,
    mibPerSecond: r.bytes / MIB / r.wallSeconds,
    transferMiBPerSecond: r.transferSeconds > 0 ? r.bytes / MIB / r.transferSeconds : undefined,
    serverCpuSeconds: r.serverCpuSeconds,
    clientCpuSeconds: r.clientCpuSeconds,
    clientMaxRssKiB: r.clientMaxRssKiB,
    serverUserSeconds: r.serverUserSeconds,
    serverSystemSeconds: r.serverSystemSeconds,
    serverMinorFaults: r.serverMinorFaults,
    serverThreads: r.serverThreads,
    serverOrphanCpuSeconds: r.serverOrphanCpuSeconds,
    serverOrphans: r.serverOrphans,
    serverReaped: r.serverReaped,
  };
}

export function medians(runs) {
  const keys = ["wallSeconds", "mibPerSecond", "transferMiBPerSecond", "serverCpuSeconds", "serverUserSeconds", "serverSystemSeconds", "serverMinorFaults", "clientCpuSeconds", "clientMaxRssKiB"];
  return Object.fromEntries(keys.map((k) => [k, median(runs.map((r) => r[k]))]));
}

