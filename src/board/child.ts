// The process a board-starting link runs (the native target, QEMU): spawned under
// `setpriv --pdeathsig KILL` where util-linux has it, so a hilftp killed with SIGKILL does not leave
// the board running; its stderr tail kept for error messages; stopped by its PID (SIGTERM, then
// SIGKILL after a grace period). setpriv execs the program, so the PID is the board's own.
import { spawn, type ChildProcessByStdio, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import type { Readable, Writable } from "node:stream";

export interface ChildExit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

export interface BoardChild {
  readonly pid: number;
  /** Bytes to the board (its stdin) when started with `pipes`. */
  readonly stdin: Writable | undefined;
  /** Bytes from the board (its stdout) when started with `pipes`. */
  readonly stdout: Readable | undefined;
  readonly exited: Promise<ChildExit>;
  /** Set once it has exited. */
  exitStatus(): ChildExit | undefined;
  /** The last few KiB it wrote to stderr. */
  stderr(): string;
  /** Whether stop() was called (an exit after it is not a failure). */
  readonly stopping: boolean;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves once it has exited. Idempotent. */
  stop(graceMs?: number): Promise<void>;
}

export interface StartChildOptions {
  /** Pipe stdin and stdout (SLIP on stdio); otherwise both are ignored. */
  readonly pipes: boolean;
  readonly env?: NodeJS.ProcessEnv;
}

const STDERR_KEEP = 8192;
const DEFAULT_GRACE_MS = 3000;
const SETPRIV = ["/usr/bin/setpriv", "/bin/setpriv"].find((p) => existsSync(p));

/** Starts `cmd args`; rejects (with the spawn error) if it cannot be started at all. */
export async function startBoardChild(cmd: string, args: readonly string[], options: StartChildOptions): Promise<BoardChild> {
  const [file, argv] = SETPRIV === undefined ? [cmd, [...args]] : [SETPRIV, ["--pdeathsig", "KILL", cmd, ...args]];
  const child = spawn(file, argv, {
    stdio: [options.pipes ? "pipe" : "ignore", options.pipes ? "pipe" : "ignore", "pipe"],
    ...(options.env ? { env: options.env } : {}),
  }) as ChildProcess;
  let tail = "";
  child.stderr?.setEncoding("utf8");
  child.stderr?.on("data", (s: string) => {
    tail = (tail + s).slice(-STDERR_KEEP);
  });
  // EPIPE/ECONNRESET on the pipes when the board dies: its exit says what happened.
  child.stdin?.on("error", () => undefined);
  child.stdout?.on("error", () => undefined);
  let status: ChildExit | undefined;
  const exited = new Promise<ChildExit>((resolve) => {
    child.once("exit", (code, signal) => {
      status = { code, signal };
      resolve(status);
    });
  });
  await new Promise<void>((resolve, reject) => {
    child.once("spawn", () => resolve());
    child.once("error", reject);
  });
  const pid = child.pid ?? -1;
  let stopping: Promise<void> | undefined;
  const piped = child as ChildProcessByStdio<Writable, Readable, Readable>;
  return {
    pid,
    stdin: options.pipes ? piped.stdin : undefined,
    stdout: options.pipes ? piped.stdout : undefined,
    exited,
    exitStatus: () => status,
    stderr: () => tail,
    get stopping() {
      return stopping !== undefined;
    },
    stop(graceMs = DEFAULT_GRACE_MS) {
      stopping ??= (async () => {
        if (status !== undefined) return;
        signal(pid, "SIGTERM");
        let timer: NodeJS.Timeout | undefined;
        const late = new Promise<"late">((r) => (timer = setTimeout(() => r("late"), graceMs)));
        if ((await Promise.race([exited, late])) === "late") {
          signal(pid, "SIGKILL");
          await exited;
        }
        clearTimeout(timer);
      })();
      return stopping;
    },
  };
}

function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch {
    // already gone
  }
}

/** "exited with code 2" / "killed by SIGSEGV", and the last lines of stderr worth showing. */
export function describeExit(exit: ChildExit, stderr: string, skip?: RegExp): string {
  const how = exit.signal !== null ? `was killed by ${exit.signal}` : `exited with code ${exit.code}`;
  const lines = stderr
    .split("\n")
    .map((l) => l.trim())
    .filter((l) => l !== "" && !(skip?.test(l) ?? false));
  const last = lines.slice(-2).join(" | ");
  return last === "" ? how : `${how}: ${last}`;
}
