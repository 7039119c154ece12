// hilftp sim / hilftp qemu: start a board (the native target, or the firmware in QEMU) and keep it
// up until SIGINT/SIGTERM, its link served on a socket so that later commands, one after another,
// talk to the same running board with --link tcp:HOST:PORT (or unix:PATH). Prints one line (a JSON
// event with --json) once the board answers ping; exits 1 if the board stops on its own.
import { parseArgs } from "node:util";
import { DEFAULT_BOARD_FOR } from "../board/board-link.js";
import { loadProfile } from "../board/index.js";
import { LinkError, openLink, parseLinkSpec, type LinkSpec } from "../link/index.js";
import type { ProcessLink } from "../link/process-link.js";
import type { Command, CommandContext } from "./command.js";
import { cliLinkOptions } from "./link-options.js";
import { emitEvent, whenStopped, writeJson } from "./output.js";
import { relayLink } from "./relay.js";
import { publishStats } from "./stats-registry.js";
import { UsageError } from "./url.js";

/** Without --listen: a free port on the loopback interface, printed in the "reachable at" line. */
const DEFAULT_LISTEN = { kind: "tcp", host: "127.0.0.1", port: 0 } as const;

export const BOARD_USAGE = {
  sim: "usage: hilftp sim [--board NAME|FILE.json] [--listen tcp:HOST:PORT|unix:PATH] [--firmware EXECUTABLE] [--state-dir DIR]",
  qemu: "usage: hilftp qemu [--board NAME|FILE.json] [--listen tcp:HOST:PORT|unix:PATH] [--firmware FILE.elf] [--qemu BINARY]",
} as const;

async function runBoard(kind: "sim" | "qemu", args: string[], ctx: CommandContext): Promise<void> {
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
  const signal = ctx.signal;

  let link: ProcessLink;
  try {
    ctx.log(`* starting ${board.name} (${kind})`);
    link = (await openLink(spec, {
      ...cliLinkOptions(`hilftp ${kind}`, ctx),
      board,
      ...(values["state-dir"] !== undefined ? { stateDir: values["state-dir"] } : {}),
      ...(qemuBinary !== undefined ? { qemuBinary } : {}),
    })) as ProcessLink;
  } catch (err) {
    if (signal?.aborted && err instanceof LinkError && err.code === "ABORTED") return; // stopped while it booted
    throw err;
  }
  ctx.log(`* ${board.name} answered ping after ${Math.round(link.readyMs)} ms (pid ${link.pid})`);
  let failure: Error | undefined;
  const ended = new Promise<void>((resolve) => {
    link.once("error", (err: Error) => (failure = err));
    link.once("close", () => resolve());
  });
  let relay;
  try {
    relay = await relayLink(link, listen, { onHost: (event, n) => ctx.log(`* host session ${n} ${event}`) });
  } catch (err) {
    link.destroy();
    await ended;
    throw new Error(`--listen ${values.listen ?? "tcp:127.0.0.1:0"}: ${(err as Error).message}`);
  }
  // Published before the "reachable" line, so a script that waits for that line finds it in hilftp stats.
  const relayed = relay;
  const unpublish = await publishStats(
    { command: kind, board: board.name, link: relay.address, boardPid: link.pid, snapshot: () => ({ linkStats: relayed.stats }) },
    ctx,
  );
  emitEvent(
    ctx,
    "reachable",
    { kind, board: board.name, pid: link.pid, readyMs: Math.round(link.readyMs), link: relay.address },
    `${kind} ${board.name} up (pid ${link.pid}, answered ping after ${Math.round(link.readyMs)} ms): reachable at ${relay.address}`,
  );
  await Promise.race([ended, whenStopped(ctx)]);
  await unpublish();
  await relay.close();
  link.destroy();
  await ended;
  // On its own the board's end is the error main() reports; asked to stop, it is an event.
  if (!signal?.aborted) throw failure ?? new Error(`${board.name}: the board stopped`);
  if (ctx.json) writeJson(ctx, { event: "stopped", kind, board: board.name, sessions: relay.served });
  else ctx.stderr.write(`hilftp ${kind}: ${board.name} stopped after ${relay.served} host session(s)\n`);
}

const SHARED_BOARD_OPTIONS = [
  "  --board NAME|FILE.json  the profile to start (hilftp boards lists them)",
  "  --listen SPEC         where later commands reach the board's link: tcp:HOST:PORT or unix:PATH",
  "                        (default tcp:127.0.0.1:0, a free port, printed)",
] as const;

export const sim: Command = {
  name: "sim",
  help: {
    summary: "start the native target (default native-sim) and serve its link until Ctrl-C",
    usage: [BOARD_USAGE.sim.slice("usage: hilftp ".length)],
    options: [
      ...SHARED_BOARD_OPTIONS,
      "  --firmware EXECUTABLE a prebuilt native target (default: the profile's, built if needed)",
      "  --state-dir DIR       where the board keeps its fs image (default $HILFTP_STATE_DIR, ~/.local/state/hilftp)",
      "  prints \"sim BOARD up (...): reachable at SPEC\" once it answers ping (--json: {\"event\":\"reachable\",...})",
    ],
    examples: ["hilftp sim --listen tcp:127.0.0.1:5555", "hilftp sim --board native-sim --listen unix:/tmp/board.sock --json"],
    shared: ["output"],
  },
  run: (args, ctx) => runBoard("sim", args, ctx),
};

export const qemu: Command = {
  name: "qemu",
  help: {
    summary: "start the board in QEMU (default qemu-netduinoplus2) and serve its link until Ctrl-C",
    usage: [BOARD_USAGE.qemu.slice("usage: hilftp ".length)],
    options: [
      ...SHARED_BOARD_OPTIONS,
      "  --firmware FILE.elf   a prebuilt firmware image (default: the profile's, built if needed)",
      "  --qemu BINARY         the emulator (default $HILFTP_QEMU, the profile's, qemu-system-arm on PATH)",
      "  prints \"qemu BOARD up (...): reachable at SPEC\" once it answers ping (--json: {\"event\":\"reachable\",...})",
    ],
    examples: [
      "hilftp qemu --board qemu-netduinoplus2 --listen tcp:127.0.0.1:5555",
      "hilftp qemu --listen tcp:127.0.0.1:5555 & hilftp ls ftp://board/ --board qemu-netduinoplus2 --link tcp:127.0.0.1:5555",
    ],
    shared: ["output"],
  },
  run: (args, ctx) => runBoard("qemu", args, ctx),
};

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
