// hilftp serve: an FTP server on a directory until SIGINT/SIGTERM. Prints one line,
// "listening on ftp://HOST:PORT" (a JSON event with --json), once it accepts connections;
// --verbose logs sessions as timestamped lines on stderr.
import { stat } from "node:fs/promises";
import { parseArgs } from "node:util";
import { FtpServer } from "../ftp/server/index.js";
import { parseLinkSpec } from "../link/index.js";
import type { Command, CommandContext } from "./command.js";
import { commandNetwork, DEFAULT_READY_SECONDS, LINK_OPTIONS, waitForBoard, type CommandNetwork, type LinkFlags } from "./link-options.js";
import { emitEvent, whenStopped, writeJson } from "./output.js";
import { publishStats } from "./stats-registry.js";
import { UsageError } from "./url.js";

export function parseUsers(specs: readonly string[]): Record<string, string> {
  const users: Record<string, string> = {};
  for (const spec of specs) {
    const cut = spec.indexOf(":");
    if (cut <= 0) throw new UsageError(`--user wants NAME:PASSWORD, got ${JSON.stringify(spec)}`);
    users[spec.slice(0, cut)] = spec.slice(cut + 1);
  }
  return users;
}

export function parsePortRange(spec: string): { min: number; max: number } {
  const m = /^(\d+)-(\d+)$/.exec(spec);
  const min = Number(m?.[1]);
  const max = Number(m?.[2]);
  if (!m || min < 1024 || max > 65535 || min > max) throw new UsageError(`--pasv-ports wants A-B within 1024-65535, got ${spec}`);
  return { min, max };
}

export function urlHost(host: string): string {
  return host.includes(":") ? `[${host}]` : host;
}

const USAGE = "serve --root DIR [--host ADDR] [--port N] [--user NAME:PASSWORD]... [--anonymous] [--read-only] [--pasv-ports A-B] [--pasv-address ADDR] [--dialect rfc|netx] [--max-sessions N]";

async function run(args: string[], ctx: CommandContext): Promise<void> {
  const { values, positionals } = parseArgs({
    args,
    options: {
      root: { type: "string" },
      host: { type: "string" },
      port: { type: "string" },
      user: { type: "string", multiple: true, default: [] },
      anonymous: { type: "boolean", default: false },
      "read-only": { type: "boolean", default: false },
      "pasv-ports": { type: "string" },
      "pasv-address": { type: "string" },
      dialect: { type: "string", default: "rfc" },
      "max-sessions": { type: "string" },
      ...LINK_OPTIONS,
    },
  });
  if (!values.root || positionals.length > 0) throw new UsageError(`usage: hilftp ${USAGE}`);
  const info = await stat(values.root).catch(() => undefined);
  if (!info?.isDirectory()) throw new UsageError(`--root ${values.root}: not a directory`);
  const dialect = values.dialect;
  if (dialect !== "rfc" && dialect !== "netx") throw new UsageError(`--dialect wants rfc or netx, got ${dialect}`);
  const users = parseUsers(values.user);
  if (Object.keys(users).length === 0 && !values.anonymous) throw new UsageError("give at least one --user NAME:PASSWORD, or --anonymous");
  const maxSessions = values["max-sessions"] === undefined ? undefined : Number(values["max-sessions"]);
  if (maxSessions !== undefined && !(Number.isInteger(maxSessions) && maxSessions > 0)) throw new UsageError(`--max-sessions wants a positive whole number, got ${values["max-sessions"]}`);
  const requestedPort = values.port === undefined ? undefined : Number(values.port);
  if (requestedPort !== undefined && !(/^\d+$/.test(values.port!) && requestedPort <= 65535)) throw new UsageError(`--port wants 0-65535, got ${values.port}`);
  const pasvPorts = values["pasv-ports"] ? parsePortRange(values["pasv-ports"]) : undefined;
  // Take over SIGINT/SIGTERM before the "listening" line: a script may signal as soon as it sees it.
  const stop = ctx.signal;
  // The board this serves may still be booting: no wait for its ping before listening.
  const net = await commandNetwork(values, ctx, { waitReady: false });
  try {
    const tunnel = net.tunnel;
    // Over a tunnel the board dials the standard port on the host's link address.
    const port = requestedPort ?? (tunnel ? 21 : 2121);
    const host = values.host ?? (tunnel ? (tunnel.stack.addresses(6) ? "::" : "0.0.0.0") : "127.0.0.1");
    const server = new FtpServer({
      network: net.network,
      root: values.root,
      host,
      port,
      users,
      anonymous: values.anonymous,
      readOnly: values["read-only"],
      dialect,
      ...(pasvPorts ? { pasvPorts } : {}),
      ...(values["pasv-address"] ? { pasvAddress: values["pasv-address"] } : {}),
      ...(maxSessions !== undefined ? { maxSessions } : {}),
    });
    if (ctx.verbose) logSessions(server, ctx);
    const ep = await server.listen();
    const shown = tunnel ? (tunnel.stack.addresses(4)?.local ?? ep.address) : ep.address;
    const url = `ftp://${urlHost(shown)}:${ep.port}`;
    // Over a tunnel it owns a stack and a link worth watching; on host TCP there is nothing of ours to count.
    let unpublish = async (): Promise<void> => undefined;
    if (tunnel) {
      let opened = 0;
      server.on("session-open", () => opened++);
      const boardPid = (tunnel.bytes as { pid?: unknown }).pid;
      unpublish = await publishStats(
        {
          command: "serve",
          board: net.board?.name ?? tunnel.link.name,
          link: tunnel.link.name,
          ...(typeof boardPid === "number" ? { boardPid } : {}),
          snapshot: () => ({
            linkStats: tunnel.link.stats,
            stack: { counters: tunnel.stack.counters, tcp: tunnel.stack.tcpTotals },
            sessions: { total: opened, active: server.sessionCount },
          }),
        },
        ctx,
      );
    }
    emitEvent(ctx, "listening", { url, address: shown, port: ep.port, root: values.root }, `listening on ${url}`);
    if (tunnel) watchBoard(net, values, ctx);
    await whenStopped({ signal: stop });
    await unpublish();
    await server.close();
    ctx.log("* server closed");
    if (ctx.json) writeJson(ctx, { event: "stopped", url });
  } finally {
    await net.close();
  }
}

/** --verbose: each session's connect, login, transfers and close, as timestamped lines on stderr. */
function logSessions(server: FtpServer, ctx: CommandContext): void {
  server.on("session-open", (e) => ctx.log(`[${e.id}] connect from ${e.remote.address}:${e.remote.port}`));
  server.on("login", (e) => ctx.log(`[${e.id}] login ${e.user}`));
  server.on("login-failed", (e) => ctx.log(`[${e.id}] login failed for ${e.user}`));
  server.on("transfer-end", (e) => ctx.log(`[${e.id}] ${e.kind} ${e.path}: ${e.bytes} bytes in ${e.durationMs} ms${e.ok ? "" : ` (${e.failure})`}`));
  server.on("session-close", (e) => ctx.log(`[${e.id}] closed`));
  server.on("error", (e) => ctx.log(`[${e.id ?? "-"}] error: ${e.error.message}`));
}

/** Over a tunnel: whether the board answers ping, in the background; a silent board is a warning, since it may boot later. */
function watchBoard(net: CommandNetwork, flags: LinkFlags, ctx: CommandContext): void {
  const tunnel = net.tunnel!;
  const link = flags.link ?? net.board?.link.spec ?? "the link";
  const kind = parseLinkSpec(link).kind;
  if (kind === "sim" || kind === "qemu") return; // started and pinged already
  const seconds = flags["ready-timeout"] === undefined ? DEFAULT_READY_SECONDS : Number(flags["ready-timeout"]);
  if (!(seconds > 0)) return;
  waitForBoard(tunnel.stack, net.resolveHost("board"), link, seconds, ctx).catch((err: unknown) => {
    if (!ctx.signal?.aborted) ctx.stderr.write(`hilftp serve: warning: ${(err as Error).message}\n`);
  });
}

export const serve: Command = {
  name: "serve",
  help: {
    summary: "an FTP server on a directory, over host TCP or the tunnel, until Ctrl-C",
    usage: [USAGE],
    options: [
      "  --root DIR            the directory served (required)",
      "  --host ADDR           address to listen on (default 127.0.0.1; over a tunnel all of the link's)",
      "  --port N              port (default 2121; over a tunnel 21; 0 picks a free one)",
      "  --user NAME:PASSWORD  an account (repeatable)",
      "  --anonymous           allow anonymous login",
      "  --read-only           refuse every write",
      "  --pasv-ports A-B      passive data ports (1024-65535)",
      "  --pasv-address ADDR   address the PASV reply names (behind NAT)",
      "  --dialect rfc|netx    reply texts as RFC 959 servers or as NetX Duo write them (default rfc)",
      "  --max-sessions N      refuse sessions beyond N at once",
      "  prints \"listening on ftp://HOST:PORT\" once it accepts connections (--json: {\"event\":\"listening\",...})",
    ],
    examples: [
      "hilftp serve --root ./srv --user hil:hil",
      "hilftp serve --root ./srv --user hil:hil --board qemu-netduinoplus2 --verbose",
      "hilftp serve --root /tmp/pub --anonymous --read-only --host :: --port 2121 --json",
    ],
    shared: ["tunnel", "output"],
  },
  run,
};
