// The command lines the bridge runs, built as argv arrays from validated options: socat owning
// the TUN (Node has no ioctl for TUNSETIFF) and the `ip` calls that give the device its MTU,
// addresses and routes. Pure: no I/O, so what the bridge asks of the kernel is testable.
import { isIPv4, isIPv6 } from "node:net";
import { TunError } from "./errors.js";

/** RFC 8200: IPv6 needs a link MTU of at least 1280. */
export const IPV6_MIN_MTU = 1280;
/** RFC 791: every IPv4 host must take 68-byte datagrams. */
export const IPV4_MIN_MTU = 68;
/** Largest MTU a TUN device takes (the IP total-length field). */
export const MAX_MTU = 65535;

export interface AddressPair {
  /** The host's address on the TUN device. */
  readonly host: string;
  /** The address at the far end of the link (the board). */
  readonly peer: string;
}

export interface TunPlan {
  readonly dev: string;
  readonly mtu: number;
  readonly ipv4: AddressPair | undefined;
  /** Undefined when not asked for, or when the MTU is too small (see ipv6Disabled). */
  readonly ipv6: AddressPair | undefined;
  readonly ipv6Disabled: string | undefined;
}

export interface TunPlanInput {
  readonly dev: string;
  readonly mtu: number;
  readonly hostIpv4?: string | undefined;
  readonly peerIpv4?: string | undefined;
  readonly hostIpv6?: string | undefined;
  readonly peerIpv6?: string | undefined;
}

// socat splits its address arguments on ',', ':' and '!', and Linux allows 15 bytes (IFNAMSIZ - 1).
const DEV_NAME = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,14}$/;

/** Checks the options and decides what the device gets; throws TunError (BAD_OPTION). */
export function planTun(input: TunPlanInput): TunPlan {
  if (!DEV_NAME.test(input.dev)) {
    throw new TunError(`device name ${JSON.stringify(input.dev)}: want 1-15 letters, digits, '_', '.' or '-'`, "BAD_OPTION");
  }
  if (!Number.isInteger(input.mtu) || input.mtu < IPV4_MIN_MTU || input.mtu > MAX_MTU) {
    throw new TunError(`MTU ${input.mtu}: want an integer from ${IPV4_MIN_MTU} to ${MAX_MTU}`, "BAD_OPTION");
  }
  const ipv4 = pair(4, input.hostIpv4, input.peerIpv4);
  let ipv6 = pair(6, input.hostIpv6, input.peerIpv6);
  if (!ipv4 && !ipv6) throw new TunError("the TUN device needs an IPv4 or an IPv6 address pair", "BAD_OPTION");
  let ipv6Disabled: string | undefined;
  if (ipv6 && input.mtu < IPV6_MIN_MTU) {
    ipv6Disabled = `IPv6 needs an MTU of at least ${IPV6_MIN_MTU} (RFC 8200); this link has ${input.mtu}`;
    ipv6 = undefined;
  }
  if (!ipv4 && !ipv6) throw new TunError(`${ipv6Disabled}, and no IPv4 pair was given`, "BAD_OPTION");
  return { dev: input.dev, mtu: input.mtu, ipv4, ipv6, ipv6Disabled };
}

function pair(family: 4 | 6, host: string | undefined, peer: string | undefined): AddressPair | undefined {
  if (host === undefined && peer === undefined) return undefined;
  const check = family === 4 ? isIPv4 : isIPv6;
  const what = `IPv${family}`;
  if (host === undefined || peer === undefined) throw new TunError(`give both the host and the peer ${what} address`, "BAD_OPTION");
  if (!check(host)) throw new TunError(`not an ${what} address: ${host}`, "BAD_OPTION");
  if (!check(peer)) throw new TunError(`not an ${what} address: ${peer}`, "BAD_OPTION");
  if (host === peer) throw new TunError(`host and peer ${what} address are the same: ${host}`, "BAD_OPTION");
  return { host, peer };
}

/**
 * socat's arguments: the TUN (no packet-info header, so each read is one bare IP packet) relayed
 * as one UDP datagram per packet to `ourPort`, from `socatPort`. UDP-DATAGRAM, not UDP: with UDP
 * socat exits on the first ECONNREFUSED.
 */
export function socatArgs(plan: TunPlan, ourPort: number, socatPort: number): string[] {
  const address = plan.ipv4 ? `TUN:${plan.ipv4.host}/32` : "TUN";
  return [
    // one read must hold a whole packet
    "-b", String(Math.max(8192, plan.mtu + 64)),
    `${address},tun-name=${plan.dev},tun-type=tun,iff-no-pi,iff-up`,
    `UDP-DATAGRAM:127.0.0.1:${ourPort},bind=127.0.0.1:${socatPort}`,
  ];
}

/**
 * `ip` argument lists, in order: MTU first (the kernel drops IPv6 from a device whose MTU falls
 * below 1280), then the routes to the peer and the IPv6 address. socat has given the device its
 * IPv4 address already. `nodad`: the address is usable at once, not after duplicate detection.
 */
export function ipCommands(plan: TunPlan): string[][] {
  const cmds: string[][] = [["link", "set", "dev", plan.dev, "mtu", String(plan.mtu)]];
  if (plan.ipv4) cmds.push(["route", "replace", `${plan.ipv4.peer}/32`, "dev", plan.dev]);
  if (plan.ipv6) {
    cmds.push(["-6", "addr", "add", `${plan.ipv6.host}/128`, "dev", plan.dev, "nodad"]);
    cmds.push(["-6", "route", "replace", `${plan.ipv6.peer}/128`, "dev", plan.dev]);
  }
  return cmds;
}
