#!/usr/bin/env node
// SLIP codec benchmark (not a test: it asserts nothing but frame equality). Compares
// @serialport/parser-slip-encoder's SlipEncoder/SlipDecoder with hilftp's own encodeSlip/
// SlipDecoder (src/link/slip-codec.ts) on the same random frames, fed to the decoders in the same
// random chunks, and measures the whole framing path (SlipFraming over linkPair) as well. The
// stack's goal is >= 1 Gbit/s on an in-memory link; the figures justify which codec src/link uses.
//
//   npm run build && node bench/slip.mjs [--frames=20000] [--size=1500] [--reps=3] [--seed=1]
//                                        [--max-chunk=16384] [--dist=DIR] [--json=FILE]
import { createHash } from "node:crypto";
import { writeFileSync, mkdirSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import { SlipDecoder as TheirDecoder, SlipEncoder as TheirEncoder } from "@serialport/parser-slip-encoder";

const HERE = dirname(fileURLToPath(import.meta.url));
const { values: args } = parseArgs({
  options: {
    frames: { type: "string", default: "20000" },
    size: { type: "string", default: "1500" },
    reps: { type: "string", default: "3" },
    seed: { type: "string", default: "1" },
    "max-chunk": { type: "string", default: "16384" },
    dist: { type: "string", default: join(HERE, "..", "dist") },
    json: { type: "string" },
  },
});
const FRAMES = Number(args.frames);
const SIZE = Number(args.size);
const REPS = Number(args.reps);
const MAX_CHUNK = Number(args["max-chunk"]);
const link = await import(pathToFileURL(join(resolve(args.dist), "link", "index.js")).href);

// Seeded, so every run (and both codecs) sees the same frames and the same chunking.
const rand = link.mulberry32(Number(args.seed));
const frames = Array.from({ length: FRAMES }, () => {
  const f = Buffer.allocUnsafe(SIZE);
  for (let i = 0; i < SIZE; i += 4) f.writeUInt32LE(Math.floor(rand() * 2 ** 32), i);
  return f;
});
const payloadBytes = FRAMES * SIZE;

function digest(list) {
  const h = createHash("sha256");
  const len = Buffer.alloc(4);
  for (const f of list) {
    len.writeUInt32LE(f.length);
    h.update(len);
    h.update(f);
  }
  return h.digest("hex");
}
const expected = digest(frames);

// Wall time and this process's CPU time (user + system): the build machines are shared, and CPU
// time is the figure that other processes disturb least.
function cpuMs(since) {
  const u = process.cpuUsage(since);
  return (u.user + u.system) / 1000;
}
function timed(fn) {
  const c0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  const out = fn();
  return { ms: Number(process.hrtime.bigint() - t0) / 1e6, cpu: cpuMs(c0), out };
}
async function timedAsync(fn) {
  const c0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  const out = await fn();
  return { ms: Number(process.hrtime.bigint() - t0) / 1e6, cpu: cpuMs(c0), out };
}
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const mbps = (bytes, ms) => bytes / 1e6 / (ms / 1000);

// --- encoders -------------------------------------------------------------------------------
function ourEncode() {
  return frames.map((f) => link.encodeSlip(f));
}
function theirEncode() {
  const enc = new TheirEncoder({ bluetoothQuirk: true }); // leading END, as ours
  const out = [];
  enc.on("data", (b) => out.push(b));
  for (const f of frames) enc.write(f);
  return out;
}

// --- chunking -------------------------------------------------------------------------------
const ours = ourEncode();
const wire = Buffer.concat(ours);
const theirs = theirEncode();
const encodersAgree = Buffer.compare(wire, Buffer.concat(theirs)) === 0;
const chunks = [];
for (let off = 0; off < wire.length; ) {
  const n = 1 + Math.floor(rand() * MAX_CHUNK);
  chunks.push(wire.subarray(off, off + n));
  off += n;
}

// --- decoders -------------------------------------------------------------------------------
function ourDecode() {
  const got = [];
  const dec = new link.SlipDecoder(SIZE + 100, (f) => got.push(f));
  for (const c of chunks) dec.push(c);
  return got;
}
function theirDecode() {
  const got = [];
  const dec = new TheirDecoder();
  dec.on("data", (f) => got.push(f));
  for (const c of chunks) dec.write(c);
  return got;
}

// --- the framing path: SlipFraming on both ends of linkPair, with backpressure -------------
async function framingPath() {
  const [a, b] = link.linkPair({ highWaterMark: 256 * 1024 });
  const tx = new link.SlipFraming(a, { maxFrame: SIZE + 100 });
  const rx = new link.SlipFraming(b, { maxFrame: SIZE + 100 });
  let received = 0;
  let bytes = 0;
  const done = new Promise((res) =>
    rx.on("frame", (f) => {
      received++;
      bytes += f.length;
      if (received === FRAMES) res();
    }),
  );
  let i = 0;
  const pump = () => {
    while (i < FRAMES) if (!tx.send(frames[i++])) return tx.once("drain", pump);
  };
  pump();
  await done;
  await tx.close();
  await rx.close();
  return bytes;
}

// One unmeasured round first, so every codec runs JIT-compiled when measured.
ourEncode();
theirEncode();
ourDecode();
theirDecode();
await framingPath();

const results = { encodeOurs: [], encodeTheirs: [], decodeOurs: [], decodeTheirs: [], framing: [] };
const cpu = { encodeOurs: [], encodeTheirs: [], decodeOurs: [], decodeTheirs: [], framing: [] };
const record = (key, t) => {
  results[key].push(mbps(payloadBytes, t.ms));
  cpu[key].push(mbps(payloadBytes, t.cpu));
};
let decodersAgree = true;
for (let rep = 0; rep < REPS; rep++) {
  record("encodeOurs", timed(ourEncode));
  record("encodeTheirs", timed(theirEncode));
  const o = timed(ourDecode);
  decodersAgree &&= digest(o.out) === expected;
  record("decodeOurs", o);
  const t = timed(theirDecode);
  decodersAgree &&= digest(t.out) === expected;
  record("decodeTheirs", t);
  const f = await timedAsync(framingPath);
  decodersAgree &&= f.out === payloadBytes;
  record("framing", f);
}

const rows = [
  ["@serialport SlipEncoder", "encodeTheirs"],
  ["our encodeSlip", "encodeOurs"],
  ["@serialport SlipDecoder", "decodeTheirs"],
  ["our SlipDecoder", "decodeOurs"],
  ["SlipFraming over linkPair", "framing"],
];
const fmt = (x) => x.toFixed(1).padStart(8);
console.log(`${FRAMES} random ${SIZE}-byte frames, ${(wire.length / 1e6).toFixed(1)} MB on the wire, ${chunks.length} chunks of 1..${MAX_CHUNK} B, median of ${REPS}`);
console.log(`encoders byte-identical: ${encodersAgree}; every decoder returned every frame intact: ${decodersAgree}`);
console.log(`  ${"".padEnd(28)} ${"MB/s CPU".padStart(8)} ${"Gbit/s".padStart(7)} ${"MB/s wall".padStart(10)}   (CPU-time runs)`);
for (const [name, key] of rows) {
  const m = median(cpu[key]);
  console.log(`  ${name.padEnd(28)} ${fmt(m)} ${((m * 8) / 1000).toFixed(2).padStart(7)} ${fmt(median(results[key])).padStart(10)}   (${cpu[key].map((x) => x.toFixed(1)).join(", ")})`);
}
const summary = {
  when: new Date().toISOString(),
  node: process.version,
  frames: FRAMES,
  size: SIZE,
  chunks: chunks.length,
  maxChunk: MAX_CHUNK,
  encodersAgree,
  decodersAgree,
  loadAverage: (await import("node:os")).loadavg(),
  mbPerCpuSecond: Object.fromEntries(Object.entries(cpu).map(([k, xs]) => [k, { median: median(xs), runs: xs }])),
  mbPerWallSecond: Object.fromEntries(Object.entries(results).map(([k, xs]) => [k, { median: median(xs), runs: xs }])),
};
const out = args.json ?? join(HERE, "results", `slip-${summary.when.replace(/[:.]/g, "-")}.json`);
mkdirSync(dirname(out), { recursive: true });
writeFileSync(out, JSON.stringify(summary, null, 2) + "\n");
console.log(`written ${out}`);
