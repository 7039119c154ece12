#!/usr/bin/env node
// Board FTP benchmark. Not a test: it asserts nothing.
// Goodput of RETR and STOR between our host FTP client and the firmware-shim's FTP server (the C
// NetX-like one) on a real board profile, through the board fixture (openBoard: the same tunnel,
// host TCP settings and agent the hil suite uses), so the figures are what a user of a board gets:
//  - native-sim (the firmware built for the host, a child process): 64 KiB and 256 KiB;
//  - qemu-netduinoplus2 (the STM32 image under QEMU, ~20 KB/s into the MCU): 64 KiB;
//  each unshaped (as fast as the two stacks and the link go) and shaped to --baud on the host side
//  (a UART at 10 bits per byte, as a real board's serial line would be).
// A shaped row is set against the physical limit of the line: baud/10 bytes/s times the share of
// the wire bytes sent in the transfer direction that are FTP payload (SLIP ENDs and escapes, IP and
// TCP headers, the control replies on that line included), computed by dist/link/line-limit.js as
// `hilftp bench` and bench/tunnel.mjs do; the ratio to the raw baud/10 is printed too. Goal: >= 97%
// of the physical limit. --baud takes a list (one shaped pass per rate); --out=FILE names the JSON.
// Seconds are the client.download()/upload() call (PASV, data connect, the command, the bytes,
// the 226), in a session whose one-time TYPE I and FEAT are already done; every download is
// SHA-256 checked against the deterministic upload; files are removed on the board after every
// run (its RAM fs is small). --pcap=DIR keeps the captures for tshark when a ratio needs explaining.
import { createHash } from "node:crypto";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { cpus, loadavg, tmpdir } from "node:os";
import { basename, dirname, join, resolve } from "node:path";
import { Readable, Writable } from "node:stream";
import { parseArgs } from "node:util";
import { goodput, lineCount } from "../dist/link/line-limit.js";
import { openBoard } from "../dist/testing/index.js";
// Deterministic bytes (the same escapes on the line every run) and hashing, as the tests use them.
import { sha256, testData as payload } from "../dist/testing/test-data.js";
import { fmt, log, median, table } from "./lib/report.mjs";

const { values } = parseArgs({
  options: {
    only: { type: "string", default: "native,qemu" },
    reps: { type: "string", default: "3" },
    // One shaped pass per rate: "115200" or "115200,921600".
    baud: { type: "string", default: "115200" },
    // File sizes per board in KiB (a qemu file must fit its 72 KiB RAM fs).
    "native-sizes": { type: "string", default: "64,256" },
    "qemu-sizes": { type: "string", default: "64" },
    // Where the results JSON goes (default bench/results/board-<timestamp>.json).
    out: { type: "string" },
    // Keep a pcap per board and shaping in this directory (for tshark); default none.
    pcap: { type: "string" },
    // Another profile (a name or a .json path) in a part's place, to try other TCP settings.
    "native-profile": { type: "string", default: "native-sim" },
    "qemu-profile": { type: "string", default: "qemu-netduinoplus2" },
  },
});
const only = new Set(values.only.split(",").map((s) => s.trim()));
const reps = Number(values.reps);
const bauds = values.baud.split(",").map(Number);
if (!Number.isInteger(reps) || reps < 1 || reps > 100) throw new Error(`--reps wants 1..100, got ${values.reps}`);
for (const b of bauds) if (!(b > 0)) throw new Error(`--baud wants positive numbers, got ${values.baud}`);
const kibList = (name) =>
  values[name].split(",").map((k) => {
    const n = Number(k);
    if (!Number.isInteger(n) || n < 1 || n > 65536) throw new Error(`--${name} wants KiB from 1 to 65536, got ${k}`);
    return n * 1024;
  });
for (const o of only) if (o !== "native" && o !== "qemu") throw new Error(`--only: unknown part ${o} (native, qemu)`);

const KIB = 1024;
const GOAL = 0.97;
const BOARDS = [
  { key: "native", profile: values["native-profile"], sizes: kibList("native-sizes") },
  { key: "qemu", profile: values["qemu-profile"], sizes: kibList("qemu-sizes") },
].filter((b) => only.has(b.key));
// Generous: a shaped 256 KiB takes ~25 s, a QEMU STOR is paced by its ~20 KB/s into the MCU.
const FTP_TIMEOUT_MS = 180_000;


function delta(a, b) {
  const out = {};
  for (const k of Object.keys(b)) if (typeof b[k] === "number" && typeof a?.[k] === "number") out[k] = b[k] - a[k];
  return out;
}

/**
 * The host link's counters now, without a round trip to the agent. (The stack's TCP totals would
 * not do: a connection's retransmissions join them only once it is gone, i.e. in a later run.)
 */
function hostCounters(board) {
  return { link: board.tunnel.link.stats };
}

/**
 * One measured transfer. The host counters are read right at the FTP call's start and end; the
 * agent's COUNTERS round trips lie outside, or their reply (hundreds of bytes) would count as wire
 * bytes of the transfer without its line time.
 */
async function measure(board, client, verb, remote, data, localFile) {
  const dir = verb === "RETR" ? "in" : "out";
  const deviceBefore = board.agent ? await board.agent.counters() : undefined;
  const before = hostCounters(board);
  const hash = createHash("sha256");
  let received = 0;
  const t0 = performance.now();
  if (verb === "RETR") {
    const sink = new Writable({
      write(chunk, _enc, done) {
        hash.update(chunk);
        received += chunk.length;
        done();
      },
    });
    await client.download(remote, sink);
  } else {
    // From a file, as a user uploads: the client's own read size decides the writes (the host
    // keeps write boundaries as segment boundaries for NetX, so small pieces would cost headers).
    await client.upload(localFile, remote);
  }
  const seconds = (performance.now() - t0) / 1000;
  const after = hostCounters(board);
  const deviceAfter = board.agent ? await board.agent.counters() : undefined;
  const back = dir === "in" ? "out" : "in";
  // "in" = board to host (RETR), "out" = host to board (STOR)
  const link = lineCount(before.link, after.link, dir);
  return {
    verb,
    bytes: data.length,
    seconds,
    sha256: verb === "RETR" ? hash.digest("hex") : undefined,
    received: verb === "RETR" ? received : undefined,
    wire: link.wireBytes,
    ipBytes: link.ipBytes,
    frames: link.frames,
    reverse: lineCount(before.link, after.link, back),
    device: deviceBefore && deviceAfter ? delta(deviceBefore, deviceAfter) : undefined,
  };
}

/**
 * A new session's one-time TYPE I and FEAT would land in its first timed call (under QEMU ~40 ms,
 * 0.6% of a shaped 64 KiB STOR): an empty file moved first settles both before the clock runs.
 */
async function warmUp(client) {
  await client.upload(Readable.from([]), "/bench-warm-up.bin");
  await client.delete("/bench-warm-up.bin");
}

/** Per-run figures; the limit only for shaped runs (an unshaped line has none to speak of). */
function figures(run, shapedBaud) {
  const bytesPerSecond = run.bytes / run.seconds;
  // TCP payload on the line beyond the file (IPv4 + TCP headers are 40 bytes; options and the
  // control replies on that line make it a few dozen bytes more): above that, retransmissions.
  const extra = run.ipBytes - 40 * run.frames - run.bytes;
  const out = { ...run, goodput: bytesPerSecond, kbit: (bytesPerSecond * 8) / 1000, wirePerPayload: run.wire / run.bytes, extra };
  if (shapedBaud === undefined) return out;
  const g = goodput(run.bytes, run.seconds, run.wire, shapedBaud);
  // SLIP escapes per frame, as tunnel.mjs reports them: wire - IP bytes - two ENDs per frame.
  const escapesPerFrame = (run.wire - run.ipBytes - 2 * run.frames) / run.frames;
  return { ...out, limit: g.limit, ratioLimit: g.ofLimit, ratioRaw: g.bytesPerSecond / g.rawLimit, escapesPerFrame };
}

const work = await mkdtemp(join(tmpdir(), "hilftp-bench-board-"));
const results = {
  startedAt: new Date().toISOString(),
  options: { only: [...only], reps, baud: bauds[0], bauds, pcap: values.pcap, profiles: BOARDS.map((b) => b.profile), sizes: Object.fromEntries(BOARDS.map((b) => [b.key, b.sizes])) },
  environment: { node: process.version, cpus: cpus().length, loadavgStart: loadavg() },
  rows: [],
};

let current;
// Ctrl-C: the board's process (sim, qemu) is ours to stop.
process.once("SIGINT", () => {
  log("interrupted; closing the board");
  const closing = current ? current.close() : Promise.resolve();
  closing.finally(() => process.exit(130));
  setTimeout(() => process.exit(130), 10_000).unref();
});

async function runBoard(spec, shapedBaud) {
  const label = shapedBaud === undefined ? "unshaped" : `${shapedBaud} baud`;
  const pcapPath = values.pcap ? resolve(values.pcap, `board-${basename(spec.profile, ".json")}-${shapedBaud ?? "unshaped"}.pcap`) : undefined;
  if (values.pcap) await mkdir(resolve(values.pcap), { recursive: true });
  log(`${spec.profile}, ${label}: opening (builds the firmware if needed)`);
  const board = await openBoard({
    board: spec.profile,
    agent: "required",
    ...(shapedBaud !== undefined ? { baud: shapedBaud } : {}),
    ...(pcapPath ? { pcap: pcapPath } : {}),
  });
  current = board;
  try {
    // A board keeps its files like flash: start from an empty fs, as the hil suite does.
    await board.agent.format();
    const fs = board.hello.fs;
    for (const size of spec.sizes) {
      const row = { board: basename(spec.profile, ".json"), mtu: board.limits.mtu, shaped: shapedBaud !== undefined, baud: shapedBaud, size, runs: { STOR: [], RETR: [] } };
      if (size > fs) {
        log(`${spec.profile}: ${size} bytes do not fit its ${fs}-byte RAM fs; row skipped`);
        row.skipped = `fs ${fs} bytes`;
        results.rows.push(row);
        continue;
      }
      for (let rep = 0; rep < reps; rep++) {
        const data = payload(size, size + rep);
        const want = sha256(data);
        const remote = `/bench-${size}-${rep}.bin`;
        const client = await board.ftp({ timeoutMs: FTP_TIMEOUT_MS });
        try {
          await warmUp(client);
          const localFile = join(work, `up-${size}-${rep}.bin`);
          await writeFile(localFile, data);
          const stor = figures(await measure(board, client, "STOR", remote, data, localFile), shapedBaud);
          const retr = figures(await measure(board, client, "RETR", remote, data), shapedBaud);
          retr.ok = retr.sha256 === want && retr.received === size;
          // The board's own digest of what STOR wrote (RETR could mask a write error it undoes).
          stor.ok = (await board.agent.hash(remote)).sha256 === want;
          await client.delete(remote);
          await client.quit();
          await rm(localFile, { force: true });
          row.runs.STOR.push(stor);
          row.runs.RETR.push(retr);
          log(
            `${spec.profile} ${label} ${size / KIB} KiB rep ${rep + 1}/${reps}: ` +
              `STOR ${fmt(stor.goodput, 0)} B/s${stor.ratioLimit ? ` (${fmt(100 * stor.ratioLimit, 1)}%)` : ""} ${stor.ok ? "ok" : "HASH DIFFERS"}, ` +
              `RETR ${fmt(retr.goodput, 0)} B/s${retr.ratioLimit ? ` (${fmt(100 * retr.ratioLimit, 1)}%)` : ""} ${retr.ok ? "ok" : "HASH DIFFERS"}`,
          );
        } finally {
          client.close();
        }
      }
      results.rows.push(row);
    }
  } finally {
    current = undefined;
    const closed = await board.close();
    if (closed.pcap) log(`pcap kept: ${closed.pcap}`);
  }
}

const medianOf = (runs, key) => median(runs.map((r) => r[key]));

try {
  for (const spec of BOARDS) {
    await runBoard(spec, undefined);
    for (const baud of bauds) await runBoard(spec, baud);
  }
} finally {
  await rm(work, { recursive: true, force: true });
  results.finishedAt = new Date().toISOString();
  results.environment.loadavgEnd = loadavg();
  for (const row of results.rows) {
    row.medians = {};
    for (const verb of ["STOR", "RETR"]) {
      const runs = row.runs[verb];
      if (runs.length === 0) continue;
      const keys = ["seconds", "goodput", "kbit", "wirePerPayload", "extra", "limit", "ratioLimit", "ratioRaw", "escapesPerFrame"];
      row.medians[verb] = Object.fromEntries(keys.map((k) => [k, medianOf(runs, k)]));
      row.medians[verb].allOk = runs.every((r) => r.ok);
    }
  }
  const lines = [];
  for (const row of results.rows) {
    for (const verb of ["STOR", "RETR"]) {
      const m = row.medians[verb];
      const shaping = row.shaped ? `${row.baud}` : "-";
      if (!m) {
        lines.push([row.board, verb, `${row.size / KIB} KiB`, shaping, row.skipped ?? "no runs", "", "", "", "", "", "", "", "", ""]);
        continue;
      }
      lines.push([
        row.board,
        verb,
        `${row.size / KIB} KiB`,
        shaping,
        fmt(m.seconds, 3),
        fmt(m.goodput, 0),
        fmt(m.kbit, 1),
        fmt(m.wirePerPayload, 4),
        fmt(m.extra, 0),
        row.shaped ? fmt(m.limit, 0) : "-",
        row.shaped ? `${fmt(100 * m.ratioLimit, 1)}%` : "-",
        row.shaped ? `${fmt(100 * m.ratioRaw, 1)}%` : "-",
        row.shaped ? (m.ratioLimit >= GOAL ? "met" : "MISSED") : "-",
        m.allOk ? "ok" : "DIFFERS",
      ]);
    }
  }
  table(
    `board FTP goodput, medians of ${reps} (seconds = the download/upload call; limit = baud/10 x payload/wire bytes in the transfer direction; goal >= ${GOAL * 100}% of it)`,
    ["board", "verb", "size", "baud", "s", "B/s", "kbit/s", "wire/payload", "extra B", "limit B/s", "of limit", "of baud/10", "goal", "sha256"],
    lines,
  );
  const out = values.out ? resolve(values.out) : join(new URL("./results/", import.meta.url).pathname, `board-${results.startedAt.replace(/[:.]/g, "-")}.json`);
  await mkdir(dirname(out), { recursive: true });
  await writeFile(out, JSON.stringify(results, null, 2));
  console.log(`results: ${out}`);
}
