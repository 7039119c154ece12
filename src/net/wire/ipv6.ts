// IPv6 header codec (RFC 8200). Extension headers a point-to-point peer may legitimately send (Hop-by-Hop,
// Destination Options, a finished Routing header) are stepped over to reach the upper protocol; anything
// that would need reassembly or source routing is refused.

import { fail, ok, type Parsed, type WireError } from "./result.js";

export const IPV6_HEADER_LENGTH = 40;
/** RFC 8200 §5: every IPv6 link carries at least this much. */
export const IPV6_MIN_MTU = 1280;
const DEFAULT_HOP_LIMIT = 64;

const HOP_BY_HOP = 0;
const ROUTING = 43;
const FRAGMENT = 44;
const DESTINATION_OPTIONS = 60;

export interface Ipv6Header {
  /** A 16-byte view into the packet. */
  readonly src: Buffer;
  readonly dst: Buffer;
  /** The fixed header's Next Header field (may name an extension header). */
  readonly nextHeader: number;
  readonly hopLimit: number;
  readonly trafficClass: number;
  readonly flowLabel: number;
  readonly payloadLength: number;
}

export interface Ipv6HeaderInit {
  readonly src: Uint8Array;
  readonly dst: Uint8Array;
  readonly nextHeader: number;
  readonly payloadLength: number;
  /** 64 */
  readonly hopLimit?: number;
  readonly trafficClass?: number;
  readonly flowLabel?: number;
}

/**
 * The options of a Hop-by-Hop or Destination Options header, [from, to): Pad1 and PadN are skipped, as is any
 * option whose type says "skip if unknown" (top two bits 00, RFC 8200 §4.2). We know no others, and the rest
 * ask for the packet to be discarded.
 */
function optionsProblem(buf: Buffer, from: number, to: number): { error: WireError; detail: string } | undefined {
  let i = from;
  while (i < to) {
    const type = buf[i] as number;
    if (type === 0) {
      i++;
      continue;
    }
    if (i + 1 >= to) return { error: "bad-options", detail: `option ${type} has no length byte` };
    const next = i + 2 + (buf[i + 1] as number);
    if (next > to) return { error: "bad-options", detail: `option ${type} overruns its header` };
    if (type !== 1 && type >>> 6 !== 0) return { error: "unsupported", detail: `option type 0x${type.toString(16)} must not be skipped` };
    i = next;
  }
  return undefined;
}

/**
 * Parses an IPv6 packet and walks its extension headers. `protocol` is the upper-layer protocol and `payload`
 * the view of its bytes (trailing link padding dropped). A Fragment header makes the packet a "fragment",
 * except an atomic fragment (offset 0, no more fragments), which RFC 6946 says to process as a whole packet.
 * Never throws.
 */
export function parseIpv6(packet: Buffer): Parsed<{ header: Ipv6Header; payload: Buffer; protocol: number }> {
  const length = packet.length;
  if (length < IPV6_HEADER_LENGTH) return fail("truncated", `${length} bytes`);
  const b0 = packet[0] as number;
  if (b0 >>> 4 !== 6) return fail("bad-version", `version ${b0 >>> 4}`);
  const payloadLength = ((packet[4] as number) << 8) | (packet[5] as number);
  const end = IPV6_HEADER_LENGTH + payloadLength;
  if (end > length) return fail("truncated", `payload length ${payloadLength} > ${length - IPV6_HEADER_LENGTH} bytes`);
  const nextHeader = packet[6] as number;
  let protocol = nextHeader;
  let at = IPV6_HEADER_LENGTH;
  // Each extension header is at least 8 bytes, so the walk ends within payloadLength / 8 steps.
  for (;;) {
    if (protocol !== HOP_BY_HOP && protocol !== ROUTING && protocol !== FRAGMENT && protocol !== DESTINATION_OPTIONS) break;
    if (protocol === HOP_BY_HOP && at !== IPV6_HEADER_LENGTH) return fail("bad-options", "Hop-by-Hop header not first");
    if (at + 8 > end) return fail("truncated", `extension header ${protocol} at ${at}`);
    const headerLength = protocol === FRAGMENT ? 8 : ((packet[at + 1] as number) + 1) * 8;
    if (at + headerLength > end) return fail("truncated", `extension header ${protocol} of ${headerLength} bytes at ${at}`);
    if (protocol === FRAGMENT) {
      const offsetFlags = ((packet[at + 2] as number) << 8) | (packet[at + 3] as number);
      if ((offsetFlags & 0xfff9) !== 0) return fail("fragment", `offset ${offsetFlags & 0xfff8} M ${offsetFlags & 1}`);
    } else if (protocol === ROUTING) {
      const segmentsLeft = packet[at + 3] as number;
      if (segmentsLeft !== 0) return fail("unsupported", `routing header type ${packet[at + 2]} with ${segmentsLeft} segments left`);
    } else {
      const problem = optionsProblem(packet, at + 2, at + headerLength);
      if (problem !== undefined) return fail(problem.error, problem.detail);
    }
    protocol = packet[at] as number;
    at += headerLength;
  }
  return ok({
    header: {
      src: packet.subarray(8, 24),
      dst: packet.subarray(24, 40),
      nextHeader,
      hopLimit: packet[7] as number,
      trafficClass: ((b0 & 0x0f) << 4) | ((packet[1] as number) >>> 4),
      flowLabel: (((packet[1] as number) & 0x0f) << 16) | ((packet[2] as number) << 8) | (packet[3] as number),
      payloadLength,
    },
    payload: packet.subarray(at, end),
    protocol,
  });
}

function checkRange(name: string, value: number, max: number): void {
  if (!Number.isInteger(value) || value < 0 || value > max) throw new RangeError(`IPv6 ${name} ${value} out of range 0..${max}`);
}

/** Writes the 40-byte fixed header at target[offset..] and returns 40. Throws RangeError on a programming error. */
export function writeIpv6Header(target: Buffer, offset: number, fields: Ipv6HeaderInit): number {
  if (offset < 0 || offset + IPV6_HEADER_LENGTH > target.length) {
    throw new RangeError(`IPv6 header does not fit at ${offset} in ${target.length}`);
  }
  if (fields.src.length !== 16 || fields.dst.length !== 16) throw new RangeError("IPv6 addresses must be 16 bytes");
  const hopLimit = fields.hopLimit ?? DEFAULT_HOP_LIMIT;
  const trafficClass = fields.trafficClass ?? 0;
  const flowLabel = fields.flowLabel ?? 0;
  checkRange("payload length", fields.payloadLength, 0xffff);
  checkRange("hop limit", hopLimit, 0xff);
  checkRange("traffic class", trafficClass, 0xff);
  checkRange("flow label", flowLabel, 0xfffff);
  checkRange("next header", fields.nextHeader, 0xff);
  const t = target;
  const o = offset;
  t[o] = 0x60 | (trafficClass >>> 4);
  t[o + 1] = ((trafficClass & 0x0f) << 4) | (flowLabel >>> 16);
  t[o + 2] = (flowLabel >>> 8) & 0xff;
  t[o + 3] = flowLabel & 0xff;
  t[o + 4] = fields.payloadLength >>> 8;
  t[o + 5] = fields.payloadLength & 0xff;
  t[o + 6] = fields.nextHeader;
  t[o + 7] = hopLimit;
  // Byte copies: TypedArray#set costs more than the copy itself for 16 bytes.
  const { src, dst } = fields;
  for (let i = 0; i < 16; i++) {
    t[o + 8 + i] = src[i] as number;
    t[o + 24 + i] = dst[i] as number;
  }
  return IPV6_HEADER_LENGTH;
}
