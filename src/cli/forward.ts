// hilftp forward: the board's FTP server on a local TCP port, so any host FTP client (lftp, curl,
// FileZilla) reaches the board through the tunnel without root (no TUN device). Runs until
// SIGINT/SIGTERM (ctx.signal), then ends the sessions and closes the tunnel (which stops a sim/qemu board).
// The relaying itself is src/forward; this is the command line around it.
import { parseArgs } from "node:util";
import { startForward, type ForwardEvent } from "../forward/index.js";
import type { Command, CommandContext } from "./command.js";
import { CliError, EXIT } from "./errors.js";
import { commandNetwork, LINK_OPTIONS } from "./link-options.js";
import { emitEvent, whenStopped, writeJson } from "./output.js";
import { urlHost } from "./serve.js";
import { watchStopSignals } from "./signals.js";
import { publishStats } from "./stats-registry.js";
import { UsageError } from "./url.js";

export const DEFAULT_LISTEN = "127.0.0.1:2121";

const USAGE = "usage: hilftp forward --board NAME [--link SPEC] [--listen HOST:PORT]";

/** "HOST:PORT", "[IPV6]:PORT" or a bare "PORT" (loopback); port 0 picks a free one. */
export function parseListen(text: string): { host: string; port: number } {
  let host = "127.0.0.1";
  let portText = text;
  const bracket = /^\[([^\]]+)\]:(\d+)$/.exec(text);
  if (bracket) {
    host = bracket[1]!;
    portText = bracket[2]!;
  } else if (text.includes(":")) {
    const cut = text.lastIndexOf(":");
    host = text.slice(0, cut);
    portText = text.slice(cut + 1);
    if (host.includes(":")) throw new UsageError(`--listen: write an IPv6 address in brackets, e.g. [::1]:2121, got ${text}`);
  }
  const port = Number(portText);
  if (host === "" || !/^\d+$/.test(portText) || port > 65535) throw new UsageError(`--listen wants HOST:PORT (port 0-65535), got ${text}`);
  return { host, port };
}

/** A session event as a verbose line ("[2] > RETR a.bin", "[2] < 229 ... (rewritten)"). */
export function describeEvent(e: ForwardEvent): string {
  const p = `[${e.id}]`;
  switch (e.type) {
    case "session-open":
      return `${p} client ${urlHost(e.client.address)}:${e.client.port} connected`;
    case "board-connected":
      return `${p} board session open (host port ${e.board.port})`;
    case "command":
      return `${p} > ${e.line}${e.local ? "   (answered here, not sent to the board)" : ""}`;
    case "reply":
      return `${p} < ${e.line}${e.rewritten ? "   (rewritten: the forwarder's data port)" : ""}`;
    case "note":
      return `${p} * ${e.text}`;
    case "data":
      return `${p} data${e.command ? ` for ${e.command}` : ""}: ${e.toClient} bytes to the client, ${e.toBoard} to the board in ${e.ms} ms${e.failure ? ` (${e.failure})` : ""}`;
    case "session-close":
      return `${p} closed: ${e.reason} after ${(e.ms / 1000).toFixed(1)} s`;
  }
}

async function run(args: string[], ctx: CommandContext): Promise<void> {
  const { values, positionals } = parseArgs({ args, allowPositionals: true, options: { listen: { type: "string" }, ...LINK_OPTIONS } });
  if (positionals.length > 0) throw new UsageError(`unexpected ${positionals.join(" ")}; ${USAGE}`);
  if (values.board === undefined && values.link === undefined) throw new UsageError(`forward needs the board: --board NAME (and --link SPEC when its profile has none); ${USAGE}`);
  const listen = parseListen(values.listen ?? DEFAULT_LISTEN);

  // main() hands every command SIGINT/SIGTERM as ctx.signal; run on its own (a test, a library
  // user) the command watches them itself.
  const own = ctx.signal ? undefined : watchStopSignals();
  const signal = ctx.signal ?? own!.signal;
  const stopped = whenStopped({ signal });
  try {
    const net = await commandNetwork(values, ctx);
    try {
      const tunnel = net.tunnel!;
      const boardHost = net.resolveHost("board");
      const boardPort = net.board?.ftp.port ?? 21;
      let linkFailure: Error | undefined;
      tunnel.link.once("error", (err: Error) => (linkFailure = err));
      const linkClosed = new Promise<void>((resolve) => tunnel.link.once("close", () => resolve()));
      const forwarder = await startForward({
        board: net.network,
        boardHost,
        boardPort,
        listenHost: listen.host,
        listenPort: listen.port,
        onEvent: (e) => {
          if (!ctx.json) ctx.log(describeEvent(e));
          else if (ctx.verbose || (e.type !== "command" && e.type !== "reply")) {
            const { type, ...fields } = e;
            writeJson(ctx, { event: type, ...fields });
          }
        },
      });
      const url = `ftp://${urlHost(forwarder.local.address)}:${forwarder.local.port}`;
      const name = net.board?.name ?? tunnel.link.name;
      const pid = (tunnel.bytes as { pid?: unknown }).pid;
      const stack = tunnel.stack;
      const unpublish = await publishStats(
        {
          command: "forward",
          board: name,
          link: tunnel.link.name,
          ...(typeof pid === "number" ? { boardPid: pid } : {}),
          snapshot: () => ({
            linkStats: tunnel.link.stats,
            stack: { counters: stack.counters, tcp: stack.tcpTotals },
            sessions: { total: forwarder.sessions },
          }),
        },
        ctx,
      );
      emitEvent(
        ctx,
        "listening",
        {
          url,
          listen: { address: forwarder.local.address, port: forwarder.local.port },
          board: { name, address: boardHost, port: boardPort, ...(typeof pid === "number" ? { pid } : {}) },
        },
        `forwarding ${url} -> board ${urlHost(boardHost)}:${boardPort} (${name})`,
      );
      await Promise.race([stopped, linkClosed]);
      await unpublish();
      await forwarder.close();
      const sessions = forwarder.sessions;
      if (!signal.aborted) {
        const why = linkFailure ? linkFailure.message : "the board stopped?";
        throw new CliError(`the link to ${name} closed (${why}) after ${sessions} session(s)`, "board-stopped", EXIT.unreachable);
      }
      if (ctx.json) writeJson(ctx, { event: "stopped", sessions });
      else ctx.stderr.write(`hilftp forward: stopped after ${sessions} session(s)\n`);
    } finally {
      await net.close();
    }
  } finally {
    own?.dispose();
  }
}

export const forward: Command = {
  name: "forward",
  help: {
    summary: "expose the board's FTP server on a local port for any FTP client (curl, lftp, FileZilla)",
    usage: ["forward --board NAME [--link SPEC] [--listen HOST:PORT]"],
    options: [
      `  --listen HOST:PORT    where host FTP clients connect (default ${DEFAULT_LISTEN}; port 0: a free one,`,
      "                        printed; [::1]:PORT for IPv6). Passive mode only: PASV/EPSV replies name",
      "                        this address, PORT/EPRT get 502. No root needed (no TUN device)",
    ],
    examples: [
      "hilftp forward --board native-sim",
      "hilftp forward --board qemu-netduinoplus2 --listen 127.0.0.1:0",
      "hilftp forward --board template-netx-stm32f7 --link serial:/dev/ttyACM0@115200 -v",
    ],
    shared: ["tunnel", "output"],
  },
  run,
};
