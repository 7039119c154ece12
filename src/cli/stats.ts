// hilftp stats: the counters of the running sim/qemu/tun/forward/serve commands, read from the
// sockets they publish (stats-registry.ts): a table of every instance, one instance in full, or
// the JSON documents; --watch refreshes until Ctrl-C or --count refreshes. Nothing running is not
// an error (exit 0): a script polling for a board gets a plain answer either way.
import { join } from "node:path";
import { parseArgs } from "node:util";
import type { Command, CommandContext } from "./command.js";
import { CliError, EXIT } from "./errors.js";
import { formatSeconds, timestamp, writeJson } from "./output.js";
import { listInstances, runDirectory, type InstanceStats } from "./stats-registry.js";
import { UsageError } from "./url.js";

const USAGE = "stats [PID] [--watch SECONDS [--count N]]";
export const NONE_RUNNING = "no hilftp sim/qemu/tun/forward/serve is running";

function positive(flag: string, text: string, integer: boolean): number {
  const n = Number(text);
  if (!(Number.isFinite(n) && n > 0) || (integer && !Number.isInteger(n))) throw new UsageError(`${flag} wants a positive ${integer ? "whole " : ""}number, got ${JSON.stringify(text)}`);
  return n;
}

/** One instance's document; a missing or stale one is an error (exit 1), its socket removed. */
async function one(dir: string, pid: number): Promise<InstanceStats> {
  const listing = await listInstances(dir); // removes stale sockets, this pid's included
  const found = listing.instances.find((i) => i.pid === pid);
  if (found) return found;
  const silent = listing.unanswered.includes(join(dir, `${pid}.sock`)) ? " (its socket did not answer)" : "";
  throw new CliError(`no running hilftp instance with pid ${pid}${silent}; hilftp stats lists them`, "failed", EXIT.failed);
}

function count(n: number | undefined): string {
  return n === undefined ? "-" : String(n);
}

/** The table row's fields: the counters every kind of instance has. */
function row(i: InstanceStats): string[] {
  const l = i.linkStats;
  return [
    String(i.pid),
    i.command,
    i.board,
    i.link,
    formatSeconds(i.uptimeMs / 1000),
    count(l.framesIn),
    count(l.framesOut),
    count(l.bytesIn),
    count(l.bytesOut),
    count(i.stack?.tcp.retransmits),
  ];
}

const HEADER = ["PID", "COMMAND", "BOARD", "LINK", "UPTIME", "FRAMES IN", "FRAMES OUT", "BYTES IN", "BYTES OUT", "RETRANSMITS"];
/** Columns 5.. are numbers: right-aligned. */
const FIRST_NUMERIC = 5;

export function formatTable(instances: readonly InstanceStats[]): string {
  if (instances.length === 0) return `${NONE_RUNNING}\n`;
  const rows = [HEADER, ...instances.map(row)];
  const widths = HEADER.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
  return rows.map((r) => r.map((cell, c) => (c >= FIRST_NUMERIC ? cell.padStart(widths[c]!) : cell.padEnd(widths[c]!))).join("  ").trimEnd()).join("\n") + "\n";
}

/** Every field as "path  value", nested objects as dotted paths, in the document's order. */
export function formatFull(doc: InstanceStats): string {
  const lines: [string, string][] = [];
  const walk = (prefix: string, value: unknown): void => {
    if (value !== null && typeof value === "object") {
      for (const [k, v] of Object.entries(value as Record<string, unknown>)) walk(prefix ? `${prefix}.${k}` : k, v);
    } else lines.push([prefix, prefix === "uptimeMs" ? `${String(value)} (${formatSeconds(Number(value) / 1000)})` : String(value)]);
  };
  walk("", doc);
  const width = Math.max(...lines.map(([k]) => k.length));
  return lines.map(([k, v]) => `${k.padEnd(width)}  ${v}`).join("\n") + "\n";
}

/** Resolves after `ms`, or at once when `signal` aborts. */
function pause(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const done = (): void => {
      clearTimeout(timer);
      signal?.removeEventListener("abort", done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener("abort", done, { once: true });
  });
}

async function run(args: string[], ctx: CommandContext): Promise<void> {
  const { values, positionals } = parseArgs({ args, allowPositionals: true, options: { watch: { type: "string" }, count: { type: "string" } } });
  if (positionals.length > 1) throw new UsageError(`usage: hilftp ${USAGE}`);
  const pidText = positionals[0];
  if (pidText !== undefined && !/^\d+$/.test(pidText)) throw new UsageError(`PID wants a process id, got ${JSON.stringify(pidText)}`);
  const pid = pidText === undefined ? undefined : Number(pidText);
  const watchSeconds = values.watch === undefined ? undefined : positive("--watch", values.watch, false);
  if (values.count !== undefined && watchSeconds === undefined) throw new UsageError("--count goes with --watch SECONDS");
  const refreshes = values.count === undefined ? Infinity : positive("--count", values.count, true);
  const dir = runDirectory();

  const show = async (): Promise<void> => {
    if (pid !== undefined) {
      const doc = await one(dir, pid);
      if (ctx.json) writeJson(ctx, doc);
      else ctx.stdout.write(formatFull(doc));
      return;
    }
    const listing = await listInstances(dir);
    for (const path of listing.removed) ctx.log(`* removed stale ${path}`);
    for (const path of listing.unanswered) ctx.log(`* no answer from ${path}`);
    if (ctx.json) writeJson(ctx, listing.instances);
    else ctx.stdout.write(formatTable(listing.instances));
  };

  if (watchSeconds === undefined) return show();
  // Watching takes over Ctrl-C (ctx.signal) so that it ends the loop between refreshes, cleanly.
  const signal = ctx.signal;
  for (let n = 0; n < refreshes && !signal?.aborted; n++) {
    if (n > 0) await pause(watchSeconds * 1000, signal);
    if (signal?.aborted) break;
    if (!ctx.json) ctx.stdout.write(`${n > 0 ? "\n" : ""}${timestamp()}\n`);
    await show();
  }
}

export const stats: Command = {
  name: "stats",
  help: {
    summary: "counters of the running sim, qemu, tun, forward and serve (over a tunnel) commands",
    usage: [USAGE],
    options: [
      "  PID                   one instance in full (every counter); without it a table of all of them",
      "  --watch SECONDS       refresh every SECONDS until Ctrl-C",
      "  --count N             with --watch: stop after N refreshes",
      `  with nothing running it prints "${NONE_RUNNING}" (--json: []) and exits 0;`,
      "  a PID that is not running exits 1. Instances publish on $XDG_RUNTIME_DIR/hilftp/PID.sock",
      "  (else $HILFTP_STATE_DIR/run, ~/.local/state/hilftp/run); stale sockets are removed",
    ],
    examples: ["hilftp stats", "hilftp stats 12345 --json", "hilftp stats --watch 2 --count 5"],
    shared: ["output"],
  },
  run,
};
