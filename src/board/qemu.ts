// The `qemu` link kind: qemu-system-arm running the board's firmware on the profile's machine, its
// first USART on a unix socket in a private directory (server=on,wait=on: the guest starts only once
// we are connected, so nothing it sends is lost to an absent client; nodelay=on, without which every
// frame waits ~44 ms). The board is handed over once it answers ping: bytes sent before its firmware
// enables the USART are dropped by QEMU, so pings are repeated until one is answered.
import { mkdtemp, rm } from "node:fs/promises";
import * as net from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { LinkError } from "../link/errors.js";
import { ProcessLink } from "../link/process-link.js";
import type { QemuSpec } from "../link/spec.js";
import { DEFAULT_BOARD_FOR, DEFAULT_READY_MS, stateDirectory, type BoardLinkOptions } from "./board-link.js";
import { describeExit, startBoardChild, type BoardChild } from "./child.js";
import { ensureFirmware, findExecutable, FirmwareBuildError, INSTALL_HINT, isFile } from "./firmware-build.js";
import { loadProfile } from "./loader.js";
import type { BoardProfile, QemuSettings } from "./profile.js";
import { waitForPing } from "./ready.js";

export interface QemuLinkOptions extends BoardLinkOptions {
  readonly signal?: AbortSignal;
}

/** How long QEMU may take to create its socket once started. */
const CONNECT_TIMEOUT_MS = 15_000;
/** QEMU's notice that it waits for us: not worth repeating in an error. */
const WAITING_NOTICE = /QEMU waiting for connection|terminating on signal/;

/** The command line: no display, no monitor, USART1 on `socketPath`. */
export function qemuArgs(machine: string, firmware: string, socketPath: string): string[] {
  return [
    "-M",
    machine,
    "-nographic",
    "-monitor",
    "none",
    "-chardev",
    `socket,id=usart,path=${socketPath},server=on,wait=on,nodelay=on`,
    "-serial",
    "chardev:usart",
    "-kernel",
    firmware,
  ];
}

/** The emulator to run: the option, $HILFTP_QEMU, the profile's qemu.binary, else qemu-system-arm. */
export function qemuBinary(options: BoardLinkOptions, settings: QemuSettings, env: NodeJS.ProcessEnv = process.env): string {
  return options.qemuBinary ?? (env.HILFTP_QEMU || undefined) ?? settings.binary ?? "qemu-system-arm";
}

export async function openQemuLink(spec: QemuSpec, name: string, options: QemuLinkOptions = {}): Promise<ProcessLink> {
  const profile = options.board ?? (await loadProfile(DEFAULT_BOARD_FOR.qemu));
  const settings = qemuSettings(profile, name);
  const binaryName = qemuBinary(options, settings);
  const binary = await findExecutable(binaryName);
  if (binary === undefined) {
    throw new LinkError(`${name}: ${binaryName} not found; install it with: ${INSTALL_HINT.qemu}`, "NO_DEVICE");
  }
  const firmware = await firmwareFor(spec, profile, settings, name, options);
  const dir = await mkdtemp(join(tmpdir(), "hilftp-qemu-"));
  const socketPath = join(dir, "usart.sock");
  let child: BoardChild | undefined;
  let socket: net.Socket | undefined;
  try {
    const started = performance.now();
    try {
      child = await startBoardChild(binary, qemuArgs(settings.machine, firmware, socketPath), { pipes: false });
    } catch (err) {
      throw new LinkError(`${name}: cannot start ${binary}: ${(err as Error).message}`, "IO", { cause: err });
    }
    const board = child;
    const gone = (): string | undefined => {
      const exit = board.exitStatus();
      return exit && `${binaryName} ${describeExit(exit, board.stderr(), WAITING_NOTICE)}`;
    };
    socket = await connectWhenListening(socketPath, name, gone, options.signal);
    const usart = socket;
    usart.on("error", () => undefined); // QEMU ending shows up through `gone`
    await waitForPing(usart, usart, {
      name,
      profile,
      timeoutMs: options.readyTimeoutMs ?? settings.readyTimeoutMs ?? DEFAULT_READY_MS.qemu,
      ...(options.signal ? { signal: options.signal } : {}),
      gone: () => gone() ?? (usart.destroyed ? "QEMU closed the serial socket" : undefined),
    });
    return new ProcessLink({
      name,
      input: usart,
      output: usart,
      stop: async () => {
        await board.stop();
        await rm(dir, { recursive: true, force: true });
      },
      exited: board.exited,
      ended: board.exited.then(() => (board.stopping ? new Promise<string>(() => undefined) : (gone() ?? `${binaryName} exited`))),
      pid: board.pid,
      readyMs: performance.now() - started,
    });
  } catch (err) {
    socket?.destroy();
    await child?.stop();
    await rm(dir, { recursive: true, force: true });
    if (err instanceof LinkError) throw err;
    throw new LinkError(`${name}: ${(err as Error).message}`, "IO", { cause: err });
  }
}

function qemuSettings(profile: BoardProfile, name: string): QemuSettings {
  if (profile.qemu === undefined) {
    throw new LinkError(`${name}: board ${profile.name} has no qemu section (machine, firmware) in its profile`, "BAD_SPEC");
  }
  return profile.qemu;
}

async function firmwareFor(spec: QemuSpec, profile: BoardProfile, settings: QemuSettings, name: string, options: QemuLinkOptions): Promise<string> {
  let firmware: string;
  if (spec.path !== undefined) {
    firmware = resolve(spec.path);
  } else {
    try {
      firmware = await ensureFirmware(profile, settings, stateDirectory(options.stateDir), options.onProgress);
    } catch (err) {
      if (err instanceof FirmwareBuildError) throw new LinkError(`${name}: ${err.message}`, "IO", { cause: err });
      throw err;
    }
  }
  if (!(await isFile(firmware))) {
    const hint = spec.path === undefined && settings.build !== undefined ? ` (build it: make -C firmware-shim ${settings.build})` : "";
    throw new LinkError(`${name}: firmware ${firmware} not found${hint}`, "NO_DEVICE");
  }
  return firmware;
}

/** Connects to QEMU's socket as soon as it listens; fails early when QEMU exits, or after a deadline. */
async function connectWhenListening(path: string, name: string, gone: () => string | undefined, signal: AbortSignal | undefined): Promise<net.Socket> {
  const deadline = performance.now() + CONNECT_TIMEOUT_MS;
  for (;;) {
    const why = gone();
    if (why !== undefined) throw new LinkError(`${name}: ${why}`, "IO");
    if (signal?.aborted) throw new LinkError(`${name}: aborted`, "ABORTED");
    const socket = await new Promise<net.Socket | undefined>((resolveConnect) => {
      const s = net.connect({ path });
      s.once("connect", () => {
        s.removeAllListeners("error");
        resolveConnect(s);
      });
      s.once("error", () => {
        s.destroy();
        resolveConnect(undefined);
      });
    });
    if (socket) return socket;
    if (performance.now() > deadline) throw new LinkError(`${name}: QEMU did not open its serial socket within ${CONNECT_TIMEOUT_MS} ms`, "TIMEOUT");
    await new Promise((r) => setTimeout(r, 25));
  }
}
