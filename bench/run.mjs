#!/usr/bin/env node
// hilftp's benchmark suite (not a test: it asserts nothing). It runs our FTP server and client
// and their peers (vsftpd, pure-ftpd, curl, Python's ftplib) in the same run on this machine,
// prints a table per part plus the ratios against the goals, and writes everything measured
// to bench/results/<timestamp>.json. See bench/README.md for what each part measures.
import { execFileSync } from "node:child_process";
import { copyFile, link, mkdir, mkdtemp, readdir, rm, stat, statfs, writeFile } from "node:fs/promises";
import { existsSync } from "node:fs";
import * as os from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";

const HERE = dirname(fileURLToPath(import.meta.url));
const REPO = resolve(HERE, "..");
const PYTHON = "/usr/bin/python3";
const RUSAGE = join(HERE, "rusage.py");
const SMALL = join(HERE, "small_files.py");
const BURST = join(HERE, "burst.mjs");
const TRANSFER = join(HERE, "ftp-transfer.mjs");
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
  --profile           run our server (and client) under node --cpu-prof and print hot spots
  --dir=PATH          where the big files go (default /dev/shm when it has room, else the temp dir)`;

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
      dir: { type: "string" },
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
    dir: values.dir,
  };
}

// ---------------------------------------------------------------- small helpers

const median = (values) => {
  const v = values.filter((x) => typeof x === "number" && Number.isFinite(x)).sort((a, b) => a - b);
  if (v.length === 0) return undefined;
  const mid = v.length >> 1;
  return v.length % 2 ? v[mid] : (v[mid - 1] + v[mid]) / 2;
};
const ratio = (a, b) => (typeof a === "number" && typeof b === "number" && b !== 0 ? a / b : undefined);
const fmt = (value, digits = 2) => (typeof value === "number" && Number.isFinite(value) ? value.toFixed(digits) : "-");
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function table(title, headers, rows) {
  const cells = [headers, ...rows.map((r) => r.map((c) => String(c ?? "-")))];
  const widths = headers.map((_, i) => Math.max(...cells.map((r) => r[i].length)));
  const line = (r) => r.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join("  ");
  const out = [`\n${title}`, line(headers), widths.map((w) => "-".repeat(w)).join("  "), ...cells.slice(1).map(line)];
  process.stdout.write(`${out.join("\n")}\n`);
}

function log(message) {
  process.stderr.write(`[bench] ${message}\n`);
}

function loadNow() {
  return os.loadavg()[0];
}

// ---------------------------------------------------------------- cleanup of everything we start

const cleanups = new Map();
let cleanupSeq = 0;
function onCleanup(fn) {
  const id = ++cleanupSeq;
  cleanups.set(id, fn);
  return async () => {
    if (!cleanups.delete(id)) return;
    await fn();
  };
}
async function cleanupAll() {
  const fns = [...cleanups.values()].reverse();
  cleanups.clear();
  for (const fn of fns) {
    try {
      await fn();
    } catch (error) {
      log(`cleanup: ${error.message}`);
    }
  }
}

// ---------------------------------------------------------------- lazy imports of the build

let lib;
async function loadLib() {
  if (!existsSync(join(REPO, "dist", "testing", "peers.js")) || !existsSync(join(REPO, "dist", "cli", "main.js"))) {
    throw new Error("dist/ is missing: run `npm run build` (or `npm run bench`, which builds first)");
  }
  const peers = await import("../dist/testing/peers.js");
  const servers = await import("./lib/servers.mjs");
  const proc = await import("./lib/proc.mjs");
  const profile = await import("./lib/profile.mjs");
  lib = { ...peers, ...servers, ...proc, ...profile };
}

// ---------------------------------------------------------------- processes under measurement

/**
 * Runs a client command under rusage.py and reads the server's CPU seconds around it (after the
 * server's session processes were reaped, so a forking server's sessions are included).
 */
async function measured(server, cmd, args, timeoutMs = 600_000) {
  const cpu0 = server ? lib.cpuSeconds(server.pid) : 0;
  const from = process.hrtime.bigint();
  const result = await lib.run(PYTHON, [RUSAGE, `--timeout=${timeoutMs / 1000}`, "--", cmd, ...args], {
    timeoutMs: timeoutMs + 15_000,
  });
  const to = process.hrtime.bigint();
  const reaped = server ? await lib.waitForNoDescendants(server.pid, 10_000) : true;
  const cpu1 = server ? lib.cpuSeconds(server.pid) : 0;
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
    serverCpuSeconds: server ? cpu1 - cpu0 : undefined,
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

async function curlGet(server, name, size) {
  const m = await measured(server, "curl", ["-sS", "-o", "/dev/null", "-w", CURL_W, lib.ftpUrl(server, name)]);
  const c = parseCurl(m.stdout);
  if (c.downloaded !== size) throw new Error(`curl RETR from ${server.name}: ${c.downloaded} bytes, expected ${size}`);
  return { ...m, bytes: size, transferSeconds: c.transferSeconds };
}

async function curlPut(server, source, name, size) {
  const m = await measured(server, "curl", ["-sS", "-T", source, "-w", CURL_W, lib.ftpUrl(server, name)]);
  const c = parseCurl(m.stdout);
  if (c.uploaded !== size) throw new Error(`curl STOR to ${server.name}: ${c.uploaded} bytes, expected ${size}`);
  return { ...m, bytes: size, transferSeconds: c.transferSeconds };
}

async function oursTransfer(server, op, remote, local, size, profileDir) {
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
function figures(r) {
  return {
    wallSeconds: r.wallSeconds,
    mibPerSecond: r.bytes / MIB / r.wallSeconds,
    transferMiBPerSecond: r.transferSeconds > 0 ? r.bytes / MIB / r.transferSeconds : undefined,
    serverCpuSeconds: r.serverCpuSeconds,
    clientCpuSeconds: r.clientCpuSeconds,
    clientMaxRssKiB: r.clientMaxRssKiB,
    serverReaped: r.serverReaped,
  };
}

function medians(runs) {
  const keys = ["wallSeconds", "mibPerSecond", "transferMiBPerSecond", "serverCpuSeconds", "clientCpuSeconds", "clientMaxRssKiB"];
  return Object.fromEntries(keys.map((k) => [k, median(runs.map((r) => r[k]))]));
}

// ---------------------------------------------------------------- servers for a part

async function startServers(ctx, part, kinds, { maxSessions = 50 } = {}) {
  const started = [];
  try {
    for (const kind of kinds) {
      let server;
      if (kind === "hilftp") {
        const profileDir = ctx.opts.profile ? join(ctx.work, `profile-server-${part}`) : undefined;
        server = await lib.startOurs({
          root: join(ctx.work, `hilftp-${part}`),
          maxSessions: Math.max(maxSessions, 1000),
          nodeFlags: profileDir ? ["--cpu-prof", `--cpu-prof-dir=${profileDir}`] : [],
        });
        server.profileDir = profileDir;
      } else if (kind === "vsftpd") server = await lib.startVsftpdBench({ maxClients: maxSessions });
      else server = await lib.startPureFtpdBench({ maxClients: maxSessions });
      server.release = onCleanup(() => server.stop());
      started.push(server);
      log(`${part}: ${server.name} on ${server.host}:${server.port} (pid ${server.pid})`);
    }
  } catch (error) {
    for (const s of started) await s.release();
    throw error;
  }
  return started;
}

async function stopServers(ctx, part, servers, windows) {
  for (const s of servers) {
    await s.release();
    if (s.profileDir) ctx.results.profiles[`server-${part}`] = await readProfile(ctx, s.profileDir, `${part}-server`, windows);
  }
}

async function readProfile(ctx, dir, label, windows) {
  const files = existsSync(dir) ? (await readdir(dir)).filter((f) => f.endsWith(".cpuprofile")).map((f) => join(dir, f)) : [];
  if (files.length === 0) return { error: `no .cpuprofile in ${dir}` };
  const summary = lib.summarizeProfiles(files, { root: REPO, windows, top: 15 });
  // keep the raw profile next to the results for Chrome DevTools / speedscope
  await mkdir(ctx.resultsDir, { recursive: true });
  const kept = [];
  for (const [i, f] of files.entries()) {
    const dest = join(ctx.resultsDir, `${ctx.stamp}-${label}${files.length > 1 ? `-${i}` : ""}.cpuprofile`);
    await copyFile(f, dest);
    kept.push(dest);
  }
  table(
    `hot spots: ${label} (${summary.windowed ? "during the transfers" : "whole run"}; busy ${fmt(summary.busyMs, 0)} ms)`,
    ["function", "where", "self ms", "share"],
    summary.top.map((e) => [e.name, e.where, fmt(e.selfMs, 0), `${fmt(e.share * 100, 1)}%`]),
  );
  return { ...summary, files: kept };
}

async function placeFile(source, server, name) {
  const dest = join(server.diskDir, name);
  await rm(dest, { force: true });
  try {
    await link(source, dest);
  } catch {
    await copyFile(source, dest);
  }
}

// ---------------------------------------------------------------- part 1a: servers with curl

async function partServers(ctx) {
  const { opts } = ctx;
  const size = opts.sizeMiB * MIB;
  const servers = await startServers(ctx, "servers", opts.servers);
  const runs = {};
  const windows = [];
  const push = (key, r) => (runs[key] ??= []).push(figures(r));
  try {
    for (const s of servers) await placeFile(ctx.source, s, "big.bin");
    for (let rep = 1; rep <= opts.reps; rep++) {
      for (const s of servers) {
        const r = await curlGet(s, "big.bin", size);
        if (s.name === "hilftp") windows.push(r.window);
        push(`${s.name} RETR`, r);
        log(`servers rep ${rep}: curl RETR from ${s.name}: ${fmt(size / MIB / r.wallSeconds, 0)} MiB/s`);
      }
    }
    for (let rep = 1; rep <= opts.reps; rep++) {
      for (const s of servers) {
        await lib.removeServerFile(s, "up.bin");
        const r = await curlPut(s, ctx.source, "up.bin", size);
        if (s.name === "hilftp") windows.push(r.window);
        const landed = join(s.diskDir, "up.bin");
        const got = (await stat(landed)).size;
        if (got !== size) throw new Error(`STOR to ${s.name}: ${got} bytes on disk, expected ${size}`);
        if (rep === 1 && (await lib.sha256File(landed)) !== ctx.sourceSha) throw new Error(`STOR to ${s.name}: SHA-256 differs`);
        await lib.removeServerFile(s, "up.bin");
        push(`${s.name} STOR`, r);
        log(`servers rep ${rep}: curl STOR to ${s.name}: ${fmt(size / MIB / r.wallSeconds, 0)} MiB/s`);
      }
    }
  } finally {
    await stopServers(ctx, "servers", servers, windows);
  }
  const med = Object.fromEntries(Object.entries(runs).map(([k, v]) => [k, medians(v)]));
  const ratios = {};
  for (const op of ["RETR", "STOR"]) {
    const ours = med[`hilftp ${op}`];
    for (const peer of opts.peers) {
      const other = med[`${peer} ${op}`];
      ratios[`${op} throughput hilftp/${peer}`] = ratio(ours?.mibPerSecond, other?.mibPerSecond);
      ratios[`${op} server CPU hilftp/${peer}`] = ratio(ours?.serverCpuSeconds, other?.serverCpuSeconds);
    }
  }
  table(
    `1a. bulk ${opts.sizeMiB} MiB, curl as the client, server compared (median of ${opts.reps})`,
    ["server op", "MiB/s", "wall s", "server CPU s", "client CPU s", "xfer MiB/s"],
    Object.entries(med).map(([k, m]) => [k, fmt(m.mibPerSecond, 0), fmt(m.wallSeconds, 3), fmt(m.serverCpuSeconds), fmt(m.clientCpuSeconds), fmt(m.transferMiBPerSecond, 0)]),
  );
  return { sizeBytes: size, runs, medians: med, ratios };
}

// ---------------------------------------------------------------- part 1b: clients against vsftpd

async function partClient(ctx) {
  const { opts } = ctx;
  const size = opts.sizeMiB * MIB;
  // the issue compares clients against vsftpd; our server is an extra row when it is being built
  const servers = await startServers(ctx, "client", ["vsftpd", "hilftp"].filter((k) => opts.servers.includes(k)));
  const runs = {};
  const clientProfile = opts.profile && opts.clients.includes("hilftp") ? { get: join(ctx.work, "profile-client-get"), put: join(ctx.work, "profile-client-put") } : undefined;
  const push = (key, r) => (runs[key] ??= []).push(figures(r));
  try {
    for (const s of servers) await placeFile(ctx.source, s, "big.bin");
    for (let rep = 1; rep <= opts.reps; rep++) {
      for (const s of servers) {
        for (const client of opts.clients) {
          const r =
            client === "curl"
              ? await curlGet(s, "big.bin", size)
              : await oursTransfer(s, "get", `${s.ftpDir}/big.bin`, "/dev/null", size, s.name === "vsftpd" ? clientProfile?.get : undefined);
          push(`${client} RETR <- ${s.name}`, r);
          log(`client rep ${rep}: ${client} RETR <- ${s.name}: ${fmt(size / MIB / r.wallSeconds, 0)} MiB/s`);
        }
      }
    }
    for (let rep = 1; rep <= opts.reps; rep++) {
      for (const s of servers) {
        for (const client of opts.clients) {
          await lib.removeServerFile(s, "up.bin");
          const r =
            client === "curl"
              ? await curlPut(s, ctx.source, "up.bin", size)
              : await oursTransfer(s, "put", `${s.ftpDir}/up.bin`, ctx.source, size, s.name === "vsftpd" ? clientProfile?.put : undefined);
          const landed = join(s.diskDir, "up.bin");
          const got = (await stat(landed)).size;
          if (got !== size) throw new Error(`${client} STOR to ${s.name}: ${got} bytes on disk, expected ${size}`);
          if (rep === 1 && (await lib.sha256File(landed)) !== ctx.sourceSha) throw new Error(`${client} STOR to ${s.name}: SHA-256 differs`);
          await lib.removeServerFile(s, "up.bin");
          push(`${client} STOR -> ${s.name}`, r);
          log(`client rep ${rep}: ${client} STOR -> ${s.name}: ${fmt(size / MIB / r.wallSeconds, 0)} MiB/s`);
        }
      }
    }
  } finally {
    await stopServers(ctx, "client", servers, undefined);
  }
  if (clientProfile) {
    ctx.results.profiles["client-get"] = await readProfile(ctx, clientProfile.get, "client-get", undefined);
    ctx.results.profiles["client-put"] = await readProfile(ctx, clientProfile.put, "client-put", undefined);
  }
  const med = Object.fromEntries(Object.entries(runs).map(([k, v]) => [k, medians(v)]));
  const ratios = {};
  for (const [op, dir] of [["RETR", "<-"], ["STOR", "->"]]) {
    const ours = med[`hilftp ${op} ${dir} vsftpd`];
    const curl = med[`curl ${op} ${dir} vsftpd`];
    ratios[`${op} throughput hilftp/curl (vsftpd)`] = ratio(ours?.mibPerSecond, curl?.mibPerSecond);
    ratios[`${op} transfer-phase throughput hilftp/curl (vsftpd)`] = ratio(ours?.transferMiBPerSecond, curl?.transferMiBPerSecond);
    ratios[`${op} client CPU hilftp/curl (vsftpd)`] = ratio(ours?.clientCpuSeconds, curl?.clientCpuSeconds);
  }
  table(
    `1b. bulk ${opts.sizeMiB} MiB, client compared (median of ${opts.reps}; wall includes process start)`,
    ["client op server", "MiB/s", "wall s", "client CPU s", "server CPU s", "xfer MiB/s", "client RSS MiB"],
    Object.entries(med).map(([k, m]) => [
      k,
      fmt(m.mibPerSecond, 0),
      fmt(m.wallSeconds, 3),
      fmt(m.clientCpuSeconds),
      fmt(m.serverCpuSeconds),
      fmt(m.transferMiBPerSecond, 0),
      fmt(m.clientMaxRssKiB / 1024, 0),
    ]),
  );
  return { sizeBytes: size, runs, medians: med, ratios };
}

// ---------------------------------------------------------------- part 2: small files

async function partSmall(ctx) {
  const { opts } = ctx;
  const servers = await startServers(ctx, "small", opts.servers);
  const runs = {};
  const windows = [];
  try {
    for (let rep = 1; rep <= opts.reps; rep++) {
      for (const s of servers) {
        const dir = `${s.ftpDir}/small-${rep}`;
        const m = await measured(s, PYTHON, [SMALL, s.host, String(s.port), s.user, s.password, dir, String(opts.files), String(opts.fileKiB * 1024)]);
        if (s.name === "hilftp") windows.push(m.window);
        const r = JSON.parse(m.stdout.trim().split("\n").at(-1));
        if (r.corrupt !== 0) throw new Error(`small files with ${s.name}: ${r.corrupt} corrupt downloads`);
        const run = {
          uploadFilesPerSecond: r.files / r.uploadSeconds,
          downloadFilesPerSecond: r.files / r.downloadSeconds,
          filesPerSecond: (2 * r.files) / (r.uploadSeconds + r.downloadSeconds),
          sessionSeconds: m.wallSeconds,
          serverCpuSeconds: m.serverCpuSeconds,
          serverCpuMsPerFile: (m.serverCpuSeconds * 1000) / (2 * r.files),
          clientCpuSeconds: m.clientCpuSeconds,
        };
        (runs[s.name] ??= []).push(run);
        log(`small rep ${rep}: ${s.name}: ${fmt(run.filesPerSecond, 0)} files/s`);
      }
    }
  } finally {
    await stopServers(ctx, "small", servers, windows);
  }
  const keys = ["uploadFilesPerSecond", "downloadFilesPerSecond", "filesPerSecond", "sessionSeconds", "serverCpuSeconds", "serverCpuMsPerFile", "clientCpuSeconds"];
  const med = Object.fromEntries(Object.entries(runs).map(([k, v]) => [k, Object.fromEntries(keys.map((x) => [x, median(v.map((r) => r[x]))]))]));
  const ratios = {};
  for (const peer of opts.peers) {
    ratios[`files/s hilftp/${peer}`] = ratio(med.hilftp?.filesPerSecond, med[peer]?.filesPerSecond);
    ratios[`server CPU per file hilftp/${peer}`] = ratio(med.hilftp?.serverCpuMsPerFile, med[peer]?.serverCpuMsPerFile);
  }
  table(
    `2. small files: ${opts.files} x ${opts.fileKiB} KiB up then down, one ftplib session (median of ${opts.reps})`,
    ["server", "files/s", "up files/s", "down files/s", "session s", "server CPU s", "server ms/file"],
    Object.entries(med).map(([k, m]) => [k, fmt(m.filesPerSecond, 0), fmt(m.uploadFilesPerSecond, 0), fmt(m.downloadFilesPerSecond, 0), fmt(m.sessionSeconds), fmt(m.serverCpuSeconds), fmt(m.serverCpuMsPerFile, 3)]),
  );
  return { files: opts.files, fileBytes: opts.fileKiB * 1024, runs, medians: med, ratios };
}

// ---------------------------------------------------------------- part 3: burst of idle logins

async function partBurst(ctx) {
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
      const ss = await lib.run("ss", ["-Hltn", `sport = :${s.port}`], { timeoutMs: 10_000 });
      const backlog = lib.listenBacklog(ss.stdout, s.port);
      await sleep(500);
      const cfg = { host: s.host, port: s.port, user: s.user, password: s.password, count: opts.sessions, pid: s.pid };
      const r = await lib.run(process.execPath, [BURST, JSON.stringify(cfg)], { timeoutMs: 240_000 });
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
  const opts = parseOptions(process.argv.slice(2));
  await loadLib();
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
  if (loadNow() > 0.5) log("note: the machine is busy; other processes' CPU use skews every number below");

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
      ctx.sourceSha = await lib.makeRandomFile(ctx.source, opts.sizeMiB * MIB, 7);
    }
    for (const part of PARTS) {
      if (!opts.only.has(part)) continue;
      const load0 = os.loadavg()[0];
      const t0 = performance.now();
      const fn = { servers: partServers, client: partClient, small: partSmall, burst: partBurst }[part];
      results.parts[part] = await fn(ctx);
      results.parts[part].seconds = (performance.now() - t0) / 1000;
      results.parts[part].loadAverage = { start: load0, end: os.loadavg()[0] };
    }
  } finally {
    await cleanupAll();
  }
  results.goals = goals(results);
  results.finishedAt = new Date().toISOString();
  await mkdir(resultsDir, { recursive: true });
  const out = join(resultsDir, `${stamp}.json`);
  await writeFile(out, `${JSON.stringify(results, (k, v) => (typeof v === "bigint" ? String(v) : v), 2)}\n`);
  process.stdout.write(`\nresults: ${out}\n`);
}

main().catch(async (error) => {
  log(`failed: ${error.stack ?? error.message}`);
  await cleanupAll();
  process.exit(1);
});
