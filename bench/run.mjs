#!/usr/bin/env node
// hilftp's benchmark suite (not a test: it asserts nothing). It runs our FTP server and client
// and their peers (vsftpd, pure-ftpd, curl, Python's ftplib) in the same run on this machine,
// prints a table per part plus the ratios against the goals, and writes everything measured
// to bench/results/<timestamp>.json. See bench/README.md for what each part measures.
// The parts live in bench/parts/, the measuring in bench/lib/; they import dist/ and are
// loaded only after this script checked that the build is there.
import { execFileSync, spawn } from "node:child_process";
import { mkdir, mkdtemp, rm, statfs, writeFile } from "node:fs/promises";
import { existsSync } from "node:fs";
import * as os from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { cleanupAll, onCleanup } from "./lib/cleanup.mjs";
import { fmt, log, table } from "./lib/report.mjs";

const HERE = dirname(fileURLToPath(import.meta.url));
const REPO = resolve(HERE, "..");
const PYTHON = "/usr/bin/python3";
const SUBREAPER = join(HERE, "subreaper.py");
const ORPHAN_LOG = process.env["HILFTP_BENCH_ORPHAN_LOG"];
const MIB = 1024 * 1024;

const HELP = `usage: node bench/run.mjs [options]     (npm run bench builds first)

  --only=PARTS        comma list of: bulk (= servers,client), servers, client, small, burst
                      (default: all)
  --size-mib=N        bulk file size in MiB (default 1024)
  --reps=N            runs per measurement; the table shows the median (default 3)
  --files=N           small-file count (default 1000)
  --file-kib=N        small-file size in KiB (default 4)
  --sessions=N        burst connections (default 1000)
  --servers=LIST      servers to run: hilftp,vsftpd,pure-ftpd (default all three)
  --clients=LIST      bulk clients to compare: curl,hilftp (default both)
  --hilftp-env=K=V,.. extra environment for our server process (experiments, e.g. malloc tunables)
  --profile           run our server (and client) under node --cpu-prof and print hot spots
  --dir=PATH          where the big files go (default /dev/shm when it has room, else the temp dir)
  --out=FILE          where the results JSON goes (default bench/results/<timestamp>.json)`;

const PARTS = ["servers", "client", "small", "burst"];

function parseOptions(argv) {
  const { values } = parseArgs({
    args: argv,
    options: {
      only: { type: "string" },
      "size-mib": { type: "string", default: "1024" },
      reps: { type: "string", default: "3" },
      files: { type: "string", default: "1000" },
      "file-kib": { type: "string", default: "4" },
      sessions: { type: "string", default: "1000" },
      servers: { type: "string", default: "hilftp,vsftpd,pure-ftpd" },
      clients: { type: "string", default: "curl,hilftp" },
      profile: { type: "boolean", default: false },
      "hilftp-env": { type: "string", default: "" },
      dir: { type: "string" },
      out: { type: "string" },
      help: { type: "boolean", short: "h", default: false },
    },
  });
  if (values.help) {
    process.stdout.write(`${HELP}\n`);
    process.exit(0);
  }
  const positive = (name) => {
    const n = Number(values[name]);
    if (!Number.isInteger(n) || n <= 0) throw new Error(`--${name} wants a positive integer, got ${values[name]}`);
    return n;
  };
  const only = new Set();
  for (const part of (values.only ?? PARTS.join(",")).split(",").map((p) => p.trim()).filter(Boolean)) {
    if (part === "bulk") {
      only.add("servers");
      only.add("client");
    } else if (PARTS.includes(part)) only.add(part);
    else throw new Error(`--only: unknown part "${part}" (bulk, servers, client, small, burst)`);
  }
  const list = (name, allowed) => {
    const items = values[name].split(",").map((p) => p.trim()).filter(Boolean);
    for (const p of items) if (!allowed.includes(p)) throw new Error(`--${name}: unknown "${p}" (${allowed.join(", ")})`);
    return allowed.filter((a) => items.includes(a));
  };
  const servers = list("servers", ["hilftp", "vsftpd", "pure-ftpd"]);
  const clients = list("clients", ["curl", "hilftp"]);
  return {
    only,
    sizeMiB: positive("size-mib"),
    reps: positive("reps"),
    files: positive("files"),
    fileKiB: positive("file-kib"),
    sessions: positive("sessions"),
    servers,
    peers: servers.filter((s) => s !== "hilftp"),
    clients,
    profile: values.profile,
    hilftpEnv: Object.fromEntries(
      values["hilftp-env"]
        .split(",")
        .filter(Boolean)
        .map((kv) => {
          const at = kv.indexOf("=");
          if (at <= 0) throw new Error(`--hilftp-env wants K=V pairs, got "${kv}"`);
          return [kv.slice(0, at), kv.slice(at + 1)];
        }),
    ),
    dir: values.dir,
    out: values.out,
  };
}

/** Imports the parts (and through them dist/), once we know the build is there. */
async function loadParts() {
  if (!existsSync(join(REPO, "dist", "testing", "peers.js")) || !existsSync(join(REPO, "dist", "cli", "main.js"))) {
    throw new Error("dist/ is missing: run `npm run build` (or `npm run bench`, which builds first)");
  }
  const [{ makeRandomFile }, { benchServers }, { benchClient }, { benchSmall }, { benchBurst }] = await Promise.all([
    import("../dist/testing/peers.js"),
    import("./parts/servers.mjs"),
    import("./parts/client.mjs"),
    import("./parts/small.mjs"),
    import("./parts/burst.mjs"),
  ]);
  return { makeRandomFile, servers: benchServers, client: benchClient, small: benchSmall, burst: benchBurst };
}

/**
 * Re-runs this script below bench/subreaper.py, so session processes that a forking server's
 * own processes fail to reap come to us with their CPU time (see subreaper.py). Returns the
 * exit code, or undefined when we already are that child (or cannot be).
 */
async function underSubreaper() {
  if (ORPHAN_LOG || !existsSync(PYTHON) || process.platform !== "linux") return undefined;
  const logPath = join(os.tmpdir(), `hilftp-bench-orphans-${process.pid}.jsonl`);
  await writeFile(logPath, "");
  const child = spawn(PYTHON, [SUBREAPER, logPath, "--", process.execPath, ...process.execArgv, fileURLToPath(import.meta.url), ...process.argv.slice(2)], {
    stdio: "inherit",
    env: { ...process.env, HILFTP_BENCH_ORPHAN_LOG: logPath },
  });
  // Ctrl-C reaches the child as well and it cleans up; we only wait for it
  const ignore = () => undefined;
  const forward = () => child.kill("SIGTERM");
  process.on("SIGINT", ignore);
  process.on("SIGTERM", forward);
  const code = await new Promise((done) => {
    child.once("error", () => done(1));
    child.once("exit", (c, signal) => done(c ?? (signal ? 128 + (os.constants.signals[signal] ?? 0) : 1)));
  });
  await rm(logPath, { force: true });
  return code;
}

// ---------------------------------------------------------------- goals

function goals(results) {
  const rows = [];
  const add = (what, value, goal, ok) => rows.push([what, value, goal, ok === undefined ? "?" : ok ? "met" : "MISSED"]);
  const s = results.parts.servers;
  if (s) {
    for (const op of ["RETR", "STOR"]) {
      const r = s.ratios[`${op} throughput hilftp/vsftpd`];
      if (r !== undefined) add(`server ${op} MiB/s hilftp/vsftpd`, fmt(r), ">= 1.00", r >= 1);
      const p = s.ratios[`${op} throughput hilftp/pure-ftpd`];
      if (p !== undefined) add(`server ${op} MiB/s hilftp/pure-ftpd`, fmt(p), "(info)", undefined);
      const c = s.ratios[`${op} server CPU hilftp/vsftpd`];
      if (c !== undefined) add(`server ${op} CPU s hilftp/vsftpd`, fmt(c), "(info, lower is better)", undefined);
    }
  }
  const c = results.parts.client;
  if (c) {
    for (const op of ["RETR", "STOR"]) {
      const r = c.ratios[`${op} throughput hilftp/curl (vsftpd)`];
      add(`client ${op} MiB/s hilftp/curl`, fmt(r), ">= 1.00", r === undefined ? undefined : r >= 1);
      const t = c.ratios[`${op} transfer-phase throughput hilftp/curl (vsftpd)`];
      add(`client ${op} transfer-phase MiB/s hilftp/curl`, fmt(t), "(info: no process start)", undefined);
      const cpu = c.ratios[`${op} client CPU hilftp/curl (vsftpd)`];
      add(`client ${op} CPU s hilftp/curl`, fmt(cpu), "(info, lower is better)", undefined);
    }
  }
  const sm = results.parts.small;
  if (sm) {
    const r = sm.ratios["files/s hilftp/vsftpd"];
    if (r !== undefined) add("small files/s hilftp/vsftpd", fmt(r), ">= 1.00", r >= 1);
    const p = sm.ratios["files/s hilftp/pure-ftpd"];
    if (p !== undefined) add("small files/s hilftp/pure-ftpd", fmt(p), "(info)", undefined);
  }
  const b = results.parts.burst?.hilftp;
  if (b) {
    add("burst sessions served", `${b.loggedIn}/${b.count}`, "all", b.loggedIn === b.count && b.alive === b.count);
    add("burst login p95 ms", fmt(b.latencyMs.p95, 1), "< 500", b.latencyMs.p95 < 500);
    add("burst RSS KiB per session", fmt(b.rssPerSessionKiB, 1), "< 20", b.rssPerSessionKiB < 20);
  }
  if (rows.length) table("goals", ["measure", "value", "goal", ""], rows);
  return rows.map(([measure, value, goal, verdict]) => ({ measure, value, goal, verdict }));
}

// ---------------------------------------------------------------- environment and main

function version(cmd, args) {
  try {
    return execFileSync(cmd, args, { encoding: "utf8", timeout: 5_000, stdio: ["ignore", "pipe", "pipe"] }).split("\n")[0].trim();
  } catch (error) {
    return (error.stdout || error.stderr || String(error.message)).toString().split("\n")[0].trim();
  }
}

async function chooseBase(opts, needBytes) {
  if (opts.dir) return resolve(opts.dir);
  try {
    const fs = await statfs("/dev/shm");
    // tmpfs lives in RAM: want room on the mount and in free memory, with a margin
    if (fs.bavail * fs.bsize > needBytes + 512 * MIB && os.freemem() > needBytes + 2048 * MIB) return "/dev/shm";
  } catch {
    // no /dev/shm
  }
  return os.tmpdir();
}

async function main() {
  let opts;
  try {
    opts = parseOptions(process.argv.slice(2));
  } catch (error) {
    process.stderr.write(`bench: ${error.message}\n${HELP}\n`);
    process.exit(2);
  }
  const code = await underSubreaper();
  if (code !== undefined) process.exit(code);
  const parts = await loadParts();
  const started = new Date();
  const stamp = started.toISOString().replace(/[:.]/g, "-");
  const resultsDir = join(HERE, "results");
  const results = {
    startedAt: started.toISOString(),
    options: { ...opts, only: [...opts.only] },
    environment: {
      node: process.version,
      platform: `${os.type()} ${os.release()} ${os.arch()}`,
      cpus: os.cpus().length,
      cpuModel: os.cpus()[0]?.model,
      memoryMiB: Math.round(os.totalmem() / MIB),
      curl: version("curl", ["--version"]),
      vsftpd: version("/usr/sbin/vsftpd", ["-v"]),
      python: version(PYTHON, ["--version"]),
      loadAverageAtStart: os.loadavg(),
      orphanAccounting: ORPHAN_LOG ? "bench/subreaper.py" : "off (no /usr/bin/python3): CPU of unreaped session processes is lost",
    },
    parts: {},
    profiles: {},
  };
  const bulk = opts.only.has("servers") || opts.only.has("client");
  const needBytes = bulk ? 2 * opts.sizeMiB * MIB : 0;
  const base = await chooseBase(opts, needBytes);
  // the peers' temp dirs (their FTP roots) go to the same file system, so the big file can be hard-linked
  process.env.TMPDIR = base;
  const work = await mkdtemp(join(base, "hilftp-bench-"));
  onCleanup(() => rm(work, { recursive: true, force: true }));
  results.environment.workDir = work;
  const ctx = { opts, results, work, stamp, resultsDir };
  log(`work dir ${work}; load average ${os.loadavg().map((l) => l.toFixed(2)).join(" ")} on ${os.cpus().length} CPUs`);
  if (os.loadavg()[0] > 0.5) log("note: the machine is busy; other processes' CPU use skews every number below");

  const signals = ["SIGINT", "SIGTERM"];
  const onSignal = (sig) => {
    log(`${sig}: stopping everything`);
    cleanupAll().finally(() => process.exit(130));
  };
  for (const sig of signals) process.once(sig, onSignal);

  try {
    if (bulk) {
      ctx.source = join(work, "source.bin");
      log(`writing ${opts.sizeMiB} MiB test file`);
      ctx.sourceSha = await parts.makeRandomFile(ctx.source, opts.sizeMiB * MIB, 7);
    }
    for (const part of PARTS) {
      if (!opts.only.has(part)) continue;
      const load0 = os.loadavg()[0];
      const t0 = performance.now();
      const fn = parts[part];
      results.parts[part] = await fn(ctx);
      results.parts[part].seconds = (performance.now() - t0) / 1000;
      results.parts[part].loadAverage = { start: load0, end: os.loadavg()[0] };
    }
  } finally {
    await cleanupAll();
  }
  results.goals = goals(results);
  results.finishedAt = new Date().toISOString();
  const out = opts.out ? resolve(opts.out) : join(resultsDir, `${stamp}.json`);
  await mkdir(dirname(out), { recursive: true });
  await writeFile(out, `${JSON.stringify(results, (k, v) => (typeof v === "bigint" ? String(v) : v), 2)}\n`);
  process.stdout.write(`\nresults: ${out}\n`);
}

main().catch(async (error) => {
  log(`failed: ${error.stack ?? error.message}`);
  await cleanupAll();
  process.exit(1);
});
