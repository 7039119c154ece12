// Building a board's firmware from its profile with firmware-shim's Makefile, and finding the
// programs a launcher runs. firmware-shim/ is found from this module (src/board or dist/board, two
// levels below the package root), so a clean clone and an installed package both work. make decides
// what is stale; runs are serialised (in this process and across processes) because every build of
// a target shares firmware-shim/build/.
import { spawn } from "node:child_process";
import { constants } from "node:fs";
import { access, mkdir, open, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { delimiter, isAbsolute, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { profileFile } from "./loader.js";
import type { BoardProfile, FirmwareBuild } from "./profile.js";

export const PACKAGE_ROOT = fileURLToPath(new URL("../../", import.meta.url));
export const FIRMWARE_SHIM_DIR = join(PACKAGE_ROOT, "firmware-shim");

/** The Debian packages each missing program comes from, as one command a user can paste. */
export const INSTALL_HINT = {
  qemu: "apt-get install --no-install-recommends qemu-system-arm",
  armToolchain: "apt-get install --no-install-recommends gcc-arm-none-eabi libnewlib-arm-none-eabi",
  nativeToolchain: "apt-get install --no-install-recommends gcc make",
} as const;

export class FirmwareBuildError extends Error {
  override readonly name = "FirmwareBuildError";
  constructor(
    message: string,
    /** Everything make printed. */
    readonly output: string,
  ) {
    super(message);
  }
}

export interface BuildOptions {
  readonly target: FirmwareBuild;
  /** The profile file make reads (PROFILE=, made absolute). */
  readonly profilePath: string;
  /** Extra make variables (ARM_CC, BUILD, ...): cross toolchains, and tests that build elsewhere. */
  readonly makeVars?: Readonly<Record<string, string>>;
  /** make itself (default: make on PATH). */
  readonly make?: string;
  /** Give up after this long (default 10 minutes); make is then killed. */
  readonly timeoutMs?: number;
}

/** Runs `make -C firmware-shim TARGET PROFILE=...`; throws FirmwareBuildError with one line saying why. */
export async function buildFirmware(options: BuildOptions): Promise<void> {
  const args = ["-C", FIRMWARE_SHIM_DIR, options.target, `PROFILE=${resolve(options.profilePath)}`];
  for (const [key, value] of Object.entries(options.makeVars ?? {})) args.push(`${key}=${value}`);
  const make = options.make ?? "make";
  const run = (): Promise<void> => withBuildLock(() => runMake(make, args, options));
  // Chained, so two links opened at once in one process do not race each other for the lock.
  const next = buildQueue.then(run, run);
  buildQueue = next.catch(() => undefined);
  await next;
}

let buildQueue: Promise<void> = Promise.resolve();

async function runMake(make: string, args: string[], options: BuildOptions): Promise<void> {
  const what = `make ${options.target}`;
  const result = await new Promise<{ code: number | null; output: string }>((resolvePromise, reject) => {
    const child = spawn(make, args, { stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    const keep = (b: Buffer): void => {
      output = (output + b.toString("utf8")).slice(-65536);
    };
    child.stdout.on("data", keep);
    child.stderr.on("data", keep);
    const timer = setTimeout(() => {
      if (child.pid !== undefined) process.kill(child.pid, "SIGKILL");
    }, options.timeoutMs ?? 600_000);
    child.once("error", (err: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      if (err.code === "ENOENT") reject(new FirmwareBuildError(`${what}: ${make} not found; install it with: ${INSTALL_HINT.nativeToolchain}`, ""));
      else reject(new FirmwareBuildError(`${what}: ${err.message}`, ""));
    });
    child.once("close", (code) => {
      clearTimeout(timer);
      resolvePromise({ code, output });
    });
  });
  if (result.code !== 0) throw new FirmwareBuildError(`${what} failed: ${explainBuildFailure(result.output)}`, result.output);
}

/** One line from make's output: a missing toolchain with the package to install, else the first error. */
export function explainBuildFailure(output: string): string {
  const arm = /(\S*arm-none-eabi-[a-z+]+): (?:No such file or directory|Command not found|not found)/.exec(output);
  if (arm) return `${arm[1]} not found; install the toolchain with: ${INSTALL_HINT.armToolchain}`;
  const native = /make: (\S*\b(?:cc|gcc)): (?:No such file or directory|Command not found)/.exec(output);
  if (native) return `${native[1]} not found; install it with: ${INSTALL_HINT.nativeToolchain}`;
  const lines = output.split("\n").map((l) => l.trim());
  const error = lines.find((l) => /\berror\b/i.test(l) && !/^make(\[\d+\])?: \*\*\*/.test(l)) ?? lines.find((l) => /^make(\[\d+\])?: \*\*\*/.test(l));
  return error ?? "no output";
}

/**
 * The profile file make should read. A profile loaded from a file is built from that file; one made
 * in memory is written to `<stateDir>/<name>.profile.json` (rewritten only when it changes, so make
 * does not see it as new every time).
 */
export async function profilePathFor(profile: BoardProfile, stateDir: string): Promise<string> {
  const source = profileFile(profile);
  if (source !== undefined) return source;
  await mkdir(stateDir, { recursive: true });
  const path = join(stateDir, `${profile.name}.profile.json`);
  const text = `${JSON.stringify(profile, null, 2)}\n`;
  const old = await readFile(path, "utf8").catch(() => undefined);
  if (old !== text) await writeFile(path, text);
  return path;
}

/**
 * Builds `firmware` (relative to the package root) with the profile's make target when the profile
 * has one, and returns its absolute path; `onBuilt` hears when make actually changed it.
 */
export async function ensureFirmware(
  profile: BoardProfile,
  section: { readonly firmware: string; readonly build?: FirmwareBuild },
  stateDir: string,
  onBuilt?: (line: string) => void,
): Promise<string> {
  const path = resolve(PACKAGE_ROOT, section.firmware);
  if (section.build === undefined) return path;
  const before = await mtimeOf(path);
  const started = performance.now();
  await buildFirmware({ target: section.build, profilePath: await profilePathFor(profile, stateDir) });
  const after = await mtimeOf(path);
  if (after !== before) {
    onBuilt?.(`built ${section.firmware} for ${profile.name} (make ${section.build}, ${((performance.now() - started) / 1000).toFixed(1)} s)`);
  }
  return path;
}

async function mtimeOf(path: string): Promise<number | undefined> {
  return stat(path).then(
    (s) => s.mtimeMs,
    () => undefined,
  );
}

/** The absolute path of an executable: a path as given (made absolute), a bare name searched on PATH. */
export async function findExecutable(name: string, env: NodeJS.ProcessEnv = process.env): Promise<string | undefined> {
  const candidates = name.includes("/") ? [resolve(name)] : (env.PATH ?? "").split(delimiter).filter(isAbsolute).map((dir) => join(dir, name));
  for (const candidate of candidates) {
    try {
      await access(candidate, constants.X_OK);
      // root passes access(X_OK) for files nobody may execute: look at the mode bits too
      const info = await stat(candidate);
      if (info.isFile() && (info.mode & 0o111) !== 0) return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}

/** Whether `path` is a readable regular file. */
export async function isFile(path: string): Promise<boolean> {
  return stat(path).then(
    (s) => s.isFile(),
    () => false,
  );
}

// ---------------------------------------------------------------------------------------------
// A lock file beside the system's temp files, holding the PID of the process building: another
// hilftp (a second test worker, `hilftp sim` in another terminal) waits for it; a lock whose
// process is gone is taken over.

const LOCK_PATH = join(tmpdir(), `hilftp-firmware-build-${hash(FIRMWARE_SHIM_DIR)}.lock`);
const LOCK_WAIT_MS = 15 * 60_000;

async function withBuildLock<T>(work: () => Promise<T>): Promise<T> {
  await acquire();
  try {
    return await work();
  } finally {
    await rm(LOCK_PATH, { force: true });
  }
}

async function acquire(): Promise<void> {
  const deadline = Date.now() + LOCK_WAIT_MS;
  for (;;) {
    try {
      const handle = await open(LOCK_PATH, "wx");
      await handle.writeFile(String(process.pid));
      await handle.close();
      return;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
    }
    const holder = Number((await readFile(LOCK_PATH, "utf8").catch(() => "")).trim());
    if (Number.isInteger(holder) && holder > 0 && !alive(holder)) {
      await rm(LOCK_PATH, { force: true });
      continue;
    }
    if (Date.now() > deadline) throw new FirmwareBuildError(`another build holds ${LOCK_PATH} (pid ${holder}); remove it if that process is gone`, "");
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Whether a process with this pid exists (EPERM: it does, another user's). */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

function hash(text: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193) >>> 0;
  return h.toString(16).padStart(8, "0");
}
