#!/usr/bin/env node
// SLIP tunnel benchmarks (issue 3). Not a test: it asserts nothing.
//  shaped:   goodput of a RETR over a link shaped to --baud (default 115200) for MTU 296, 576
//            and 1500, against the physical limit of that link: baud/10 bytes/s times the share
//            of wire bytes that are TCP payload (MSS / (MTU + SLIP ENDs + escapes), measured from
//            the frames actually sent). Goal >= 97%.
//  unshaped: one connection, MTU 1500, in-memory link, both stacks in this process: goodput in
//            Gbit/s (goal >= 1), segments/s and CPU seconds.
// Both run our FTP server and client over two of our stacks (SlipNetwork), as a board would.
// The limit is computed by dist/link/line-limit.js (as `hilftp bench` and bench/board.mjs do).
// --baud takes a list (one shaped pass per rate); --out=FILE names the JSON.
import { createHash, randomBytes } from "node:crypto";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { PassThrough } from "node:stream";
import { parseArgs } from "node:util";
import { FtpClient, FtpServer, linkPair, shape, SlipFraming, SlipNetwork, Stack } from "../dist/index.js";
import { goodput as lineGoodput } from "../dist/link/line-limit.js";
import { DEFAULT_TCP_CONFIG } from "../dist/net/tcp/index.js";

const { values } = parseArgs({
  options: {
    only: { type: "string", default: "shaped,unshaped" },
    baud: { type: "string", default: "115200" },
    "shaped-kib": { type: "string", default: "1024" },
    "unshaped-mib": { type: "string", default: "256" },
    mtus: { type: "string", default: "296,576,1500" },
    out: { type: "string" },
  },
});
const parts = new Set(values.only.split(","));
const bauds = values.baud.split(",").map(Number);
for (const b of bauds) if (!(b > 0)) throw new Error(`--baud wants positive numbers, got ${values.baud}`);

function tunnel(mtu, shapedBaud) {
  const [a, b] = linkPair({ highWaterMark: 1024 * 1024 });
  let host = new SlipFraming(a, { name: "host", maxFrame: mtu + 64 });
  let board = new SlipFraming(b, { name: "board", maxFrame: mtu + 64 });
  const slipHost = host;
  const slipBoard = board;
  if (shapedBaud) {
    host = shape(host, { baud: shapedBaud });
    board = shape(board, { baud: shapedBaud });
  }
  const tcp = { ...DEFAULT_TCP_CONFIG, nagle: false, delayedAckMs: 0 };
  const hostStack = new Stack(host, { mtu, tcp, ipv4: { local: "198.51.100.1", peer: "198.51.100.2" } });
  const boardStack = new Stack(board, { mtu, tcp, ipv4: { local: "198.51.100.2", peer: "198.51.100.1" } });
  return {
    hostStack,
    boardStack,
    slipBoard,
    slipHost,
    close: async () => {
      hostStack.close();
      boardStack.close();
      await Promise.all([host.close(), board.close()]);
    },
  };
}

async function retr(t, root, bytes) {
  const payload = randomBytes(bytes);
  await writeFile(join(root, "f.bin"), payload);
  const server = new FtpServer({ network: new SlipNetwork(t.boardStack), host: "198.51.100.2", port: 21, root, users: { u: "p" }, dataTimeoutMs: 600_000, idleTimeoutMs: 3_600_000 });
  await server.listen();
  const client = await FtpClient.connect({ network: new SlipNetwork(t.hostStack), host: "198.51.100.2", port: 21, user: "u", password: "p", timeoutMs: 600_000, dataTimeoutMs: 600_000 });
  const sink = new PassThrough();
  const hash = createHash("sha256");
  sink.on("data", (c) => hash.update(c));
  const wireBefore = t.slipBoard.stats.wireBytesOut;
  const bytesBefore = t.slipBoard.stats.bytesOut;
  const framesBefore = t.slipBoard.stats.framesOut;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const r = await client.download("/f.bin", sink);
  const seconds = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  const ok = hash.digest("hex") === createHash("sha256").update(payload).digest("hex");
  const wire = t.slipBoard.stats.wireBytesOut - wireBefore;
  const ipBytes = t.slipBoard.stats.bytesOut - bytesBefore;
  const frames = t.slipBoard.stats.framesOut - framesBefore;
  await client.quit();
  await server.close();
  return { bytes: r.bytes, seconds, ok, wire, ipBytes, frames, cpuSeconds: (cpu.user + cpu.system) / 1e6 };
}

const results = { startedAt: new Date().toISOString(), node: process.version, baud: bauds[0], bauds, shapedKiB: Number(values["shaped-kib"]), unshapedMiB: Number(values["unshaped-mib"]) };
const dir = await mkdtemp(join(tmpdir(), "hilftp-bench-tunnel-"));
try {
  if (parts.has("shaped")) {
    results.shaped = [];
    for (const baud of bauds) {
      console.log(`shaped: RETR ${values["shaped-kib"]} KiB at ${baud} baud (10 bits/byte)`);
      console.log("mtu   MSS   goodput B/s   physical limit B/s   ratio   wire bytes/payload   ok");
      for (const mtu of values.mtus.split(",").map(Number)) {
        const t = tunnel(mtu, baud);
        const root = join(dir, `shaped-${baud}-${mtu}`);
        await mkdir(root);
        const r = await retr(t, root, Number(values["shaped-kib"]) * 1024);
        await t.close();
        const mss = mtu - 40;
        // What the line can carry as payload: every wire byte (ENDs, escapes, IP+TCP headers, the
        // control channel's few bytes) at baud/10, scaled by the payload's share of those bytes.
        const g = lineGoodput(r.bytes, r.seconds, r.wire, baud);
        // The formula for reference: baud/10 x MSS / (MTU + 2 + escapes).
        const escapes = (r.wire - r.ipBytes - 2 * r.frames) / r.frames;
        const formula = g.rawLimit * (mss / (mtu + 2 + escapes));
        const row = {
          baud,
          mtu,
          mss,
          goodput: g.bytesPerSecond,
          limit: g.limit,
          formula,
          ratio: g.ofLimit,
          ratioFormula: g.bytesPerSecond / formula,
          wirePerPayload: g.overhead,
          ok: r.ok,
          seconds: r.seconds,
        };
        results.shaped.push(row);
        console.log(
          `${String(mtu).padEnd(5)} ${String(mss).padEnd(5)} ${row.goodput.toFixed(0).padStart(11)}   ${row.limit.toFixed(0).padStart(18)}   ${(100 * row.ratio).toFixed(1).padStart(5)}%   ${row.wirePerPayload.toFixed(4).padStart(18)}   ${r.ok}` +
            `   (formula limit ${formula.toFixed(0)} B/s: ${(100 * row.ratioFormula).toFixed(1)}%)`,
        );
      }
    }
  }
  if (parts.has("unshaped")) {
    const t = tunnel(1500, undefined);
    const root = join(dir, "unshaped");
    await mkdir(root);
    const r = await retr(t, root, Number(values["unshaped-mib"]) * 1024 * 1024);
    await t.close();
    const gbit = (r.bytes * 8) / r.seconds / 1e9;
    results.unshaped = { ...r, gbitPerSecond: gbit, segmentsPerSecond: r.frames / r.seconds };
    console.log(
      `unshaped: RETR ${values["unshaped-mib"]} MiB, MTU 1500, one connection: ${gbit.toFixed(2)} Gbit/s (goal >= 1), ` +
        `${(r.frames / r.seconds).toFixed(0)} data segments/s, CPU ${r.cpuSeconds.toFixed(2)} s for ${r.seconds.toFixed(2)} s wall, sha256 ${r.ok ? "ok" : "DIFFERS"}`,
    );
  }
} finally {
  await rm(dir, { recursive: true, force: true });
}
const out = values.out ? resolve(values.out) : new URL(`./results/tunnel-${results.startedAt.replace(/[:.]/g, "-")}.json`, import.meta.url).pathname;
await mkdir(dirname(out), { recursive: true });
await writeFile(out, JSON.stringify(results, null, 2));
console.log(`results: ${out}`);
