// The options every network command shares for running over the SLIP tunnel instead of host
// TCP: --board, --link, --mtu, --local-ip/--peer-ip (and IPv6), --pcap, --baud, --faults,
// --ready-timeout (how long to wait for the board to answer ping before giving up on it).
// Without --board or --link the command uses the host's TCP/IP. A board whose profile's link is
// `sim` or `qemu` is started by the link (built if needed) and stopped when the command ends.
import { DEFAULT_BOARD_FOR } from "../board/board-link.js";
import { loadProfile, type BoardProfile } from "../board/index.js";
import { parseLinkSpec, type LinkStats, type OpenLinkOptions } from "../link/index.js";
import { HostNetwork, type Network } from "../network.js";
import type { Stack } from "../net/stack.js";
import { openTunnel, parseFaults, tunnelOptions, type Tunnel, type TunnelOptions } from "../tunnel.js";
import type { CommandContext } from "./command.js";
import { boardSilent, CliError, EXIT } from "./errors.js";
import { UsageError } from "./url.js";

export const LINK_OPTIONS = {
  board: { type: "string" },
  link: { type: "string" },
  mtu: { type: "string" },
  "local-ip": { type: "string" },
  "peer-ip": { type: "string" },
  "local-ip6": { type: "string" },
  "peer-ip6": { type: "string" },
  pcap: { type: "string" },
  baud: { type: "string" },
  faults: { type: "string" },
  "ready-timeout": { type: "string" },
} as const;

export interface LinkFlags {
  board?: string;
  link?: string;
  mtu?: string;
  "local-ip"?: string;
  "peer-ip"?: string;
  "local-ip6"?: string;
  "peer-ip6"?: string;
  pcap?: string;
  baud?: string;
  faults?: string;
  "ready-timeout"?: string;
}

export interface CommandNetwork {
  readonly network: Network;
  /** The tunnel, when the command runs over one. */
  readonly tunnel: Tunnel | undefined;
  readonly board: BoardProfile | undefined;
  /** The baud the line is limited to (--baud, or a serial link's), for judging a transfer against it. */
  readonly lineBaud?: number | undefined;
  close(): Promise<void>;
  /** "board" in a URL means the board's address on the link. */
  resolveHost(host: string): string;
}

function intFlag(name: string, value: string | undefined, min: number, max: number): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min || n > max) throw new UsageError(`--${name} wants a whole number from ${min} to ${max}, got ${value}`);
  return n;
}

/**
 * The profile a command runs against: --board, else for a bare `--link sim`/`--link qemu` the
 * board those kinds start by default (so the host stack is sized for it), else none.
 */
export async function linkBoard(flags: Pick<LinkFlags, "board" | "link">): Promise<BoardProfile | undefined> {
  if (flags.board !== undefined) return loadProfile(flags.board);
  if (flags.link === undefined) return undefined;
  let kind: string;
  try {
    kind = parseLinkSpec(flags.link).kind;
  } catch {
    return undefined; // openLink reports the bad spec
  }
  return kind === "sim" || kind === "qemu" ? loadProfile(DEFAULT_BOARD_FOR[kind]) : undefined;
}

/**
 * openLink options for a CLI: build notes ("built firmware-shim/... (make native, 2.1 s)") on stderr,
 * where a person waiting for a long build sees them, and through ctx.log too when verbose.
 */
export function cliLinkOptions(prefix = "hilftp", ctx?: CommandContext): OpenLinkOptions {
  return {
    onProgress: (line) => (ctx?.verbose ? ctx.log(`* ${line}`) : process.stderr.write(`${prefix}: ${line}\n`)),
    ...(ctx?.signal ? { signal: ctx.signal } : {}),
  };
}

export interface CommandNetworkOptions {
  /**
   * Ping the board until it answers (--ready-timeout, default 10 s) before handing out the network,
   * so a silent board is one clear error instead of an FTP timeout later. Default true; serve
   * turns it off (the board it serves may boot later). sim and qemu links have waited already.
   */
  readonly waitReady?: boolean;
}

export const DEFAULT_READY_SECONDS = 10;

export async function commandNetwork(flags: LinkFlags, ctx?: CommandContext, use: CommandNetworkOptions = {}): Promise<CommandNetwork> {
  const tunnelFlags = [flags.mtu, flags["local-ip"], flags["peer-ip"], flags.pcap, flags.baud, flags.faults, flags["ready-timeout"]].some((v) => v !== undefined);
  if (flags.board === undefined && flags.link === undefined) {
    if (tunnelFlags) throw new UsageError("--mtu, --pcap, --baud, --faults, --ready-timeout and the address options need --board or --link");
    return { network: new HostNetwork(), tunnel: undefined, board: undefined, close: async () => undefined, resolveHost: (h) => h };
  }
  const readySeconds = flags["ready-timeout"] === undefined ? DEFAULT_READY_SECONDS : secondsFlag("ready-timeout", flags["ready-timeout"]);
  const board = await linkBoard(flags);
  let options: TunnelOptions;
  try {
    options = tunnelOptions(board, {
      ...(flags.link !== undefined ? { link: flags.link } : {}),
      ...(flags.mtu !== undefined ? { mtu: intFlag("mtu", flags.mtu, 68, 65535)! } : {}),
      ...(flags["local-ip"] !== undefined ? { localIp: flags["local-ip"] } : {}),
      ...(flags["peer-ip"] !== undefined ? { peerIp: flags["peer-ip"] } : {}),
      ...(flags["local-ip6"] !== undefined ? { localIp6: flags["local-ip6"] } : {}),
      ...(flags["peer-ip6"] !== undefined ? { peerIp6: flags["peer-ip6"] } : {}),
      ...(flags.pcap !== undefined ? { pcap: flags.pcap } : {}),
      ...(flags.baud !== undefined ? { baud: intFlag("baud", flags.baud, 50, 100_000_000)! } : {}),
      ...(flags.faults !== undefined ? { faults: parseFaults(flags.faults) } : {}),
    });
  } catch (err) {
    // deviceLimits() refuses an --mtu the profile cannot take with a RangeError naming the flag
    if (err instanceof RangeError) throw new UsageError(err.message);
    throw err;
  }
  if (options.faults) process.stderr.write(`faults: seed ${options.faults.seed} (add seed=${options.faults.seed} to replay)\n`);
  const kind = parseLinkSpec(options.link).kind;
  const tunnel = await openTunnel({
    ...options,
    linkOptions: cliLinkOptions("hilftp", ctx),
    // The command's own error says what broke; this is the moment it broke, for -v.
    onLinkError: (err) => (ctx ? ctx.log(`* link error: ${err.message}`) : process.stderr.write(`hilftp: ${err.message}\n`)),
  });
  const peer = options.ipv4?.peer ?? options.ipv6?.peer ?? "";
  ctx?.log(
    `* link ${options.link} open: MTU ${options.mtu}, host ${[options.ipv4?.local, options.ipv6?.local].filter(Boolean).join(" ")}, board ${[options.ipv4?.peer, options.ipv6?.peer].filter(Boolean).join(" ")}${options.baud ? `, shaped to ${options.baud} baud` : ""}`,
  );
  if (use.waitReady !== false && kind !== "sim" && kind !== "qemu" && readySeconds > 0) {
    try {
      await waitForBoard(tunnel.stack, peer, options.link, readySeconds, ctx);
    } catch (err) {
      await tunnel.close();
      throw err;
    }
  }
  return {
    network: tunnel.network,
    tunnel,
    board,
    lineBaud: lineBaud(options.link, options.baud),
    close: () => tunnel.close(),
    resolveHost: (h) => (h === "board" ? peer : h),
  };
}

/** The baud a transfer over this link is bounded by: --baud, or a serial port's own; none for sockets and process links. */
function lineBaud(link: string, shaped: number | undefined): number | undefined {
  if (shaped !== undefined) return shaped;
  const spec = parseLinkSpec(link);
  return spec.kind === "serial" ? spec.baud : undefined;
}

/** The first wait for an echo reply; each later one waits twice as long, up to MAX_PING_WAIT_MS. */
const FIRST_PING_WAIT_MS = 200;
const MAX_PING_WAIT_MS = 1000;

/**
 * Echo requests to the board until one is answered or `seconds` pass; throws the board-silent
 * error naming how many pings went where for how long. Bounded by the deadline (and ctx.signal).
 */
export async function waitForBoard(stack: Stack, address: string, link: string, seconds: number, ctx?: CommandContext): Promise<number> {
  const started = performance.now();
  const deadline = started + seconds * 1000;
  let wait = FIRST_PING_WAIT_MS;
  let pings = 0;
  while (performance.now() < deadline) {
    if (ctx?.signal?.aborted) throw new CliError("interrupted", "interrupted", EXIT.interrupted);
    pings++;
    try {
      const rtt = await stack.ping(address, { size: 16, timeoutMs: Math.max(1, Math.min(wait, deadline - performance.now())) });
      ctx?.log(`* board ${address} answered ping ${pings} after ${(performance.now() - started).toFixed(0)} ms (rtt ${rtt.toFixed(1)} ms)`);
      return rtt;
    } catch (err) {
      if ((err as { code?: string }).code === "EADDRNOTAVAIL") throw new UsageError(`${address}: ${(err as Error).message}`);
      ctx?.log(`* ping ${pings} to ${address}: no answer within ${wait} ms`);
      wait = Math.min(2 * wait, MAX_PING_WAIT_MS);
    }
  }
  throw boardSilent({ pings, address, link, seconds: (performance.now() - started) / 1000 });
}

function secondsFlag(name: string, value: string): number {
  const n = Number(value);
  if (value.trim() === "" || !Number.isFinite(n) || n < 0 || n > 3600) throw new UsageError(`--${name} wants seconds from 0 to 3600, got ${value}`);
  return n;
}

/** The line a transfer over `net` is limited by, for the progress bar and summary; none over host TCP or an unshaped socket. */
export function meteredLine(net: CommandNetwork): { stats: () => LinkStats; baud: number } | undefined {
  const tunnel = net.tunnel;
  if (!tunnel || net.lineBaud === undefined) return undefined;
  return { stats: () => tunnel.link.stats, baud: net.lineBaud };
}
