// What the host's stack must hold to when it talks to a board: a profile (plus --mtu) turned into the MTU,
// MSS per IP version, window, segments in flight and message boundaries. Pure arithmetic, no I/O.
import type { BoardProfile } from "./profile.js";
import { PROFILE_SCHEMA } from "./schema.js";
import { expectation } from "./validate.js";

/** IPv4 (20) + TCP (20) headers. The host's stack puts no TCP options on segments after the SYN. */
export const IPV4_TCP_HEADERS = 40;
/** IPv6 (40) + TCP (20) headers. */
export const IPV6_TCP_HEADERS = 60;
/** RFC 8200 §5: every link that carries IPv6 has an MTU of at least 1280. */
export const IPV6_MIN_MTU = 1280;
/**
 * Pool buffers left to the board while the host has segments in flight to it. A received segment holds a
 * buffer until the board's application reads it, and the board still needs: one buffer for its driver to
 * receive the next frame into (without it the frame is dropped at the UART), one to send its ACK or reply
 * from (NetX and lwIP allocate those from the same pool), and one for the FTP control connection, whose
 * next command can arrive while a data connection fills the rest.
 */
export const POOL_RESERVE = 3;

export interface LimitOverrides {
  /** --mtu: replaces the profile's MTU; the MSS and IPv6 follow from it. */
  readonly mtu?: number;
}

export interface DeviceLimits {
  /** No frame the host sends is longer. */
  readonly mtu: number;
  /** MSS the host advertises and the largest segment it sends, over IPv4. */
  readonly ipv4Mss: number;
  /** The same over IPv6 (computed even when ipv6 is false, for reports). */
  readonly ipv6Mss: number;
  /** Whether the tunnel carries IPv6 at all. */
  readonly ipv6: boolean;
  /** Why ipv6 is false; undefined when it is true. */
  readonly ipv6Reason: string | undefined;
  /** Receive window the host advertises, and its cap on unacknowledged bytes toward the board. */
  readonly window: number;
  /** Most unacknowledged segments the host keeps in flight toward the board. */
  readonly segmentsInFlight: number;
  /** One FTP command or reply per segment (never coalesced, never split). */
  readonly messageBoundaries: boolean;
  /** One line per limit that something other than the profile's own tcp field decided. */
  readonly notes: readonly string[];
}

/** Derives the host-side limits; throws RangeError when overrides.mtu is not a valid MTU. */
export function deviceLimits(profile: BoardProfile, overrides: LimitOverrides = {}): DeviceLimits {
  const mtu = overrides.mtu ?? profile.mtu;
  const mtuSchema = PROFILE_SCHEMA.properties.mtu;
  if (!Number.isInteger(mtu) || mtu < mtuSchema.minimum || mtu > mtuSchema.maximum) {
    throw new RangeError(`--mtu: must be ${expectation(mtuSchema)}, got ${mtu}`);
  }
  const { tcp, pool, addresses } = profile;
  const notes: string[] = [];
  if (mtu !== profile.mtu) notes.push(`MTU ${mtu} instead of the profile's ${profile.mtu} (--mtu)`);

  let ipv6Reason: string | undefined;
  if (addresses.hostIpv6 === undefined || addresses.boardIpv6 === undefined) {
    ipv6Reason = "IPv4 only: the profile has no IPv6 addresses (addresses.hostIpv6, addresses.boardIpv6)";
  } else if (mtu < IPV6_MIN_MTU) {
    ipv6Reason = `IPv4 only: IPv6 needs a link MTU of at least ${IPV6_MIN_MTU} (RFC 8200), this link has ${mtu}`;
  }

  const ipv4Mss = clampMss(profile, mtu, IPV4_TCP_HEADERS);
  const ipv6Mss = clampMss(profile, mtu, IPV6_TCP_HEADERS);
  notes.push(...mssNote("IPv4", ipv4Mss, tcp.mss, profile, mtu, IPV4_TCP_HEADERS));
  if (ipv6Reason === undefined) {
    // tcp.mss is the board's IPv4 figure; the same datagram over IPv6 carries 20 bytes less, which is
    // expected and not worth a note.
    const nominal = tcp.mss - (IPV6_TCP_HEADERS - IPV4_TCP_HEADERS);
    notes.push(...mssNote("IPv6", ipv6Mss, nominal, profile, mtu, IPV6_TCP_HEADERS));
  } else {
    notes.push(ipv6Reason);
  }

  const poolRoom = Math.max(1, pool.count - POOL_RESERVE);
  const segmentsInFlight = Math.min(tcp.segmentsInFlight, poolRoom);
  if (segmentsInFlight < tcp.segmentsInFlight) {
    notes.push(
      `${segmentsInFlight} segments in flight instead of ${tcp.segmentsInFlight}: the pool has ${pool.count} ` +
        `buffers and ${Math.min(POOL_RESERVE, pool.count - 1)} stay with the board`,
    );
  }

  return {
    mtu,
    ipv4Mss,
    ipv6Mss,
    ipv6: ipv6Reason === undefined,
    ipv6Reason,
    window: tcp.window,
    segmentsInFlight,
    messageBoundaries: profile.ftp.oneMessagePerSegment,
    notes,
  };
}

/** The largest segment that fits the board's MSS, the MTU and one pool buffer. */
function clampMss({ tcp, pool }: BoardProfile, mtu: number, headers: number): number {
  return Math.min(tcp.mss, mtu - headers, pool.payloadSize - headers);
}

function mssNote(
  version: string,
  mss: number,
  nominal: number,
  { pool }: BoardProfile,
  mtu: number,
  headers: number,
): string[] {
  if (mss >= nominal) return [];
  const cause = pool.payloadSize <= mtu ? `a pool buffer holds ${pool.payloadSize} bytes` : `the MTU is ${mtu}`;
  return [`${version} MSS ${mss} instead of ${nominal}: ${cause}, less ${headers} bytes of headers`];
}
