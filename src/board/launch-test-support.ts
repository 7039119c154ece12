// Test support for the board-starting links and commands (sim, qemu): finding processes by PID or
// by a unique path on their command line, FTP sessions over a tunnel (and the put/list/get round
// trip every board test makes), and running the built CLI with a hard timeout. Not part of the
// package's API (index.ts does not export it). Built into dist with the rest of src, so no vitest
// here: helpers return what the tests check.
import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { readdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { FtpClient, type ListEntry } from "../ftp/client/index.js";
import type { Tunnel } from "../tunnel.js";
import type { BoardProfile } from "./profile.js";

export const CLI = fileURLToPath(new URL("../../dist/cli/main.js", import.meta.url));

/** Whether a process with this PID exists (an exited child is reaped by Node, so it does not). */
export { alive } from "./firmware-build.js";

function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch {
    // gone already
  }
}

/** PIDs of the processes whose command line contains `text` (a unique temp path, say). */
export async function processesMentioning(text: string): Promise<number[]> {
  const found: number[] = [];
  for (const entry of await readdir("/proc")) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    const cmdline = await readFile(`/proc/${entry}/cmdline`, "utf8").catch(() => "");
    if (cmdline.split("\0").some((arg) => arg.includes(text))) found.push(Number(entry));
  }
  return found;
}

/** A logged-in FTP client to the board at the other end of `tunnel`. */
export function ftpTo(tunnel: Tunnel, profile: BoardProfile): Promise<FtpClient> {
  return FtpClient.connect({
    network: tunnel.network,
    host: profile.addresses.boardIpv4,
    port: profile.ftp.port,
    user: profile.ftp.user,
    password: profile.ftp.password,
    timeoutMs: 20_000,
    dataTimeoutMs: 20_000,
  });
}

export interface PutListGet {
  /** "/" as listed before the upload; only with `listFirst`. */
  readonly listedFirst: readonly ListEntry[] | undefined;
  /** [name, size] of each entry of "/" after the upload. */
  readonly listed: readonly (readonly [string, number])[];
  /** The random bytes put, and the bytes got back. */
  readonly payload: Buffer;
  readonly back: Buffer;
}

/**
 * One FTP session to the board behind `tunnel`: `size` random bytes put as `remote` (through
 * dir/up.bin), "/" listed, the file got back (into dir/down.bin), then QUIT.
 */
export async function putListGet(
  tunnel: Tunnel,
  profile: BoardProfile,
  dir: string,
  options: { remote: string; size: number; listFirst?: boolean },
): Promise<PutListGet> {
  const payload = randomBytes(options.size);
  const src = join(dir, "up.bin");
  await writeFile(src, payload);
  const ftp = await ftpTo(tunnel, profile);
  try {
    const listedFirst = options.listFirst ? await ftp.list("/") : undefined;
    await ftp.upload(src, options.remote);
    const listed = (await ftp.list("/")).map((e) => [e.name, e.size] as const);
    const down = join(dir, "down.bin");
    await ftp.download(options.remote, down);
    const back = await readFile(down);
    await ftp.quit();
    return { listedFirst, listed, payload, back };
  } finally {
    ftp.close();
  }
}

export interface CliResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs the built CLI to its end; SIGKILL (by PID) after `timeoutMs`. */
export function runCli(args: readonly string[], env: NodeJS.ProcessEnv = {}, timeoutMs = 120_000): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, ...env } });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (b: Buffer) => (stdout += b.toString()));
    child.stderr.on("data", (b: Buffer) => (stderr += b.toString()));
    const timer = setTimeout(() => child.pid !== undefined && signal(child.pid, "SIGKILL"), timeoutMs);
    child.once("error", reject);
    child.once("close", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

export interface ServingCli {
  readonly pid: number;
  /** The first stdout line (the "reachable at" line). */
  readonly line: string;
  /** Resolves with the exit code once it has exited on its own or been stopped. */
  readonly exited: Promise<number | null>;
  stderr(): string;
  /** SIGTERM (by PID), SIGKILL after 15 s; resolves with the exit code. */
  stop(): Promise<number | null>;
}

/** Starts `hilftp sim|qemu ...` and waits for its first stdout line (or its exit, or the timeout). */
export async function startServingCli(args: readonly string[], env: NodeJS.ProcessEnv = {}, timeoutMs = 120_000): Promise<ServingCli> {
  const child: ChildProcess = spawn(process.execPath, [CLI, ...args], { stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, ...env } });
  let out = "";
  let err = "";
  child.stdout?.on("data", (b: Buffer) => (out += b.toString()));
  child.stderr?.on("data", (b: Buffer) => (err += b.toString()));
  const exited = new Promise<number | null>((r) => child.once("exit", (code) => r(code)));
  const pid = child.pid ?? -1;
  let stopping: Promise<number | null> | undefined;
  const stop = (): Promise<number | null> =>
    (stopping ??= (async () => {
      if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
      signal(pid, "SIGTERM");
      const timer = setTimeout(() => signal(pid, "SIGKILL"), 15_000);
      const code = await exited;
      clearTimeout(timer);
      return code;
    })());
  const line = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no line from hilftp ${args[0]} within ${timeoutMs} ms: ${err}`)), timeoutMs);
    const check = (): void => {
      const nl = out.indexOf("\n");
      if (nl >= 0) {
        clearTimeout(timer);
        resolve(out.slice(0, nl));
      }
    };
    child.stdout?.on("data", check);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`hilftp ${args[0]} exited (${code}) before its first line: ${err.trim()}`));
    });
  }).catch(async (e: unknown) => {
    await stop();
    throw e;
  });
  return { pid, line, exited, stderr: () => err, stop };
}
