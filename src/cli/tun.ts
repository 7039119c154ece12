// hilftp tun: attaches a SLIP link to a Linux TUN device until SIGINT/SIGTERM, so ping, curl,
// lftp and Wireshark on the host reach the board. Prints one line once the device is up.
// The options are the other network commands' (LINK_OPTIONS, --board included) plus --dev; their
// values resolve against defaults the board profile supplies (resolveTunOptions). A board whose link
// is sim or qemu is started before the device comes up and stopped when it goes down.
import { parseArgs } from "node:util";
import { deviceLimits, type BoardProfile } from "../board/index.js";
import { faults, LinkError, openLink, parseLinkSpec, pcapTap, shape, SlipFraming, type FaultOptions, type FrameLink } from "../link/index.js";
import { FaultSpecError, parseFaults } from "../tunnel.js";
import { assertRoot, planTun, startTunBridge, TunError, type TunBridge } from "../tun/index.js";
import type { Command, CommandContext } from "./command.js";
import { cliLinkOptions, LINK_OPTIONS, linkBoard } from "./link-options.js";
import { emitEvent, whenStopped, writeJson } from "./output.js";
import { publishStats } from "./stats-registry.js";
import { UsageError } from "./url.js";

export const TUN_USAGE =
  "usage: hilftp tun --link SPEC|--board NAME [--dev NAME] [--mtu N] [--local-ip A --peer-ip B] [--local-ip6 A --peer-ip6 B] [--pcap FILE] [--faults drop=..,seed=..] [--baud N]";

// --ready-timeout is left out: tun does not ping the board itself (the kernel's traffic does).
const { "ready-timeout": _notForTun, ...TUN_LINK_OPTIONS } = LINK_OPTIONS;

export const TUN_ARGS = {
  ...TUN_LINK_OPTIONS,
  dev: { type: "string" },
} as const;

/** What parseArgs gives for TUN_ARGS: every value a string, absent when not on the command line. */
export type TunArgValues = { readonly [K in keyof typeof TUN_ARGS]?: string | undefined };

/** Defaults a board profile supplies; the command line overrides each. */
export interface TunProfileDefaults {
  readonly link?: string;
  readonly dev?: string;
  readonly mtu?: number;
  readonly baud?: number;
  readonly localIp?: string;
  readonly peerIp?: string;
  readonly localIp6?: string;
  readonly peerIp6?: string;
}

export interface TunCommandOptions {
  readonly link: string;
  /** The board the link starts (sim, qemu) or is sized for. */
  readonly board?: BoardProfile;
  readonly dev: string;
  readonly mtu: number;
  /** local = the host's address on the device, peer = the board's. */
  readonly ipv4?: { readonly local: string; readonly peer: string };
  readonly ipv6?: { readonly local: string; readonly peer: string };
  readonly pcap?: string;
  readonly faults?: FaultOptions;
  /** Emulate a UART at this baud on links that do not throttle. */
  readonly baud?: number;
}

export const TUN_DEFAULTS = { dev: "hil0", mtu: 1500, localIp: "198.51.100.1", peerIp: "198.51.100.2" } as const;

/**
 * Command line over profile over built-in defaults. The built-in IPv4 pair applies only when
 * neither the command line nor the profile names any address. Throws UsageError.
 */
export function resolveTunOptions(input: { values: TunArgValues; profileDefaults?: TunProfileDefaults }): TunCommandOptions {
  const v = input.values;
  const p = input.profileDefaults ?? {};
  const link = v.link ?? p.link;
  if (!link) throw new UsageError(TUN_USAGE);
  try {
    parseLinkSpec(link);
  } catch (err) {
    if (err instanceof LinkError) throw new UsageError(err.message);
    throw err;
  }
  const dev = v.dev ?? p.dev ?? TUN_DEFAULTS.dev;
  const mtu = v.mtu !== undefined ? integer("--mtu", v.mtu) : (p.mtu ?? TUN_DEFAULTS.mtu);
  const baud = v.baud !== undefined ? integer("--baud", v.baud) : p.baud;
  let local4 = v["local-ip"] ?? p.localIp;
  let peer4 = v["peer-ip"] ?? p.peerIp;
  const local6 = v["local-ip6"] ?? p.localIp6;
  const peer6 = v["peer-ip6"] ?? p.peerIp6;
  if ([local4, peer4, local6, peer6].every((a) => a === undefined)) {
    local4 = TUN_DEFAULTS.localIp;
    peer4 = TUN_DEFAULTS.peerIp;
  }
  if ((local4 === undefined) !== (peer4 === undefined)) throw new UsageError("give --local-ip and --peer-ip together");
  if ((local6 === undefined) !== (peer6 === undefined)) throw new UsageError("give --local-ip6 and --peer-ip6 together");
  try {
    planTun({ dev, mtu, hostIpv4: local4, peerIpv4: peer4, hostIpv6: local6, peerIpv6: peer6 });
  } catch (err) {
    if (err instanceof TunError) throw new UsageError(err.message);
    throw err;
  }
  let faultOptions: FaultOptions | undefined;
  if (v.faults !== undefined) {
    try {
      faultOptions = parseFaults(v.faults);
    } catch (err) {
      if (err instanceof FaultSpecError) throw new UsageError(err.message);
      throw err;
    }
  }
  return {
    link,
    dev,
    mtu,
    ...(local4 !== undefined && peer4 !== undefined ? { ipv4: { local: local4, peer: peer4 } } : {}),
    ...(local6 !== undefined && peer6 !== undefined ? { ipv6: { local: local6, peer: peer6 } } : {}),
    ...(v.pcap !== undefined ? { pcap: v.pcap } : {}),
    ...(faultOptions ? { faults: faultOptions } : {}),
    ...(baud !== undefined ? { baud } : {}),
  };
}

function integer(flag: string, text: string): number {
  const n = Number(text);
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(n) || n <= 0) throw new UsageError(`${flag} wants a positive integer, got ${JSON.stringify(text)}`);
  return n;
}

/** "198.51.100.1 -> 198.51.100.2, 2001:db8::1 -> 2001:db8::2" for what the device got. */
export function describeRoutes(bridge: Pick<TunBridge, "ipv4" | "ipv6">): string {
  const parts: string[] = [];
  if (bridge.ipv4) parts.push(`${bridge.ipv4.host} -> ${bridge.ipv4.peer}`);
  if (bridge.ipv6) parts.push(`${bridge.ipv6.host} -> ${bridge.ipv6.peer}`);
  return parts.join(", ");
}

/** What a profile supplies to resolveTunOptions: its link, MTU and addresses (IPv6 when its MTU allows). */
export function tunProfileDefaults(profile: BoardProfile, mtuOverride?: number): TunProfileDefaults {
  let limits = deviceLimits(profile);
  try {
    if (mtuOverride !== undefined) limits = deviceLimits(profile, { mtu: mtuOverride });
  } catch {
    // an unusable --mtu: resolveTunOptions says so as a usage error
  }
  const a = profile.addresses;
  return {
    link: profile.link.spec,
    mtu: profile.mtu,
    localIp: a.hostIpv4,
    peerIp: a.boardIpv4,
    ...(limits.ipv6 && a.hostIpv6 !== undefined && a.boardIpv6 !== undefined ? { localIp6: a.hostIpv6, peerIp6: a.boardIpv6 } : {}),
  };
}

async function run(args: string[], ctx: CommandContext): Promise<void> {
  const { values } = parseArgs({ args, options: TUN_ARGS });
  const board = await linkBoard(values);
  const mtu = values.mtu !== undefined && /^\d+$/.test(values.mtu) ? Number(values.mtu) : undefined;
  const options = resolveTunOptions({ values, ...(board ? { profileDefaults: tunProfileDefaults(board, mtu) } : {}) });
  await runTun(board ? { ...options, board } : options, ctx);
}

/** Opens the link, brings the device up, relays until SIGINT/SIGTERM (ctx.signal) or until the bridge ends. */
export async function runTun(options: TunCommandOptions, ctx: CommandContext): Promise<void> {
  assertRoot(); // before the link is opened: a listen kind would otherwise wait for nothing
  const signal = ctx.signal;
  try {
    const bytes = await openLink(options.link, {
      ...cliLinkOptions("hilftp tun", ctx),
      ...(options.board ? { board: options.board } : {}),
    });
    ctx.log(`* link ${options.link} open`);
    let link: FrameLink = new SlipFraming(bytes, { name: options.link, maxFrame: options.mtu + 64 });
    if (options.baud !== undefined) link = shape(link, { baud: options.baud });
    if (options.faults) link = faults(link, options.faults);
    if (options.pcap !== undefined) link = pcapTap(link, options.pcap);
    let bridge: TunBridge;
    try {
      bridge = await startTunBridge({
        link,
        dev: options.dev,
        mtu: options.mtu,
        ...(options.ipv4 ? { hostIpv4: options.ipv4.local, peerIpv4: options.ipv4.peer } : {}),
        ...(options.ipv6 ? { hostIpv6: options.ipv6.local, peerIpv6: options.ipv6.peer } : {}),
      });
    } catch (err) {
      await link.close();
      throw err;
    }
    if (bridge.ipv6Disabled) ctx.stderr.write(`hilftp tun: IPv6 off: ${bridge.ipv6Disabled}\n`);
    if (options.faults) ctx.stderr.write(`hilftp tun: faults seed ${options.faults.seed}\n`);
    const framed = link;
    const boardPid = (bytes as { pid?: unknown }).pid;
    const unpublish = await publishStats(
      {
        command: "tun",
        board: options.board?.name ?? options.link,
        link: options.link,
        ...(typeof boardPid === "number" ? { boardPid } : {}),
        snapshot: () => {
          const c = bridge.counters;
          return { linkStats: framed.stats, tun: { toLink: c.toLink, toKernel: c.toKernel, queueDrops: c.queueDrops, notIp: c.notIp } };
        },
      },
      ctx,
    );
    emitEvent(
      ctx,
      "up",
      { dev: bridge.dev, mtu: options.mtu, link: options.link, ...(bridge.ipv4 ? { ipv4: bridge.ipv4 } : {}), ...(bridge.ipv6 ? { ipv6: bridge.ipv6 } : {}) },
      `tun ${bridge.dev} up: ${describeRoutes(bridge)} via ${options.link}`,
    );
    const end = await Promise.race([bridge.ended, whenStopped(ctx).then(() => undefined)]);
    await unpublish();
    await bridge.close();
    const c = bridge.counters;
    if (ctx.json) {
      writeJson(ctx, { event: "stopped", dev: bridge.dev, toLink: c.toLink, toKernel: c.toKernel, queueDrops: c.queueDrops, notIp: c.notIp });
    } else {
      ctx.stderr.write(`hilftp tun: ${bridge.dev} down: ${c.toLink} packets to the link, ${c.toKernel} from it, ${c.queueDrops} dropped (link busy), ${c.notIp} not IP\n`);
    }
    if (end && end.cause !== "closed") throw new Error(end.message);
  } catch (err) {
    if (signal?.aborted && (err as { code?: string }).code === "ABORTED") return; // interrupted while waiting for the link
    throw err;
  }
}

export const tun: Command = {
  name: "tun",
  help: {
    summary: "attach the board's SLIP link to a TUN device (root), for ping, curl, lftp, Wireshark",
    usage: [TUN_USAGE.slice("usage: hilftp ".length)],
    options: [
      "  --dev NAME            the device (default hil0; MTU 1500 unless --mtu or the profile says)",
      "  prints \"tun hil0 up: 198.51.100.1 -> 198.51.100.2 via SPEC\" once it is up (--json: {\"event\":\"up\",...});",
      "  runs until Ctrl-C or SIGTERM; needs root (CAP_NET_ADMIN)",
    ],
    examples: [
      "sudo hilftp tun --link serial:/dev/ttyACM0@115200",
      "sudo hilftp tun --board native-sim --dev hil1",
      "sudo hilftp tun --link tcp:127.0.0.1:5555 --local-ip6 2001:db8::1 --peer-ip6 2001:db8::2 --pcap tun.pcap",
    ],
    shared: ["tunnel", "output"],
  },
  run,
};
