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
// TCP headers, the control replies on that line included), as bench/tunnel.mjs does for our two
// stacks; the ratio to the raw baud/10 is printed too. Goal: >= 97% of the physical limit.
// Seconds are the client.download()/upload() call (PASV, data connect, the command, the bytes,
// the 226), in a session whose one-time TYPE I and FEAT are already done; every download is
// SHA-256 checked against the deterministic upload; files are removed on the board after every
// run (its RAM fs is small). --pcap=DIR keeps the captures for tshark when a ratio needs explaining.
import { createHash } from "node:crypto";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { cpus, loadavg, tmpdir } from "node:os";
import { basename, join, resolve } from "node:path";
import { Readable, Writable } from "node:stream";
import { parseArgs } from "node:util";
import { openBoard } from "../dist/testing/index.js";
// Deterministic bytes (the same escapes on the line every run) and hashing, as the tests use them.
import { sha256, testData as payload } from "../dist/testing/test-data.js";
import { fmt, log, median, table } from "./lib/report.mjs";

const { values } = parseArgs({
  options: {
    only: { type: "string", default: "native,qemu" },
    reps: { type: "string", default: "3" },
    baud: { type: "string", default: "115200" },
    // Keep a pcap per board and shaping in this directory (for tshark); default none.
    pcap: { type: "string" },
    // Another profile (a name or a .json path) in a part's place, to try other TCP settings.
    "native-profile": { type: "string", default: "native-sim" },
    "qemu-profile": { type: "string", default: "qemu-netduinoplus2" },
  },
});
const only = new Set(values.only.split(",").map((s) => s.trim()));
const reps = Number(values.reps);
const baud = Number(values.baud);
if (!Number.isInteger(reps) || reps < 1 || reps > 100) throw new Error(`--reps wants 1..100, got ${values.reps}`);
if (!(baud > 0)) throw new Error(`--baud wants a positive number, got ${values.baud}`);
for (const o of only) if (o !== "native" && o !== "qemu") throw new Error(`--only: unknown part ${o} (native, qemu)`);

const KIB = 1024;
const GOAL = 0.97;
const BOARDS = [
  { key: "native", profile: values["native-profile"], sizes: [64 * KIB, 256 * KIB] },
  { key: "qemu", profile: values["qemu-profile"], sizes: [64 * KIB] },
].filter((b) => only.has(b.key));
// Generous: a shaped 256 KiB takes ~25 s, a QEMU STOR is paced by its ~20 KB/s into the MCU.
const FTP_TIMEOUT_MS = 180_000;


/** The link counters of one direction: "in" = board to host (RETR), "out" = host to board (STOR). */
function side(stats, dir) {
  return dir === "in"
    ? { frames: stats.framesIn, bytes: stats.bytesIn, wire: stats.wireBytesIn }
    : { frames: stats.framesOut, bytes: stats.bytesOut, wire: stats.wireBytesOut };
}

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
  const link = delta(side(before.link, dir), side(after.link, dir));
  return {
    verb,
    bytes: data.length,
    seconds,
    sha256: verb === "RETR" ? hash.digest("hex") : undefined,
    received: verb === "RETR" ? received : undefined,
    wire: link.wire,
    ipBytes: link.bytes,
    frames: link.frames,
    reverse: delta(side(before.link, back), side(after.link, back)),
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
  const goodput = run.bytes / run.seconds;
  // TCP payload on the line beyond the file (IPv4 + TCP headers are 40 bytes; options and the
  // control replies on that line make it a few dozen bytes more): above that, retransmissions.
  const extra = run.ipBytes - 40 * run.frames - run.bytes;
  const out = { ...run, goodput, kbit: (goodput * 8) / 1000, wirePerPayload: run.wire / run.bytes, extra };
  if (shapedBaud === undefined) return out;
  const raw = shapedBaud / 10;
  const limit = raw * (run.bytes / run.wire);
  // SLIP escapes per frame, as tunnel.mjs reports them: wire - IP bytes - two ENDs per frame.
  const escapesPerFrame = (run.wire - run.ipBytes - 2 * run.frames) / run.frames;
  return { ...out, limit, ratioLimit: goodput / limit, ratioRaw: goodput / raw, escapesPerFrame };
}

const work = await mkdtemp(join(tmpdir(), "hilftp-bench-board-"));
const results = {
  startedAt: new Date().toISOString(),
  options: { only: [...only], reps, baud, pcap: values.pcap, profiles: BOARDS.map((b) => b.profile) },
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
      const row = { board: basename(spec.profile, ".json"), shaped: shapedBaud !== undefined, baud: shapedBaud, size, runs: { STOR: [], RETR: [] } };
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
    await runBoard(spec, baud);
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
  const dir = new URL("./results/", import.meta.url);
  await mkdir(dir, { recursive: true });
  const out = join(dir.pathname, `board-${results.startedAt.replace(/[:.]/g, "-")}.json`);
  await writeFile(out, JSON.stringify(results, null, 2));
  console.log(`results: ${out}`);
}
