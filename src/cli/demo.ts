// hilftp demo, the README's first command: builds and boots the reference target (native-sim, or
// the STM32 image under QEMU), then shows what hilftp does with it, one timed step at a time: ping
// over the SLIP tunnel, login to the board's FTP server, LIST, upload and download of a
// deterministic file, its SHA-256 on host, board and download, and the board's own FTP client
// pulling a file from a hilftp server on the tunnel (through the test agent). A summary sets the
// goodput against the physical limit of the serial line. The line is shaped to the profile's baud
// by default: sim and qemu move bytes as fast as the host can, and "% of the line limit" only means
// something on a line with a rate. Exit code 0 only if every step passed.
import { randomBytes } from "node:crypto";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import type { AgentClient } from "../board/agent-client.js";
import { loadProfile, type BoardProfile } from "../board/index.js";
import type { FtpClient, TransferProgress, TransferResult } from "../ftp/client/index.js";
import { PROGRESS_INTERVAL_MS } from "../ftp/client/monitor.js";
import { FtpServer } from "../ftp/server/index.js";
import { goodput, lineCount, type Direction } from "../link/line-limit.js";
import type { LinkStats } from "../link/index.js";
import { DEFAULT_BOARD, openBoard, type Board } from "../testing/board.js";
import { sha256, testData } from "../testing/test-data.js";
import { hashSink } from "./hash-sink.js";
import { parseSizes } from "./bench.js";
import type { Command, CommandContext } from "./command.js";
import { CliError, EXIT, explain, type Explained } from "./errors.js";
import { writeJson } from "./output.js";
import { endProgress, formatBytes, ttyProgress } from "./progress.js";
import { UsageError } from "./url.js";

const KIB = 1024;
const DEFAULT_SIZE = "64K";
/** The board's pull is a side show: small enough that the whole demo stays within ~20 s shaped. */
const MAX_PULL = 16 * KIB;
const STEPS = 8;
/** Column where the dots of a step line end. */
const DOTS_TO = 48;
const REMOTE = "/hilftp-demo.bin";
const PULL_REMOTE = "pull.bin";
const PULL_LOCAL = "/hilftp-demo-pull.bin";

type Json = string | number | boolean | null | readonly Json[] | { readonly [key: string]: Json };

export const demo: Command = {
  name: "demo",
  help: {
    summary: "build and boot the reference board, then ping, log in, list, upload, download, hash-check and let the board pull a file",
    usage: ["demo [--board NAME|FILE.json] [--size SIZE] [--baud N | --no-shape] [--pcap FILE]"],
    options: [
      "  --board NAME|FILE.json  native-sim (default: the firmware built for this host) or",
      "                          qemu-netduinoplus2 (the STM32 image under QEMU); built if needed",
      "  --size SIZE             bytes uploaded and downloaded: 65536, 64K, 1M (default 64K;",
      "                          must fit the board's RAM fs); the board pulls at most 16 KiB",
      "  --baud N                run the host side of the line as a UART at N baud (default: the",
      "                          profile's link.baud, 115200), so goodput has a line limit to meet",
      "  --no-shape, --baud 0    no shaping: as fast as the two stacks go, no line limit",
      "  --pcap FILE             keep a capture of every frame",
    ],
    examples: ["hilftp demo", "hilftp demo --board qemu-netduinoplus2", "hilftp demo --size 16K --json", "hilftp demo --no-shape --pcap demo.pcap -v"],
    shared: ["output"],
  },
  run: runDemo,
};

interface DemoOptions {
  readonly board: string;
  readonly size: number;
  /** undefined: the profile's link.baud; 0: unshaped. */
  readonly baud: number | undefined;
  readonly pcap: string | undefined;
}

function parseDemoArgs(args: string[]): DemoOptions {
  const { values } = parseArgs({
    args,
    options: {
      board: { type: "string", default: DEFAULT_BOARD },
      size: { type: "string", default: DEFAULT_SIZE },
      baud: { type: "string" },
      "no-shape": { type: "boolean", default: false },
      pcap: { type: "string" },
    },
  });
  const size = parseSize(values.size);
  let baud: number | undefined;
  if (values.baud !== undefined) {
    baud = Number(values.baud);
    if (!Number.isInteger(baud) || baud < 0 || baud > 100_000_000) throw new UsageError(`--baud wants a whole number of baud (0: unshaped), got ${values.baud}`);
  }
  if (values["no-shape"]) {
    if (baud !== undefined && baud !== 0) throw new UsageError("--no-shape and --baud N contradict each other");
    baud = 0;
  }
  return { board: values.board, size, baud, pcap: values.pcap };
}

/** "65536", "64K", "64KiB", "1M": bench's size syntax (K and M binary, as formatBytes prints them), one size. */
export function parseSize(text: string): number {
  let sizes: number[] = [];
  try {
    sizes = parseSizes(text);
  } catch {
    // said below, with the option's own name
  }
  if (sizes.length !== 1) throw new UsageError(`--size wants one size from 1 byte to 64M (65536, 64K, 1M), got "${text}"`);
  return sizes[0]!;
}

/** One transfer's rate, and where the line is shaped, its share of the line's limit. */
interface Throughput {
  readonly bytes: number;
  readonly seconds: number;
  readonly bytesPerSecond: number;
  readonly wireBytes: number;
  /** File bytes/s the line could carry with these frames (goodput() in line-limit.ts). */
  readonly limit: number | undefined;
  readonly ofLimit: number | undefined;
}

function throughput(bytes: number, ms: number, before: LinkStats, after: LinkStats, dir: Direction, baud: number | undefined): Throughput {
  const seconds = ms / 1000;
  const wireBytes = lineCount(before, after, dir).wireBytes;
  const g = baud !== undefined && bytes > 0 && seconds > 0 && wireBytes > 0 ? goodput(bytes, seconds, wireBytes, baud) : undefined;
  return { bytes, seconds, bytesPerSecond: seconds > 0 ? bytes / seconds : 0, wireBytes, limit: g?.limit, ofLimit: g?.ofLimit };
}

function rateText(t: Throughput): string {
  const rate = `${formatBytes(t.bytesPerSecond)}/s`;
  return t.ofLimit === undefined ? rate : `${rate}, ${(100 * t.ofLimit).toFixed(1)}% of the line limit`;
}

function throughputJson(t: Throughput): { [key: string]: Json } {
  return { bytes: t.bytes, seconds: round(t.seconds, 3), bytesPerSecond: Math.round(t.bytesPerSecond), wireBytes: t.wireBytes, limit: t.limit === undefined ? null : Math.round(t.limit), ofLimit: t.ofLimit === undefined ? null : round(t.ofLimit, 4) };
}

const round = (n: number, digits: number): number => Number(n.toFixed(digits));

function formatMs(ms: number): string {
  if (ms < 10) return `${ms.toFixed(1)} ms`;
  if (ms < 1000) return `${Math.round(ms)} ms`;
  return `${(ms / 1000).toFixed(1)} s`;
}

interface StepRecord {
  readonly n: number;
  readonly name: string;
  readonly ok: boolean;
  readonly ms: number;
  readonly details: { readonly [key: string]: Json };
}

interface StepResult {
  /** Shown after the time on the step line. */
  readonly note?: string;
  readonly details?: { readonly [key: string]: Json };
}

/** What a step may use while it runs. */
interface LiveStep {
  /** A progress bar for a transfer (TTY only, else undefined); `suffix` adds to its line. */
  bar(suffix?: (p: TransferProgress) => string): ((p: TransferProgress) => void) | undefined;
}

/**
 * Numbered step lines on stdout. On a terminal the step's line shows while it runs and is
 * rewritten with its result; a transfer's progress bar (stderr, TTY only) takes the line meanwhile.
 * Nothing but the records in --json; nothing live with --verbose, whose dialogue lines would tear it.
 */
class StepPrinter {
  readonly records: StepRecord[] = [];
  interrupted = false;
  private readonly live: boolean;

  constructor(private readonly ctx: CommandContext) {
    this.live = !ctx.json && !ctx.verbose;
  }

  print(line: string): void {
    if (!this.ctx.json) this.ctx.stdout.write(`${line}\n`);
  }

  async run(name: string, label: string, fn: (live: LiveStep) => Promise<StepResult>): Promise<void> {
    const n = this.records.length + 1;
    const head = `  [${n}/${STEPS}] ${label} `;
    const dots = ".".repeat(Math.max(2, DOTS_TO - head.length));
    const pending = this.live && this.ctx.stdout.isTTY === true;
    if (pending) this.ctx.stdout.write(`${head}${dots}`);
    this.ctx.log(`* step ${n}/${STEPS}: ${label}`);
    const stderr = this.ctx.stderr;
    const bar = (suffix?: (p: TransferProgress) => string): ((p: TransferProgress) => void) | undefined =>
      this.live ? ttyProgress(`  [${n}/${STEPS}] ${label}`, stderr, suffix) : undefined;
    const t0 = performance.now();
    let result: StepResult | undefined;
    let failure: unknown;
    try {
      result = await fn({ bar });
    } catch (err) {
      failure = err;
    }
    const ms = performance.now() - t0;
    if (this.live) endProgress(stderr);
    const clear = pending ? "\r\x1b[K" : "";
    if (result !== undefined) {
      this.records.push({ n, name, ok: true, ms: round(ms, 1), details: result.details ?? {} });
      this.print(`${clear}${head}${dots} ok  ${formatMs(ms).padStart(7)}${result.note ? `  ${result.note}` : ""}`);
      return;
    }
    // The one line of why, with the hint errors.ts has for its kind (a missing QEMU, a refused login).
    const why: Explained = this.interrupted ? { message: "interrupted", code: "interrupted", exit: EXIT.interrupted } : explain(failure, "demo");
    this.print(`${clear}${head}${dots} ${this.interrupted ? "interrupted" : "FAILED"}  ${formatMs(ms).padStart(7)}`);
    throw new CliError(`[${n}/${STEPS}] ${label}: ${why.message}`, why.code, why.exit, { cause: failure });
  }
}

/** Everything the demo opens, closed once whichever way it ends (done, failed, SIGINT). */
class Resources {
  board: Board | undefined;
  opening: Promise<Board> | undefined;
  client: FtpClient | undefined;
  server: FtpServer | undefined;
  private closing: Promise<string | undefined> | undefined;

  constructor(readonly work: string) {}

  /** Resolves with the pcap left on disk, if any. */
  close(): Promise<string | undefined> {
    return (this.closing ??= (async () => {
      this.client?.close();
      await this.server?.close().catch(() => undefined);
      // A board still opening is closed once it is open (or its opening failed and cleaned up).
      const board = this.board ?? (await this.opening?.catch(() => undefined));
      const closed = await board?.close().catch(() => undefined);
      await rm(this.work, { recursive: true, force: true });
      return closed?.pcap;
    })());
  }
}

/**
 * Ctrl-C (ctx.signal, watched by main()): close what is open, so the running step fails at once
 * and run() ends with the board stopped; main() then exits 130. A second Ctrl-C, or a close that
 * takes main()'s grace period, ends the process; the board child dies with it (pdeathsig).
 */
function onInterrupt(signal: AbortSignal | undefined, resources: Resources, printer: StepPrinter): () => void {
  if (signal === undefined) return () => undefined;
  const stop = (): void => {
    printer.interrupted = true;
    void resources.close();
  };
  if (signal.aborted) stop();
  signal.addEventListener("abort", stop, { once: true });
  return () => signal.removeEventListener("abort", stop);
}

/** ", 98% of the line" while a transfer runs over a shaped line: the figure the summary gives at the end. */
function lineShare(board: Board, before: LinkStats, dir: Direction, baud: number | undefined): (p: TransferProgress) => string {
  return (p) => {
    const t = throughput(p.bytes, p.elapsedMs, before, board.tunnel.link.stats, dir, baud);
    return t.ofLimit === undefined ? "" : `, ${(100 * t.ofLimit).toFixed(0)}% of the line`;
  };
}

/**
 * Upload progress as the line carries it. The client counts bytes into its send buffer, which
 * takes a whole 64 KiB file at once and would show 100% for the 6 s the line then needs. Here:
 * TCP payload sent since `before` (IP bytes less the 40 bytes of IPv4 and TCP header a frame),
 * capped at the file's size; a retransmission would count twice, which only makes the bar early.
 */
function lineProgress(board: Board, before: LinkStats, total: number, report: (p: TransferProgress) => void): () => void {
  const t0 = performance.now();
  const timer = setInterval(() => {
    const s = board.tunnel.link.stats;
    const payload = s.bytesOut - before.bytesOut - 40 * (s.framesOut - before.framesOut);
    report({ bytes: Math.min(total, Math.max(0, payload)), total, elapsedMs: performance.now() - t0 });
  }, PROGRESS_INTERVAL_MS);
  return () => clearInterval(timer);
}

function agentOf(board: Board): AgentClient {
  // openBoard with agent "required" fails rather than return a board without one.
  if (board.agent === undefined) throw new Error(`board ${board.profile.name} has no test agent`);
  return board.agent;
}

function header(profile: BoardProfile, baud: number | undefined): string {
  const line = baud === undefined ? "unshaped (as fast as the host moves bytes)" : `${baud} baud (shaped on the host side)`;
  return `hilftp demo: ${profile.name}, link ${profile.link.spec}, MTU ${profile.mtu}, ${line}`;
}

async function runDemo(args: string[], ctx: CommandContext): Promise<void> {
  const options = parseDemoArgs(args);
  const profile = await loadProfile(options.board);
  const baud = options.baud === undefined ? profile.link.baud : options.baud === 0 ? undefined : options.baud;
  const size = options.size;
  const pullSize = Math.min(size, MAX_PULL);
  const started = performance.now();
  const printer = new StepPrinter(ctx);
  const res = new Resources(await mkdtemp(join(tmpdir(), "hilftp-demo-")));
  const stopWatching = onInterrupt(ctx.signal, res, printer);
  printer.print(header(profile, baud));

  const data = testData(size, 1);
  const pullData = testData(pullSize, 2);
  let upload: Throughput | undefined;
  let download: Throughput | undefined;
  let pull: Throughput | undefined;
  let received = { bytes: 0, sha256: "" };
  let failure: unknown;
  let summary: Summary | undefined;
  let pcap: string | undefined;
  try {
    const localFile = join(res.work, "upload.bin");
    const serveDir = join(res.work, "served");
    await writeFile(localFile, data);
    await mkdir(serveDir);
    await writeFile(join(serveDir, PULL_REMOTE), pullData);

    await printer.run("boot", `build and boot ${profile.name}`, async () => {
      res.opening = openBoard({
        board: options.board,
        // The profile's own link, whatever HIL_LINK says: the demo shows the reference target.
        link: profile.link.spec,
        agent: "required",
        // The profile's own boot time where it gives one (QEMU: 30 s), not the fixture's 20 s default.
        readyTimeoutMs: Math.max(20_000, profile.qemu?.readyTimeoutMs ?? 0, profile.sim?.readyTimeoutMs ?? 0),
        ...(baud !== undefined ? { baud } : {}),
        ...(options.pcap !== undefined ? { pcap: options.pcap } : {}),
        ...(ctx.verbose ? { log: (line: string) => ctx.log(line) } : {}),
      });
      const board = (res.board = await res.opening);
      // Counters from zero, so the summary's retransmits and pool low-water mark are this run's.
      await agentOf(board).resetCounters();
      const h = board.hello!;
      return {
        note: `firmware ${h.version}, RAM fs ${formatBytes(h.fs)}, pool ${h.pool.count} x ${h.pool.payloadSize} B`,
        details: { version: h.version, fs: h.fs, free: h.free, pool: { count: h.pool.count, payloadSize: h.pool.payloadSize }, mss: h.mss, window: h.window },
      };
    });
    const board = res.board!;
    const agent = agentOf(board);
    const hostStart = { ...board.tunnel.stack.tcpTotals };
    const linkStart = board.tunnel.link.stats;
    const address = board.boardAddress.v4;

    await printer.run("ping", `ping ${address}`, async () => {
      const rtt = await board.ping(4, 2000);
      return { note: `rtt ${formatMs(rtt)}`, details: { address, rttMs: round(rtt, 2) } };
    });

    await printer.run("login", `login ${profile.ftp.user}@${address}:${profile.ftp.port}`, async () => {
      // A stall limit that a slow (QEMU, shaped) transfer never reaches between two segments.
      res.client = await board.ftp({ timeoutMs: 30_000 });
      return { details: { user: profile.ftp.user, address, port: profile.ftp.port } };
    });
    const client = res.client!;

    await printer.run("list", "LIST /", async () => {
      const entries = await client.list("/");
      const names = entries.map((e) => e.name);
      return { note: `${entries.length} ${entries.length === 1 ? "entry" : "entries"}`, details: { entries: names } };
    });

    await printer.run("upload", `upload ${formatBytes(size)} (STOR)`, async ({ bar }) => {
      // Asked now, not from the HELLO at open: a real board's fs may hold files of its own.
      const free = (await agent.hello()).free;
      if (size > free) throw new Error(`${formatBytes(size)} does not fit the board's RAM fs (${formatBytes(free)} free): give a smaller --size`);
      const before = board.tunnel.link.stats;
      const t0 = performance.now();
      const progress = bar(lineShare(board, before, "out", baud));
      const stopProgress = progress ? lineProgress(board, before, size, progress) : () => undefined;
      let r: TransferResult;
      try {
        // From a file, as a user uploads: the client's read size decides the segments (bench/board.mjs).
        r = await client.upload(localFile, REMOTE);
      } finally {
        stopProgress();
      }
      const t = (upload = throughput(r.bytes, performance.now() - t0, before, board.tunnel.link.stats, "out", baud));
      if (r.bytes !== size) throw new Error(`sent ${r.bytes} of ${size} bytes`);
      return { note: rateText(t), details: throughputJson(t) };
    });

    await printer.run("download", `download ${formatBytes(size)} (RETR)`, async ({ bar }) => {
      const { sink, digest } = hashSink();
      const before = board.tunnel.link.stats;
      const progress = bar(lineShare(board, before, "in", baud));
      const t0 = performance.now();
      // The board's 150 reply names no size; we know it.
      await client.download(REMOTE, sink, progress ? { onProgress: (p) => progress({ ...p, total: size }) } : {});
      received = digest();
      const t = (download = throughput(received.bytes, performance.now() - t0, before, board.tunnel.link.stats, "in", baud));
      if (received.bytes !== size) throw new Error(`received ${received.bytes} of ${size} bytes`);
      return { note: rateText(t), details: throughputJson(t) };
    });

    await printer.run("sha256", "SHA-256 equal", async () => {
      const sent = sha256(data);
      // The board's own digest of what STOR wrote: a RETR could undo a write error it shares.
      const onBoard = await agent.hash(REMOTE);
      if (onBoard.sha256 !== sent || onBoard.bytes !== size) throw new Error(`the board holds ${onBoard.bytes} bytes with SHA-256 ${onBoard.sha256.slice(0, 16)}..., sent ${sent.slice(0, 16)}...`);
      if (received.sha256 !== sent) throw new Error(`received SHA-256 ${received.sha256.slice(0, 16)}..., sent ${sent.slice(0, 16)}...`);
      // The board's RAM fs is small (72 KiB under QEMU): make room for the pull.
      await client.delete(REMOTE);
      await client.quit();
      return { note: `sent = on the board = received: ${sent.slice(0, 16)}...`, details: { sha256: sent } };
    });

    await printer.run("device-pull", `board pulls ${formatBytes(pullSize)} via the agent`, async () => {
      const user = "demo";
      const password = randomBytes(6).toString("hex");
      // On the tunnel at the host's address: the board's FTP client reaches it over the serial line.
      res.server = new FtpServer({ network: board.network, host: board.hostAddress.v4, port: 0, root: serveDir, users: { [user]: password }, loginFailDelayMs: 0 });
      const ep = await res.server.listen();
      const before = board.tunnel.link.stats;
      const t0 = performance.now();
      const got = await agent.get(
        { host: board.hostAddress.v4, port: ep.port, user, password, mode: "passive", remote: PULL_REMOTE, local: PULL_LOCAL },
        // The agent answers when the transfer is over: allow ~5 KB/s plus the logins.
        { timeoutMs: 30_000 + pullSize / 5 },
      );
      const t = (pull = throughput(pullSize, performance.now() - t0, before, board.tunnel.link.stats, "out", baud));
      const want = sha256(pullData);
      if (got.bytes !== pullSize || got.sha256 !== want) throw new Error(`the board got ${got.bytes} bytes with SHA-256 ${got.sha256.slice(0, 16)}..., served ${pullSize} with ${want.slice(0, 16)}...`);
      await agent.rm(PULL_LOCAL);
      return { note: `its FTP client from hilftp's server at ${board.hostAddress.v4}:${ep.port}, SHA-256 equal`, details: { server: `${board.hostAddress.v4}:${ep.port}`, ...(throughputJson(t)) } };
    });

    // Read before close: the agent goes with the board.
    const device = await agent.counters();
    const host = board.tunnel.stack.tcpTotals;
    const link = board.tunnel.link.stats;
    summary = {
      fileBytes: 2 * size + pullSize,
      wireOut: link.wireBytesOut - linkStart.wireBytesOut,
      wireIn: link.wireBytesIn - linkStart.wireBytesIn,
      upload: upload!,
      download: download!,
      pull: pull!,
      hostRetransmits: host.retransmits + host.fastRetransmits - hostStart.retransmits - hostStart.fastRetransmits,
      boardRetransmits: device.tcp_retransmits,
      poolLowWater: device.pool_low_water,
      poolCount: profile.pool.count,
    };
  } catch (err) {
    failure = err;
  } finally {
    stopWatching();
    pcap = await res.close();
  }
  const ms = performance.now() - started;
  if (failure !== undefined || summary === undefined) {
    // main() reports the one line (with --json, the one error document): the failed step and why.
    if (pcap !== undefined && !ctx.json) printer.print(`pcap kept: ${pcap}`);
    throw failure;
  }
  if (!ctx.json) {
    printSummary(printer, summary, baud, ms);
    if (pcap !== undefined) printer.print(`pcap kept: ${pcap}`);
    return;
  }
  writeJson(ctx, {
    command: "demo",
    ok: true,
    board: profile.name,
    link: profile.link.spec,
    mtu: profile.mtu,
    baud: baud ?? null,
    size,
    pullSize,
    ms: round(ms, 1),
    steps: printer.records.map((r) => ({ n: r.n, name: r.name, ok: r.ok, ms: r.ms, details: r.details })),
    summary: summaryJson(summary),
    ...(pcap !== undefined ? { pcap } : {}),
  });
}

/** The closing figures: what moved, how fast against the line, what it cost the two stacks. */
interface Summary {
  readonly fileBytes: number;
  /** Wire bytes (SLIP encoded) each way from the first step after boot to the last. */
  readonly wireOut: number;
  readonly wireIn: number;
  readonly upload: Throughput;
  readonly download: Throughput;
  readonly pull: Throughput;
  /** Host TCP retransmissions (timeouts and fast) of the connections closed by the end. */
  readonly hostRetransmits: number;
  /** From the agent's COUNTERS, reset after boot; undefined if the firmware does not report it. */
  readonly boardRetransmits: number | undefined;
  /** Fewest free packet buffers the board had during the run. */
  readonly poolLowWater: number | undefined;
  readonly poolCount: number;
}

function summaryJson(s: Summary): { [key: string]: Json } {
  return {
    fileBytes: s.fileBytes,
    wireBytes: { out: s.wireOut, in: s.wireIn },
    upload: throughputJson(s.upload),
    download: throughputJson(s.download),
    devicePull: throughputJson(s.pull),
    retransmits: { host: s.hostRetransmits, board: s.boardRetransmits ?? null },
    pool: { lowWater: s.poolLowWater ?? null, count: s.poolCount },
  };
}

function printSummary(printer: StepPrinter, s: Summary, baud: number | undefined, ms: number): void {
  const limitText = (t: Throughput): string =>
    t.limit === undefined || t.ofLimit === undefined
      ? `${formatBytes(t.bytesPerSecond)}/s (unshaped: no line limit)`
      : `${formatBytes(t.bytesPerSecond)}/s = ${(100 * t.ofLimit).toFixed(1)}% of the line limit (${formatBytes(t.limit)}/s)`;
  const rows: [string, string][] = [
    ["moved", `${formatBytes(s.fileBytes)} of file data; on the wire ${formatBytes(s.wireOut)} to the board, ${formatBytes(s.wireIn)} from it`],
    ["line", baud === undefined ? "unshaped" : `${baud} baud, ${formatBytes(baud / 10)}/s raw; its limit for a file counts SLIP, IP and TCP overhead`],
    ["upload", limitText(s.upload)],
    ["download", limitText(s.download)],
    ["board pull", `${limitText(s.pull)}, logins included`],
    ["retransmits", `host ${s.hostRetransmits}, board ${s.boardRetransmits ?? "not reported"}`],
    ["pool", `low-water mark ${s.poolLowWater ?? "not reported"} of ${s.poolCount} buffers free`],
  ];
  printer.print("summary:");
  for (const [key, value] of rows) printer.print(`  ${key.padEnd(12)} ${value}`);
  printer.print(`demo: ok, all ${STEPS} steps passed in ${formatMs(ms)}`);
}
