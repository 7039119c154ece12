// hilftp sim / hilftp qemu: start a board (the native target, or the firmware in QEMU) and keep it
// up until SIGINT/SIGTERM, its link served on a socket so that later commands, one after another,
// talk to the same running board with --link tcp:HOST:PORT (or unix:PATH). Prints one line once the
// board answers ping; exits 1 if the board stops on its own.
import { parseArgs } from "node:util";
import { DEFAULT_BOARD_FOR } from "../board/board-link.js";
import { loadProfile } from "../board/index.js";
import { LinkError, openLink, parseLinkSpec, type LinkSpec } from "../link/index.js";
import type { ProcessLink } from "../link/process-link.js";
import { cliLinkOptions } from "./link-options.js";
import { relayLink } from "./relay.js";
import { watchStopSignals } from "./signals.js";
import { UsageError } from "./url.js";

/** Without --listen: a free port on the loopback interface, printed in the "reachable at" line. */
const DEFAULT_LISTEN = { kind: "tcp", host: "127.0.0.1", port: 0 } as const;

export const BOARD_USAGE = {
  sim: "usage: hilftp sim [--board NAME|FILE.json] [--listen tcp:HOST:PORT|unix:PATH] [--firmware EXECUTABLE] [--state-dir DIR]",
  qemu: "usage: hilftp qemu [--board NAME|FILE.json] [--listen tcp:HOST:PORT|unix:PATH] [--firmware FILE.elf] [--qemu BINARY]",
} as const;

export function sim(args: string[]): Promise<void> {
  return runBoard("sim", args);
}

export function qemu(args: string[]): Promise<void> {
  return runBoard("qemu", args);
}

async function runBoard(kind: "sim" | "qemu", args: string[]): Promise<void> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      board: { type: "string" },
      listen: { type: "string" },
      firmware: { type: "string" },
      "state-dir": { type: "string" },
      ...(kind === "qemu" ? { qemu: { type: "string" } } : {}),
    },
  });
  if (positionals.length > 0) throw new UsageError(BOARD_USAGE[kind]);
  const listen = values.listen === undefined ? DEFAULT_LISTEN : listenSpec(values.listen);
  const board = await loadProfile(values.board ?? DEFAULT_BOARD_FOR[kind]);
  const spec: LinkSpec = values.firmware !== undefined ? { kind, path: values.firmware } : { kind };
  const qemuBinary = (values as { qemu?: string }).qemu;

  const stop = watchStopSignals();
  try {
    let link: ProcessLink;
    try {
      link = (await openLink(spec, {
        ...cliLinkOptions(`hilftp ${kind}`),
        board,
        signal: stop.signal,
        ...(values["state-dir"] !== undefined ? { stateDir: values["state-dir"] } : {}),
        ...(qemuBinary !== undefined ? { qemuBinary } : {}),
      })) as ProcessLink;
    } catch (err) {
      if (stop.signalled && err instanceof LinkError && err.code === "ABORTED") return;
      throw err;
    }
    let failure: Error | undefined;
    const ended = new Promise<void>((resolve) => {
      link.once("error", (err: Error) => (failure = err));
      link.once("close", () => resolve());
    });
    let relay;
    try {
      relay = await relayLink(link, listen);
    } catch (err) {
      link.destroy();
      await ended;
      throw new Error(`--listen ${values.listen ?? "tcp:127.0.0.1:0"}: ${(err as Error).message}`);
    }
    process.stdout.write(
      `${kind} ${board.name} up (pid ${link.pid}, answered ping after ${Math.round(link.readyMs)} ms): reachable at ${relay.address}\n`,
    );
    await Promise.race([ended, stop.stopped]);
    await relay.close();
    link.destroy();
    await ended;
    process.stderr.write(`hilftp ${kind}: ${board.name} stopped after ${relay.served} host session(s)\n`);
    if (!stop.signalled) throw failure ?? new Error(`${board.name}: the board stopped`);
  } finally {
    stop.dispose();
  }
}

/** tcp:HOST:PORT or unix:PATH (the -listen spellings too, which also allow port 0). */
function listenSpec(text: string): Extract<LinkSpec, { kind: "tcp" | "unix" }> {
  let spec: LinkSpec;
  try {
    spec = parseLinkSpec(text);
  } catch (err) {
    throw new UsageError(`--listen: ${(err as Error).message}`);
  }
  switch (spec.kind) {
    case "tcp":
    case "tcp-listen":
      return { kind: "tcp", host: spec.host, port: spec.port };
    case "unix":
    case "unix-listen":
      return { kind: "unix", path: spec.path };
    default:
      throw new UsageError(`--listen wants tcp:HOST:PORT or unix:PATH, got ${text}`);
  }
}
