// The child processes of the bridge: short `ip` commands with a hard timeout, and socat, which
// lives as long as the bridge and is stopped by its PID (the TUN device vanishes with it).
import { spawn, type ChildProcess } from "node:child_process";
import { TunError } from "./errors.js";

export interface ToolResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs a short command (no shell) and collects its output; killed by PID after `timeoutMs`. */
export function runTool(cmd: string, args: readonly string[], timeoutMs = 10_000): Promise<ToolResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ["ignore", "pipe", "pipe"] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    const timer = setTimeout(() => {
      if (child.pid !== undefined) killQuietly(child.pid, "SIGKILL");
    }, timeoutMs);
    child.stdout.on("data", (c: Buffer) => out.push(c));
    child.stderr.on("data", (c: Buffer) => err.push(c));
    child.once("error", (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.once("close", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout: Buffer.concat(out).toString("utf8"), stderr: Buffer.concat(err).toString("utf8") });
    });
  });
}

/** `ip ARGS`; throws TunError (IP) naming the command and the kernel's complaint. */
export async function ip(ipPath: string, args: readonly string[]): Promise<void> {
  let r: ToolResult;
  try {
    r = await runTool(ipPath, args);
  } catch (err) {
    throw new TunError(`${ipPath} ${args.join(" ")}: ${(err as Error).message} (install iproute2)`, "IP", { cause: err });
  }
  if (r.code !== 0) throw new TunError(`ip ${args.join(" ")} failed: ${firstLine(r.stderr) || `exit ${r.code}`}`, "IP");
}

/** Whether `ip link show dev DEV` finds the device. */
export async function deviceExists(ipPath: string, dev: string): Promise<boolean> {
  const r = await runTool(ipPath, ["link", "show", "dev", dev]).catch(() => undefined);
  return r?.code === 0;
}

/** Whether the loopback interface carries 127.0.0.1 (down, it has no address in a fresh namespace). */
export async function loopbackReady(ipPath: string): Promise<boolean> {
  const r = await runTool(ipPath, ["-o", "-4", "addr", "show", "dev", "lo"]).catch(() => undefined);
  return r?.code === 0 && /\binet 127\.0\.0\.1\//.test(r.stdout);
}

/** A long-running child whose exit is observable and whose stderr tail is kept for messages. */
export interface Daemon {
  readonly pid: number;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  hasExited(): boolean;
  /** The last few KiB the process wrote to stderr. */
  stderr(): string;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves once it has exited. */
  stop(graceMs?: number): Promise<void>;
}

const STDERR_KEEP = 8192;

export async function startDaemon(cmd: string, args: readonly string[]): Promise<Daemon> {
  const child: ChildProcess = spawn(cmd, args, { stdio: ["ignore", "ignore", "pipe"] });
  let tail = "";
  child.stderr?.setEncoding("utf8");
  child.stderr?.on("data", (s: string) => {
    tail = (tail + s).slice(-STDERR_KEEP);
  });
  let done = false;
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once("exit", (code, signal) => {
      done = true;
      resolve({ code, signal });
    }),
  );
  const pid = await new Promise<number>((resolve, reject) => {
    child.once("spawn", () => resolve(child.pid ?? -1));
    child.once("error", reject);
  });
  let stopping: Promise<void> | undefined;
  return {
    pid,
    exited,
    hasExited: () => done,
    stderr: () => tail,
    stop(graceMs = 2000) {
      stopping ??= (async () => {
        if (done) return;
        killQuietly(pid, "SIGTERM");
        let timer: NodeJS.Timeout | undefined;
        const late = new Promise<"late">((r) => (timer = setTimeout(() => r("late"), graceMs)));
        if ((await Promise.race([exited, late])) === "late") {
          killQuietly(pid, "SIGKILL");
          await exited;
        }
        clearTimeout(timer);
      })();
      return stopping;
    },
  };
}

export function killQuietly(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(pid, signal);
  } catch {
    // already gone
  }
}

export function firstLine(text: string): string {
  return text.trim().split("\n")[0]?.trim() ?? "";
}
