// How commands write: the CommandContext main() hands them (--json, --verbose, the streams), the
// timestamp verbose lines carry, and the JSON shapes shared by every command (one document per
// result, one object per line for events), so that all commands look alike to a script.
import type { CommandContext } from "./command.js";

/** "10:42:07.123": local wall-clock time to the millisecond, as verbose lines start. */
export function timestamp(at: Date = new Date()): string {
  const two = (n: number): string => String(n).padStart(2, "0");
  return `${two(at.getHours())}:${two(at.getMinutes())}:${two(at.getSeconds())}.${String(at.getMilliseconds()).padStart(3, "0")}`;
}

export interface ContextOptions {
  readonly json: boolean;
  readonly verbose: boolean;
  readonly stdout: CommandContext["stdout"];
  readonly stderr: CommandContext["stderr"];
  /**
   * Called on the first read of ctx.signal: main() takes over SIGINT/SIGTERM only then, so a
   * command that never asks keeps Node's default handling of them.
   */
  readonly signal?: () => AbortSignal;
  /** The clock for timestamps (tests pin it). */
  readonly now?: () => Date;
}

export function createContext(o: ContextOptions): CommandContext {
  const now = o.now ?? (() => new Date());
  const ctx: CommandContext = {
    json: o.json,
    verbose: o.verbose,
    stdout: o.stdout,
    stderr: o.stderr,
    log: (line) => {
      if (o.verbose) o.stderr.write(`${timestamp(now())} ${line}\n`);
    },
  };
  const signal = o.signal;
  return signal ? Object.defineProperty(ctx, "signal", { get: signal, enumerable: true }) : ctx;
}

/** A value as one line of JSON on stdout (Dates become ISO strings, as JSON.stringify does). */
export function writeJson(ctx: Pick<CommandContext, "stdout">, value: unknown): void {
  ctx.stdout.write(`${JSON.stringify(value)}\n`);
}

/** Events of the commands that run until stopped (serve, sim, qemu, tun). */
export type EventName = "listening" | "reachable" | "up" | "stopped";

/**
 * One event: `{"event":NAME,...fields}` as a line on stdout with --json, else `human` on stdout.
 * Scripts wait for the first line either way, so it comes once the thing is usable.
 */
export function emitEvent(ctx: Pick<CommandContext, "json" | "stdout">, event: EventName, fields: Record<string, unknown>, human: string): void {
  if (ctx.json) writeJson(ctx, { event, ...fields });
  else ctx.stdout.write(`${human}\n`);
}

/** Seconds as a person reads them: "0.31 s", "12 s", "2 min 5 s". */
export function formatSeconds(seconds: number): string {
  if (seconds < 10) return `${seconds.toFixed(2)} s`;
  if (seconds < 120) return `${Math.round(seconds)} s`;
  const whole = Math.round(seconds);
  return `${Math.floor(whole / 60)} min ${whole % 60} s`;
}

/** Resolves once the command is asked to stop (SIGINT/SIGTERM through ctx.signal); never without a signal. */
export function whenStopped(ctx: Pick<CommandContext, "signal">): Promise<void> {
  const signal = ctx.signal;
  if (!signal) return new Promise<void>(() => undefined);
  if (signal.aborted) return Promise.resolve();
  return new Promise<void>((resolve) => signal.addEventListener("abort", () => resolve(), { once: true }));
}
