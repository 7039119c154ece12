// Starts the native reference target (firmware-shim/build/posix/hilftp-shim, board native-sim) as a
// child process for the test fixture: SLIP on a unix socket it listens on, or on a pseudo-terminal
// (the "real serial port" path), its RAM fs kept in a file as a board keeps its flash. Ready means
// the target said its link is up; whether the board answers is the caller's ping.
// Stopped by PID (SIGTERM, then SIGKILL after a grace period).
import { spawn, type ChildProcess } from "node:child_process";
import { join } from "node:path";

export interface NativeTargetOptions {
  /** The hilftp-shim executable. */
  readonly firmware: string;
  /** Directory for the socket and the fs image (the caller owns and removes it). */
  readonly dir: string;
  /** SLIP on a pseudo-terminal instead of a unix socket; the link is then serial:PTS@baud. */
  readonly pty?: boolean;
  readonly baud?: number;
  readonly readyTimeoutMs?: number;
}

export interface NativeTarget {
  /** Link spec the host opens: unix:DIR/link.sock or serial:/dev/pts/N@BAUD. */
  readonly link: string;
  readonly pid: number;
  /** The last few KiB the target wrote to stderr (its errors and reboot notices). */
  stderr(): string;
  /** SIGTERM, wait for the exit (SIGKILL after 5 s); idempotent. */
  stop(): Promise<void>;
}

const STDERR_KEEP = 8192;
const STOP_GRACE_MS = 5000;

export async function startNativeTarget(options: NativeTargetOptions): Promise<NativeTarget> {
  const socket = join(options.dir, "link.sock");
  const args = [...(options.pty ? ["--pty"] : ["--link", `unix:${socket}`]), "--fs", join(options.dir, "fs.img"), "-v"];
  const child = spawn(options.firmware, args, { stdio: ["ignore", "pipe", "pipe"] });
  let errText = "";
  child.stderr.setEncoding("utf8");
  child.stderr.on("data", (s: string) => {
    errText = (errText + s).slice(-STDERR_KEEP);
  });
  let outText = "";
  child.stdout.setEncoding("utf8");
  // Drained for good (a full pipe would block the target); the head is kept for the PTY line.
  child.stdout.on("data", (s: string) => {
    if (outText.length < 4096) outText += s;
  });
  // A spawn failure ('error' without 'exit') counts as an exit too, so stop() never waits on it.
  const exited = new Promise<number | null>((resolve) => {
    child.once("exit", (code) => resolve(code));
    child.once("error", () => resolve(null));
  });
  const spawned = new Promise<void>((resolve, reject) => {
    child.once("spawn", () => resolve());
    child.once("error", reject);
  });
  let stopping: Promise<void> | undefined;
  const target: NativeTarget = {
    link: "",
    pid: 0,
    stderr: () => errText,
    stop: () => (stopping ??= stopChild(child, exited)),
  };
  try {
    await spawned;
    const deadline = options.readyTimeoutMs ?? 10_000;
    // -v makes the target say when its link is up: after listen() for a socket, the PTY line on stdout.
    const link = options.pty
      ? `serial:${(await readyLine(child.stdout, () => outText, /^PTY (\S+)$/m, exited, deadline, () => errText))[1]}@${options.baud ?? 115200}`
      : (await readyLine(child.stderr, () => errText, /link: listening on unix/, exited, deadline, () => errText), `unix:${socket}`);
    return { ...target, link, pid: child.pid ?? 0 };
  } catch (err) {
    await target.stop();
    throw err;
  }
}

function stopChild(child: ChildProcess, exited: Promise<number | null>): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return exited.then(() => undefined);
  const pid = child.pid;
  signal(pid, "SIGTERM");
  return new Promise<void>((resolve) => {
    const timer = setTimeout(() => signal(pid, "SIGKILL"), STOP_GRACE_MS);
    void exited.then(() => {
      clearTimeout(timer);
      resolve();
    });
  });
}

function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch {
    // already gone
  }
}

function died(code: number | null, stderr: string): Error {
  const tail = stderr.trim().split("\n").slice(-3).join(" | ");
  return new Error(`the native target exited (code ${code}) before it was ready${tail ? `: ${tail}` : ""}`);
}

/** The first match of `pattern` in what the target wrote to `stream` (collected into `text()` from the start). */
function readyLine(
  stream: NodeJS.ReadableStream,
  text: () => string,
  pattern: RegExp,
  exited: Promise<number | null>,
  timeoutMs: number,
  stderr: () => string,
): Promise<RegExpExecArray> {
  return new Promise((resolve, reject) => {
    let done = false;
    const finish = (err: Error | undefined, m?: RegExpExecArray): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      stream.off("data", check);
      if (err) reject(err);
      else resolve(m!);
    };
    // Runs after the collector (registered first), so text() already holds the new bytes.
    const check = (): void => {
      const m = pattern.exec(text());
      if (m) finish(undefined, m);
    };
    const timer = setTimeout(() => finish(new Error(`the native target was not ready within ${timeoutMs} ms: ${stderr().trim()}`)), timeoutMs);
    stream.on("data", check);
    void exited.then((code) => finish(died(code, stderr())));
    check();
  });
}
