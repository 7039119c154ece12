// Progress for long transfers: a single self-rewriting line on a TTY (bytes, percent, rate, ETA,
// and over a serial or shaped link the share of what the line can carry), nothing when stderr is
// not a terminal, so logs and pipes stay clean. transferMeter() adds the end of a transfer: one
// summary line for a person, or the JSON document with --json.
import { basename } from "node:path";
import type { TransferProgress } from "../ftp/client/index.js";
import type { LinkStats } from "../link/frame-link.js";
import { goodput, lineCount, type Direction } from "../link/line-limit.js";
import type { CommandContext } from "./command.js";
import { formatSeconds, writeJson } from "./output.js";

export function formatBytes(n: number): string {
  const units = ["B", "KiB", "MiB", "GiB", "TiB"];
  let v = n;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${i === 0 ? v.toFixed(0) : v.toFixed(1)} ${units[i]}`;
}

/** "log.txt  42% 860.0 KiB of 2.0 MiB at 1.1 MiB/s eta 1s" (+ `suffix`, e.g. ", 97% of the line"). */
export function progressLine(label: string, p: TransferProgress, suffix = ""): string {
  const rate = p.elapsedMs > 0 ? (p.bytes * 1000) / p.elapsedMs : 0;
  const pct = p.total ? ` ${((100 * p.bytes) / p.total).toFixed(0).padStart(3)}%` : "";
  const eta = p.total && rate > 0 ? ` eta ${Math.max(0, Math.round((p.total - p.bytes) / rate))}s` : "";
  return `${label}${pct} ${formatBytes(p.bytes)}${p.total ? ` of ${formatBytes(p.total)}` : ""} at ${formatBytes(rate)}/s${eta}${suffix}`;
}

type ProgressStream = Pick<NodeJS.WriteStream, "write"> & { readonly isTTY?: boolean; readonly columns?: number };

/** A progress callback for the client, or undefined when stderr is not a TTY. */
export function ttyProgress(
  label: string,
  stream: ProgressStream = process.stderr,
  suffix?: (p: TransferProgress) => string,
): ((p: TransferProgress) => void) | undefined {
  if (!stream.isTTY) return undefined;
  return (p) => {
    // A pty nobody sized (script(1), some CI runners) reports 0 columns: take the usual 80.
    const columns = stream.columns !== undefined && stream.columns > 0 ? stream.columns : 80;
    const line = progressLine(label, p, suffix?.(p) ?? "").slice(0, Math.max(20, columns - 1));
    stream.write(`\r\x1b[K${line}`);
  };
}

export function endProgress(stream: ProgressStream = process.stderr): void {
  if (stream.isTTY) stream.write("\r\x1b[K");
}

/** A line-limited link under a transfer: its live stats and the baud that bounds it. */
export interface MeteredLine {
  readonly stats: () => LinkStats;
  readonly baud: number;
}

export interface TransferMeter {
  /** For the client's onProgress; undefined when nothing is drawn (no TTY, --json). */
  readonly onProgress: ((p: TransferProgress) => void) | undefined;
  /** Clears the bar and reports the transfer: a summary line on stderr, or JSON on stdout. */
  done(result: { readonly bytes: number; readonly elapsedMs: number }, fields: Record<string, unknown>): void;
  /** Clears the bar (the transfer failed; the error line follows). */
  clear(): void;
}

export interface MeterOptions {
  /** Shown before the figures: the file's name. */
  readonly label: string;
  readonly direction: Direction;
  /** Bytes expected, when the caller knows (an upload's file size). */
  readonly total?: number;
  readonly line?: MeteredLine | undefined;
}

/** The share of the line's limit a transfer reached, when it ran over a line-limited link. */
interface LineShare {
  readonly baud: number;
  /** File bytes/s the line could carry with these frames. */
  readonly limit: number;
  readonly ofLimit: number;
}

/** Whether transferMeter() will draw a bar: stderr is a terminal and the output is not JSON. */
export function drawsProgress(ctx: Pick<CommandContext, "json" | "stderr">): boolean {
  return !ctx.json && ctx.stderr.isTTY === true;
}

export function transferMeter(ctx: CommandContext, o: MeterOptions): TransferMeter {
  const before = o.line?.stats();
  const share = (bytes: number, elapsedMs: number): LineShare | undefined => {
    if (!o.line || !before || bytes <= 0 || elapsedMs <= 0) return undefined;
    const wire = lineCount(before, o.line.stats(), o.direction).wireBytes;
    if (wire <= 0) return undefined;
    const g = goodput(bytes, elapsedMs / 1000, wire, o.line.baud);
    return { baud: o.line.baud, limit: g.limit, ofLimit: g.ofLimit };
  };
  const suffix = (p: TransferProgress): string => {
    const s = share(p.bytes, p.elapsedMs);
    return s ? `, ${(100 * s.ofLimit).toFixed(0)}% of the ${s.baud}-baud line` : "";
  };
  // The bar has one terminal line: the file's name, not its whole path.
  const bar = ctx.json ? undefined : ttyProgress(basename(o.label), ctx.stderr, suffix);
  const withTotal = bar && o.total !== undefined ? (p: TransferProgress) => bar({ ...p, total: p.total ?? o.total }) : bar;
  return {
    onProgress: withTotal,
    clear: () => endProgress(ctx.stderr),
    done(result, fields) {
      endProgress(ctx.stderr);
      const seconds = result.elapsedMs / 1000;
      const rate = seconds > 0 ? result.bytes / seconds : 0;
      const s = share(result.bytes, result.elapsedMs);
      if (ctx.json) {
        writeJson(ctx, {
          ...fields,
          bytes: result.bytes,
          seconds: Number(seconds.toFixed(3)),
          rate: Math.round(rate),
          ...(s ? { line: { baud: s.baud, limit: Math.round(s.limit), ofLimit: Number(s.ofLimit.toFixed(3)) } } : {}),
        });
        return;
      }
      const lineShare = s ? `, ${(100 * s.ofLimit).toFixed(0)}% of what a ${s.baud}-baud line carries` : "";
      ctx.stderr.write(`${o.label}: ${formatBytes(result.bytes)} in ${formatSeconds(seconds)} (${formatBytes(rate)}/s${lineShare})\n`);
    },
  };
}
