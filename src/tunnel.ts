// A SLIP tunnel assembled from its parts: a byte link from a spec, SLIP framing, the optional
// decorators (UART shaper, fault injection, pcap tap) and the user-space stack, handed out as
// a Network. Order from the wire up: SLIP -> shaper -> faults -> pcap -> stack, so the pcap
// shows what the stack itself sent and received (as tcpdump on an interface would).
import { deviceLimits, type BoardProfile } from "./board/index.js";
import { faults, openLink, pcapTap, shape, SlipFraming, type ByteLink, type FaultOptions, type FrameLink, type OpenLinkOptions } from "./link/index.js";
import { SlipNetwork } from "./net/slip-network.js";
import { Stack, type AddressPair } from "./net/stack.js";
import { DEFAULT_TCP_CONFIG, type TcpConfig } from "./net/tcp/index.js";

export interface TunnelOptions {
  /** Link spec: serial:/dev/ttyACM0@115200, tcp:HOST:PORT, unix:PATH, sim, qemu, ... */
  readonly link: string;
  /** The board's profile: the sim and qemu links start this board. */
  readonly board?: BoardProfile;
  /** More for openLink (state directory, progress notes, timeouts); `board` above wins. */
  readonly linkOptions?: OpenLinkOptions;
  /** The link failed after it was open (the board's process died, a socket reset); default: ignored. */
  readonly onLinkError?: (error: Error) => void;
  readonly mtu: number;
  /** local = the host's address, peer = the board's. */
  readonly ipv4?: AddressPair;
  readonly ipv6?: AddressPair;
  readonly tcp: TcpConfig;
  readonly pcap?: string;
  /** Emulate a UART at this baud (for links that do not throttle). */
  readonly baud?: number;
  readonly faults?: FaultOptions;
}

export interface Tunnel {
  readonly network: SlipNetwork;
  readonly stack: Stack;
  readonly link: FrameLink;
  /** The byte link under the framing (a ProcessLink for sim and qemu: its pid, readyMs). */
  readonly bytes: ByteLink;
  close(): Promise<void>;
}

/** Bytes of SLIP framing slack accepted above the MTU before a frame counts as oversize. */
const FRAME_SLACK = 64;

export async function openTunnel(options: TunnelOptions): Promise<Tunnel> {
  const bytes = await openLink(options.link, { ...options.linkOptions, ...(options.board ? { board: options.board } : {}) });
  let link: FrameLink = new SlipFraming(bytes, { name: options.link, maxFrame: options.mtu + FRAME_SLACK });
  if (options.baud !== undefined) link = shape(link, { baud: options.baud });
  if (options.faults) link = faults(link, options.faults);
  if (options.pcap !== undefined) link = pcapTap(link, options.pcap);
  // Without a listener an 'error' event would end the process; the stack sees the link close anyway.
  link.on("error", (err) => options.onLinkError?.(err));
  const stack = new Stack(link, {
    mtu: options.mtu,
    tcp: options.tcp,
    ...(options.ipv4 ? { ipv4: options.ipv4 } : {}),
    ...(options.ipv6 ? { ipv6: options.ipv6 } : {}),
  });
  return {
    network: new SlipNetwork(stack),
    stack,
    link,
    bytes,
    close: async () => {
      stack.close();
      await link.close();
    },
  };
}

/** What a user may override on the command line (--mtu, --local-ip, ...). */
export interface TunnelOverrides {
  readonly link?: string;
  readonly mtu?: number;
  readonly localIp?: string;
  readonly peerIp?: string;
  readonly localIp6?: string;
  readonly peerIp6?: string;
  readonly pcap?: string;
  readonly baud?: number;
  readonly faults?: FaultOptions;
}

/** Addresses used when neither a profile nor an option names them (documentation ranges). */
export const DEFAULT_ADDRESSES = { hostIpv4: "198.51.100.1", boardIpv4: "198.51.100.2", hostIpv6: "2001:db8::1", boardIpv6: "2001:db8::2" } as const;

/**
 * The host side of a tunnel to `profile`'s board: the profile's MTU, MSS, window, segments in
 * flight and message boundaries become the host stack's TCP settings, so the host behaves as a
 * device-class peer. Without a profile: MTU 1500 and host defaults.
 */
export function tunnelOptions(profile: BoardProfile | undefined, o: TunnelOverrides): TunnelOptions {
  const link = o.link ?? profile?.link.spec;
  if (link === undefined) throw new Error("no link: give --link SPEC or a --board whose profile names one");
  const a = profile?.addresses ?? DEFAULT_ADDRESSES;
  let mtu = o.mtu ?? profile?.mtu ?? 1500;
  let tcp: TcpConfig = { ...DEFAULT_TCP_CONFIG, nagle: false };
  let ipv6 = true;
  if (profile) {
    const limits = deviceLimits(profile, o.mtu !== undefined ? { mtu: o.mtu } : {});
    mtu = limits.mtu;
    ipv6 = limits.ipv6 || (o.localIp6 !== undefined && mtu >= 1280);
    tcp = {
      ...tcp,
      mss: limits.ipv4Mss,
      maxSendMss: limits.ipv4Mss,
      receiveWindow: limits.window,
      windowScale: 0,
      sendBuffer: Math.max(64 * 1024, 4 * limits.window),
      maxSegmentsInFlight: limits.segmentsInFlight,
      nagle: profile.tcp.nagle ?? false,
      delayedAckMs: profile.tcp.delayedAckMs ?? DEFAULT_TCP_CONFIG.delayedAckMs,
      messageBoundaries: limits.messageBoundaries,
    };
  }
  const hostIpv6 = o.localIp6 ?? a.hostIpv6;
  const boardIpv6 = o.peerIp6 ?? a.boardIpv6;
  return {
    link,
    ...(profile ? { board: profile } : {}),
    mtu,
    tcp,
    ipv4: { local: o.localIp ?? a.hostIpv4, peer: o.peerIp ?? a.boardIpv4 },
    ...(ipv6 && hostIpv6 !== undefined && boardIpv6 !== undefined ? { ipv6: { local: hostIpv6, peer: boardIpv6 } } : {}),
    ...(o.pcap !== undefined ? { pcap: o.pcap } : {}),
    ...(o.baud !== undefined ? { baud: o.baud } : {}),
    ...(o.faults ? { faults: o.faults } : {}),
  };
}

export class FaultSpecError extends Error {
  override readonly name = "FaultSpecError";
}

const FAULT_KEYS: Record<string, "drop" | "corrupt" | "duplicate" | "reorder"> = {
  drop: "drop",
  corrupt: "corrupt",
  dup: "duplicate",
  duplicate: "duplicate",
  reorder: "reorder",
};

/**
 * `drop=0.02,corrupt=0.01,dup=0.01,reorder=0.02,delay=0.01:50,stall=0.001:200,seed=7`: rates per
 * frame (0..1); delay and stall take rate:milliseconds. Without seed the run picks one and says so
 * through the returned options, so a failing run can be replayed.
 */
export function parseFaults(text: string): FaultOptions {
  const out: { -readonly [K in keyof FaultOptions]?: FaultOptions[K] } = {};
  for (const part of text.split(",").map((p) => p.trim()).filter(Boolean)) {
    const [key = "", value = ""] = part.split("=", 2).map((s) => s.trim());
    if (key === "seed") {
      const seed = Number(value);
      if (!Number.isInteger(seed)) throw new FaultSpecError(`--faults: seed wants an integer, got ${JSON.stringify(value)}`);
      out.seed = seed;
      continue;
    }
    if (key === "delay" || key === "stall") {
      const [rate, ms] = value.split(":").map(Number);
      if (!isRate(rate) || ms === undefined || !Number.isFinite(ms) || ms < 0) {
        throw new FaultSpecError(`--faults: ${key} wants RATE:MS (e.g. ${key}=0.01:50), got ${JSON.stringify(value)}`);
      }
      out[key] = { rate, ms };
      continue;
    }
    const name = FAULT_KEYS[key];
    if (!name) throw new FaultSpecError(`--faults: unknown fault ${JSON.stringify(key)} (drop, corrupt, dup, reorder, delay, stall, seed)`);
    const rate = Number(value);
    if (!isRate(rate)) throw new FaultSpecError(`--faults: ${key} wants a rate from 0 to 1, got ${JSON.stringify(value)}`);
    out[name] = rate;
  }
  return { ...out, seed: out.seed ?? Math.floor(Math.random() * 0x7fffffff) };
}

function isRate(n: number | undefined): n is number {
  return n !== undefined && Number.isFinite(n) && n >= 0 && n <= 1;
}
