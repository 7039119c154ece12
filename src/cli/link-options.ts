// The options every network command shares for running over the SLIP tunnel instead of host
// TCP: --board, --link, --mtu, --local-ip/--peer-ip (and IPv6), --pcap, --baud, --faults.
// Without --board or --link the command uses the host's TCP/IP. A board whose profile's link is
// `sim` or `qemu` is started by the link (built if needed) and stopped when the command ends.
import { DEFAULT_BOARD_FOR } from "../board/board-link.js";
import { loadProfile, type BoardProfile } from "../board/index.js";
import { parseLinkSpec, type OpenLinkOptions } from "../link/index.js";
import { HostNetwork, type Network } from "../network.js";
import { openTunnel, parseFaults, tunnelOptions, type Tunnel } from "../tunnel.js";
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
}

export interface CommandNetwork {
  readonly network: Network;
  /** The tunnel, when the command runs over one. */
  readonly tunnel: Tunnel | undefined;
  readonly board: BoardProfile | undefined;
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

/** openLink options for a CLI: build notes and later link failures as lines on stderr. */
export function cliLinkOptions(prefix = "hilftp"): OpenLinkOptions {
  return { onProgress: (line) => process.stderr.write(`${prefix}: ${line}\n`) };
}

export async function commandNetwork(flags: LinkFlags): Promise<CommandNetwork> {
  const tunnelFlags = [flags.mtu, flags["local-ip"], flags["peer-ip"], flags.pcap, flags.baud, flags.faults].some((v) => v !== undefined);
  if (flags.board === undefined && flags.link === undefined) {
    if (tunnelFlags) throw new UsageError("--mtu, --pcap, --baud, --faults and the address options need --board or --link");
    return { network: new HostNetwork(), tunnel: undefined, board: undefined, close: async () => undefined, resolveHost: (h) => h };
  }
  const board = await linkBoard(flags);
  const options = tunnelOptions(board, {
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
  if (options.faults) process.stderr.write(`faults: seed ${options.faults.seed} (add seed=${options.faults.seed} to replay)\n`);
  const tunnel = await openTunnel({
    ...options,
    linkOptions: cliLinkOptions(),
    onLinkError: (err) => process.stderr.write(`hilftp: ${err.message}\n`),
  });
  return {
    network: tunnel.network,
    tunnel,
    board,
    close: () => tunnel.close(),
    resolveHost: (h) => (h === "board" ? options.ipv4!.peer : h),
  };
}
