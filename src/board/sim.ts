// The `sim` link kind: the native reference target (firmware-shim/ports/posix) as a child process
// with SLIP on its stdin/stdout. Built from the profile first when the profile says how (make
// decides whether anything is stale), started with its RAM fs in `<state dir>/<board>.fs` so the
// board keeps its files between host sessions, and handed over once it answers ping.
import { mkdir } from "node:fs/promises";
import { join, resolve } from "node:path";
import { LinkError } from "../link/errors.js";
import { ProcessLink } from "../link/process-link.js";
import type { SimSpec } from "../link/spec.js";
import { DEFAULT_BOARD_FOR, DEFAULT_READY_MS, stateDirectory, type BoardLinkOptions } from "./board-link.js";
import { describeExit, startBoardChild, type BoardChild } from "./child.js";
import { ensureFirmware, FirmwareBuildError, isFile } from "./firmware-build.js";
import { loadProfile } from "./loader.js";
import type { SimSettings } from "./profile.js";
import { waitForPing } from "./ready.js";

/** What a profile without a sim section gets: the native target built with its sizes. */
export const DEFAULT_SIM: SimSettings = { firmware: "firmware-shim/build/posix/hilftp-shim", build: "native" };

export interface SimLinkOptions extends BoardLinkOptions {
  readonly signal?: AbortSignal;
}

export async function openSimLink(spec: SimSpec, name: string, options: SimLinkOptions = {}): Promise<ProcessLink> {
  const profile = options.board ?? (await loadProfile(DEFAULT_BOARD_FOR.sim));
  const sim = profile.sim ?? DEFAULT_SIM;
  const stateDir = stateDirectory(options.stateDir);
  let firmware: string;
  if (spec.path !== undefined) {
    firmware = resolve(spec.path);
  } else {
    try {
      firmware = await ensureFirmware(profile, sim, stateDir, options.onProgress);
    } catch (err) {
      if (err instanceof FirmwareBuildError) throw new LinkError(`${name}: ${err.message}`, "IO", { cause: err });
      throw err;
    }
  }
  if (!(await isFile(firmware))) {
    const hint = spec.path === undefined ? " (build it: make -C firmware-shim native)" : "";
    throw new LinkError(`${name}: ${firmware}: no such executable${hint}`, "NO_DEVICE");
  }
  await mkdir(stateDir, { recursive: true });
  const image = join(stateDir, `${profile.name}.fs`);
  const started = performance.now();
  let board: BoardChild;
  try {
    board = await startBoardChild(firmware, ["--link", "stdio", "--fs", image], { pipes: true });
  } catch (err) {
    throw new LinkError(`${name}: cannot start ${firmware}: ${(err as Error).message}`, "IO", { cause: err });
  }
  const gone = (): string | undefined => {
    const exit = board.exitStatus();
    return exit && `the board ${describeExit(exit, board.stderr())}`;
  };
  try {
    await waitForPing(board.stdout!, board.stdin!, {
      name,
      profile,
      timeoutMs: options.readyTimeoutMs ?? sim.readyTimeoutMs ?? DEFAULT_READY_MS.sim,
      ...(options.signal ? { signal: options.signal } : {}),
      gone,
    });
  } catch (err) {
    await board.stop();
    throw err;
  }
  return new ProcessLink({
    name,
    input: board.stdout!,
    output: board.stdin!,
    stop: () => board.stop(),
    exited: board.exited,
    exitOnEofMs: 1000, // it exits 0 on stdin EOF
    ended: board.exited.then(() => (board.stopping ? new Promise<string>(() => undefined) : (gone() ?? "the board exited"))),
    pid: board.pid,
    readyMs: performance.now() - started,
  });
}
