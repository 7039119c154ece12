// hilftp bench --board NAME [--link SPEC]: STOR and RETR goodput against the user's own board (any
// profile, a real board on serial: as well as sim and qemu) for a few sizes, set against the line's
// physical limit (src/link/line-limit.ts: baud/10 times payload / wire bytes actually sent in the
// transfer direction), so a user sees how busy the serial line was, not just bytes per second.
// The line rate is the serial link's own baud, else the shaper's --baud, else the profile's
// link.baud (then only a guide: a sim/tcp link without --baud is not paced like a UART).
// One FTP session; every run's file is deleted on the board before the next one starts.
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { FtpClient } from "../ftp/client/index.js";
import { sha256, testData } from "../testing/test-data.js";
import { goodput, lineCount, parseLinkSpec, type Direction, type LinkStats } from "../link/index.js";
import { hashSink } from "./hash-sink.js";
import type { Command, CommandContext } from "./command.js";
import { commandNetwork, LINK_OPTIONS, type CommandNetwork } from "./link-options.js";
import { formatBytes } from "./progress.js";
import { watchStopSignals, type StopSignals } from "./signals.js";
import { UsageError } from "./url.js";

export type BenchVerb = "STOR" | "RETR";

/** Where the line rate for the limit came from. */
export type LineRateSource = "serial" | "shaper" | "profile";

export interface LineRate {
  readonly baud: number;
  readonly from: LineRateSource;
  /** True when the link really moves bytes at this rate (a serial port or the shaper). */
  readonly paced: boolean;
}

/** One timed transfer. */
export interface BenchRun {
  readonly verb: BenchVerb;
  readonly size: number;
  readonly rep: number;
  /** Bytes the client moved over the data connection. */
  readonly bytes: number;
  /** The upload()/download() call: PASV, data connect, the command, the bytes, the final reply. */
  readonly seconds: number;
  /** File bytes per second. */
  readonly goodput: number;
  /** Frames, IP bytes and SLIP (wire) bytes in the transfer direction during the call. */
  readonly frames: number;
  readonly ipBytes: number;
  readonly wireBytes: number;
  /** Wire bytes per file byte. */
  readonly overhead: number;
  /** The most file bytes/s the line could carry with these frames; null without a line rate. */
  readonly limit: number | null;
  readonly ofLimit: number | null;
  /** RETR: the bytes came back as stored (SHA-256); STOR: the server took every byte. */
  readonly ok: boolean;
}

/** The medians of one verb and size over its runs (each figure's median on its own). */
export interface BenchRow {
  readonly verb: BenchVerb;
  readonly size: number;
  readonly bytes: number;
  readonly runs: number;
  readonly seconds: number;
  readonly goodput: number;
  readonly overhead: number;
  readonly limit: number | null;
  readonly ofLimit: number | null;
  readonly ok: boolean;
}

export interface BenchReport {
  /** The profile's name; null for a bare --link without a board profile. */
  readonly board: string | null;
  readonly link: string;
  readonly mtu: number;
  /** The line rate the limit is computed for; null when nothing names one. */
  readonly line: (LineRate & { readonly rawLimit: number }) | null;
  readonly sizes: readonly number[];
  readonly reps: number;
  readonly rows: readonly BenchRow[];
  readonly runs: readonly BenchRun[];
}

const MAX_SIZE = 64 * 1024 * 1024;
const MAX_SIZES = 20;
const UNITS: Readonly<Record<string, number>> = { "": 1, B: 1, K: 1024, KB: 1024, KIB: 1024, M: 1024 * 1024, MB: 1024 * 1024, MIB: 1024 * 1024 };

/** "4K,64K,1M,300" -> bytes (K and M are binary: 4K = 4096). */
export function parseSizes(text: string): number[] {
  const parts = text.split(",").map((s) => s.trim()).filter(Boolean);
  if (parts.length === 0 || parts.length > MAX_SIZES) throw new UsageError(`--sizes wants 1 to ${MAX_SIZES} sizes, got "${text}"`);
  return parts.map((p) => {
    const m = /^(\d+(?:\.\d+)?)\s*([A-Za-z]*)$/.exec(p);
    const unit = m ? UNITS[m[2]!.toUpperCase()] : undefined;
    const bytes = m && unit !== undefined ? Math.round(Number(m[1]) * unit) : NaN;
    if (!Number.isInteger(bytes) || bytes < 1 || bytes > MAX_SIZE) throw new UsageError(`--sizes: "${p}" is not a size from 1 byte to 64M (e.g. 4K, 64K, 1M)`);
    return bytes;
  });
}

/**
 * The line rate a transfer is judged against: the serial port's own baud, or the shaper's when it
 * is slower (both pace the line), else the profile's link.baud (what the real board's UART would do).
 */
export function lineRate(linkSpec: string | undefined, shaperBaud: number | undefined, profileBaud: number | undefined): LineRate | undefined {
  let serial: number | undefined;
  if (linkSpec !== undefined) {
    try {
      const spec = parseLinkSpec(linkSpec);
      if (spec.kind === "serial") serial = spec.baud;
    } catch {
      // the tunnel reports a bad spec itself
    }
  }
  if (serial !== undefined && (shaperBaud === undefined || serial <= shaperBaud)) return { baud: serial, from: "serial", paced: true };
  if (shaperBaud !== undefined) return { baud: shaperBaud, from: "shaper", paced: true };
  if (profileBaud !== undefined) return { baud: profileBaud, from: "profile", paced: false };
  return undefined;
}

function median(values: readonly number[]): number {
  const v = [...values].sort((a, b) => a - b);
  const mid = v.length >> 1;
  return v.length % 2 ? v[mid]! : (v[mid - 1]! + v[mid]!) / 2;
}

function medianOrNull(values: readonly (number | null)[]): number | null {
  const v = values.filter((x): x is number => x !== null);
  return v.length === values.length && v.length > 0 ? median(v) : null;
}

export function summarize(runs: readonly BenchRun[]): BenchRow[] {
  const rows: BenchRow[] = [];
  const keys = [...new Set(runs.map((r) => `${r.size} ${r.verb}`))];
  for (const key of keys) {
    const group = runs.filter((r) => `${r.size} ${r.verb}` === key);
    const first = group[0]!;
    rows.push({
      verb: first.verb,
      size: first.size,
      bytes: median(group.map((r) => r.bytes)),
      runs: group.length,
      seconds: median(group.map((r) => r.seconds)),
      goodput: median(group.map((r) => r.goodput)),
      overhead: median(group.map((r) => r.overhead)),
      limit: medianOrNull(group.map((r) => r.limit)),
      ofLimit: medianOrNull(group.map((r) => r.ofLimit)),
      ok: group.every((r) => r.ok),
    });
  }
  return rows;
}

interface Session {
  readonly net: CommandNetwork;
  readonly client: FtpClient;
  readonly rate: LineRate | undefined;
  readonly signal: AbortSignal;
}

function linkStats(net: CommandNetwork): LinkStats {
  // commandNetwork always opens a tunnel when --board or --link is given, which run() requires
  return net.tunnel!.link.stats;
}

/** One timed transfer; the link is read right at the call's start and end, nothing else in between. */
async function timed(s: Session, verb: BenchVerb, size: number, rep: number, remote: string, local: string, want: string): Promise<BenchRun> {
  const direction: Direction = verb === "RETR" ? "in" : "out";
  const { sink, digest } = hashSink();
  const before = linkStats(s.net);
  const t0 = performance.now();
  const result = verb === "RETR" ? await s.client.download(remote, sink, { signal: s.signal }) : await s.client.upload(local, remote, { signal: s.signal });
  const seconds = (performance.now() - t0) / 1000;
  const line = lineCount(before, linkStats(s.net), direction);
  const got = verb === "RETR" ? digest() : undefined;
  const ok = got ? got.bytes === size && got.sha256 === want : result.bytes === size;
  const g = s.rate && line.wireBytes > 0 ? goodput(result.bytes, seconds, line.wireBytes, s.rate.baud) : undefined;
  return {
    verb,
    size,
    rep,
    bytes: result.bytes,
    seconds,
    goodput: result.bytes / seconds,
    frames: line.frames,
    ipBytes: line.ipBytes,
    wireBytes: line.wireBytes,
    overhead: line.wireBytes / result.bytes,
    limit: g?.limit ?? null,
    ofLimit: g?.ofLimit ?? null,
    ok,
  };
}

const HELP = {
  summary: "goodput of STOR and RETR against a board, next to the serial line's physical limit",
  usage: ["bench (--board NAME | --link SPEC) [--sizes 4K,64K] [--reps N] [--baud N] [--remote-dir DIR] [--user NAME:PASSWORD]"],
  options: [
    "  --sizes LIST          file sizes, K = 1024, M = 1024 K (default 4K,64K; at most 64M each)",
    "  --reps N              runs per size and verb; the table shows medians (default 3)",
    "  --baud N              (tunnel option) also the rate the limit is computed for; without it a",
    "                        serial: link's own baud, else the profile's link.baud (a guide only)",
    "  --remote-dir DIR      where the test files go on the board (default /); each is deleted after its run",
    "  --user NAME:PASSWORD  FTP login (default the profile's ftp.user/password, else anonymous)",
    "  --timeout SECONDS     control and data-stall timeout (default 30)",
  ],
  examples: [
    "hilftp bench --board native-sim --baud 115200",
    "hilftp bench --board my-board.json --link serial:/dev/ttyACM0@921600 --sizes 4K,64K,256K",
    "hilftp bench --board qemu-netduinoplus2 --baud 115200 --reps 5 --json",
  ],
  shared: ["tunnel", "output"],
} as const;

async function run(args: string[], ctx: CommandContext): Promise<void> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      sizes: { type: "string", default: "4K,64K" },
      reps: { type: "string", default: "3" },
      "remote-dir": { type: "string", default: "/" },
      user: { type: "string" },
      timeout: { type: "string", default: "30" },
      ...LINK_OPTIONS,
    },
  });
  if (positionals.length > 0) throw new UsageError(`bench takes no arguments (got ${positionals.join(" ")}); usage: hilftp ${HELP.usage[0]}`);
  if (values.board === undefined && values.link === undefined) throw new UsageError("bench runs over the tunnel: give --board NAME or --link SPEC");
  const sizes = parseSizes(values.sizes);
  const reps = Number(values.reps);
  if (!Number.isInteger(reps) || reps < 1 || reps > 100) throw new UsageError(`--reps wants 1 to 100, got ${values.reps}`);
  const timeoutMs = Number(values.timeout) * 1000;
  if (!(timeoutMs > 0)) throw new UsageError(`--timeout wants seconds, got ${values.timeout}`);
  let login: { user: string; password: string } | undefined;
  if (values.user !== undefined) {
    const at = values.user.indexOf(":");
    if (at <= 0) throw new UsageError(`--user wants NAME:PASSWORD, got ${values.user}`);
    login = { user: values.user.slice(0, at), password: values.user.slice(at + 1) };
  }
  const dir = values["remote-dir"].endsWith("/") ? values["remote-dir"] : `${values["remote-dir"]}/`;

  const local = await mkdtemp(join(tmpdir(), "hilftp-bench-"));
  let net: CommandNetwork | undefined;
  let client: FtpClient | undefined;
  let stop: StopSignals | undefined;
  // The file on the board right now: removed in `finally` whatever happened.
  let onBoard: string | undefined;
  try {
    net = await commandNetwork(values);
    // From here Ctrl-C aborts the transfer under way, so `finally` can still remove its file; while
    // the link opens, the default handling applies (nothing of ours is on the board yet).
    stop = watchStopSignals();
    const signal = stop.signal;
    const profile = net.board;
    const rate = lineRate(values.link ?? profile?.link.spec, values.baud !== undefined ? Number(values.baud) : undefined, profile?.link.baud);
    client = await FtpClient.connect({
      network: net.network,
      host: net.resolveHost("board"),
      port: profile?.ftp.port ?? 21,
      user: login?.user ?? profile?.ftp.user ?? "anonymous",
      password: login?.password ?? profile?.ftp.password ?? "hilftp@",
      timeoutMs,
      dataTimeoutMs: timeoutMs,
      log: (line) => ctx.log(line),
    });
    const session: Session = { net, client, rate, signal };
    // A session's one-time TYPE I and FEAT would land in the first timed call: an empty file
    // moved first settles both before the clock runs.
    const empty = join(local, "empty.bin");
    await writeFile(empty, Buffer.alloc(0));
    onBoard = `${dir}hilftp-bench-warm-up.bin`;
    await client.upload(empty, onBoard, { signal });
    await client.delete(onBoard);
    onBoard = undefined;
    const runs: BenchRun[] = [];
    for (const size of sizes) {
      for (let rep = 0; rep < reps; rep++) {
        if (signal.aborted) throw new Error("interrupted");
        const data = testData(size, size + rep);
        const file = join(local, "up.bin");
        await writeFile(file, data);
        const want = sha256(data);
        onBoard = `${dir}hilftp-bench-${size}-${rep}.bin`;
        const stor = await timed(session, "STOR", size, rep, onBoard, file, want);
        const retr = await timed(session, "RETR", size, rep, onBoard, file, want);
        await client.delete(onBoard);
        onBoard = undefined;
        runs.push(stor, retr);
        if (!ctx.json) ctx.stderr.write(`bench: ${formatBytes(size)} rep ${rep + 1}/${reps}: STOR ${rateText(stor)}, RETR ${rateText(retr)}\n`);
      }
    }
    const report: BenchReport = {
      board: profile?.name ?? null,
      link: values.link ?? profile?.link.spec ?? "",
      mtu: net.tunnel!.stack.mtu,
      line: rate ? { ...rate, rawLimit: rate.baud / 10 } : null,
      sizes,
      reps,
      rows: summarize(runs),
      runs,
    };
    if (ctx.json) ctx.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
    else ctx.stdout.write(formatReport(report));
    const bad = report.rows.filter((r) => !r.ok);
    if (bad.length > 0) throw new Error(`${bad.map((r) => `${r.verb} ${formatBytes(r.size)}`).join(", ")}: the bytes did not come through intact`);
    await client.quit().catch(() => undefined);
  } finally {
    if (client?.connected && onBoard !== undefined) await client.delete(onBoard).catch(() => undefined);
    client?.close();
    await net?.close();
    await rm(local, { recursive: true, force: true });
    stop?.dispose();
  }
}

function rateText(r: BenchRun): string {
  return `${r.goodput.toFixed(0)} B/s${r.ofLimit !== null ? ` (${(100 * r.ofLimit).toFixed(1)}% of the limit)` : ""}${r.ok ? "" : " BYTES DIFFER"}`;
}

/** The human table: one line per size and verb, the limit columns only when a line rate is known. */
export function formatReport(r: BenchReport): string {
  const lines: string[] = [];
  const where = `${r.board ?? "board"} over ${r.link}, MTU ${r.mtu}`;
  if (r.line) {
    const note = r.line.paced ? "" : " (the link is not paced: a sim/tcp link without --baud; the limit is what the profile's UART would allow)";
    lines.push(`${where}; line ${r.line.baud} baud from the ${r.line.from}, ${r.line.rawLimit.toFixed(0)} B/s raw${note}`);
  } else lines.push(`${where}; no line rate known (give --baud N for a limit)`);
  lines.push(`medians of ${r.reps} run${r.reps === 1 ? "" : "s"}; limit = baud/10 x file bytes / wire bytes in the transfer direction`);
  const header = ["verb", "size", "seconds", "goodput B/s", "kbit/s", "limit B/s", "of limit", "wire/file", "check"];
  const cells = r.rows.map((row) => [
    row.verb,
    formatBytes(row.size),
    row.seconds.toFixed(3),
    row.goodput.toFixed(0),
    ((row.goodput * 8) / 1000).toFixed(1),
    row.limit === null ? "-" : row.limit.toFixed(0),
    row.ofLimit === null ? "-" : `${(100 * row.ofLimit).toFixed(1)}%`,
    row.overhead.toFixed(4),
    row.ok ? "ok" : "DIFFERS",
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i]!.length)));
  const fmtLine = (c: readonly string[]): string => c.map((x, i) => (i < 2 ? x.padEnd(widths[i]!) : x.padStart(widths[i]!))).join("  ");
  lines.push(fmtLine(header), widths.map((w) => "-".repeat(w)).join("  "), ...cells.map(fmtLine));
  return `${lines.join("\n")}\n`;
}

export const bench: Command = { name: "bench", help: HELP, run };
