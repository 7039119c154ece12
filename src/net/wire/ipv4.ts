// IPv4 header codec (RFC 791). The stack never reassembles: the link MTU is known on both ends and we send
// with DF, so a fragment is a peer bug to count, not something to buffer.

import { finishChecksum, sum16Range } from "./checksum.js";
import { fail, ok, type Parsed } from "./result.js";

export const IPV4_HEADER_LENGTH = 20;
export const IP_PROTO = { ICMP: 1, TCP: 6, UDP: 17, ICMPV6: 58 } as const;
const DEFAULT_TTL = 64;

export interface Ipv4Header {
  /** A 4-byte view into the packet. */
  readonly src: Buffer;
  readonly dst: Buffer;
  readonly protocol: number;
  readonly ttl: number;
  readonly tos: number;
  readonly ident: number;
  readonly dontFragment: boolean;
  /** Bytes, options included. */
  readonly headerLength: number;
  /** The header's total length field: header + payload. */
  readonly totalLength: number;
}

export interface Ipv4HeaderInit {
  readonly src: Uint8Array;
  readonly dst: Uint8Array;
  readonly protocol: number;
  readonly payloadLength: number;
  /** 64 */
  readonly ttl?: number;
  /** 0 */
  readonly tos?: number;
  /** 0: with DF set the field identifies nothing (RFC 6864 §4.1). */
  readonly ident?: number;
  /** true */
  readonly dontFragment?: boolean;
}

/**
 * Parses an IPv4 packet; the payload is a view ending at the total length (link padding after it is dropped).
 * IP options are accepted and skipped. Never throws.
 */
export function parseIpv4(packet: Buffer): Parsed<{ header: Ipv4Header; payload: Buffer }> {
  const length = packet.length;
  if (length < IPV4_HEADER_LENGTH) return fail("truncated", `${length} bytes`);
  const b0 = packet[0] as number;
  if (b0 >>> 4 !== 4) return fail("bad-version", `version ${b0 >>> 4}`);
  const headerLength = (b0 & 0x0f) * 4;
  if (headerLength < IPV4_HEADER_LENGTH) return fail("bad-header-length", `IHL ${headerLength / 4}`);
  if (headerLength > length) return fail("truncated", `header ${headerLength} > ${length} bytes`);
  if (finishChecksum(sum16Range(packet, 0, headerLength)) !== 0) return fail("bad-checksum");
  const totalLength = ((packet[2] as number) << 8) | (packet[3] as number);
  if (totalLength < headerLength) return fail("bad-length", `total length ${totalLength} < header ${headerLength}`);
  if (totalLength > length) return fail("truncated", `total length ${totalLength} > ${length} bytes`);
  const flagsFragment = ((packet[6] as number) << 8) | (packet[7] as number);
  // MF (0x2000) or a non-zero offset: part of a fragmented datagram. Bit 0x8000 is reserved and ignored.
  if ((flagsFragment & 0x3fff) !== 0) return fail("fragment", `MF ${(flagsFragment >>> 13) & 1} offset ${(flagsFragment & 0x1fff) * 8}`);
  return ok({
    header: {
      src: packet.subarray(12, 16),
      dst: packet.subarray(16, 20),
      protocol: packet[9] as number,
      ttl: packet[8] as number,
      tos: packet[1] as number,
      ident: ((packet[4] as number) << 8) | (packet[5] as number),
      dontFragment: (flagsFragment & 0x4000) !== 0,
      headerLength,
      totalLength,
    },
    payload: packet.subarray(headerLength, totalLength),
  });
}

function checkRange(name: string, value: number, max: number): void {
  if (!Number.isInteger(value) || value < 0 || value > max) throw new RangeError(`IPv4 ${name} ${value} out of range 0..${max}`);
}

/**
 * Writes a 20-byte IPv4 header (no options) with its checksum at target[offset..] and returns 20. Every byte of
 * the header is written, so target may come from Buffer.allocUnsafe. Throws RangeError on a programming error.
 */
export function writeIpv4Header(target: Buffer, offset: number, fields: Ipv4HeaderInit): number {
  if (offset < 0 || offset + IPV4_HEADER_LENGTH > target.length) {
    throw new RangeError(`IPv4 header does not fit at ${offset} in ${target.length}`);
  }
  if (fields.src.length !== 4 || fields.dst.length !== 4) throw new RangeError("IPv4 addresses must be 4 bytes");
  const totalLength = IPV4_HEADER_LENGTH + fields.payloadLength;
  checkRange("total length", totalLength, 0xffff);
  const ttl = fields.ttl ?? DEFAULT_TTL;
  const tos = fields.tos ?? 0;
  const ident = fields.ident ?? 0;
  checkRange("TTL", ttl, 0xff);
  checkRange("TOS", tos, 0xff);
  checkRange("ident", ident, 0xffff);
  checkRange("protocol", fields.protocol, 0xff);
  const t = target;
  const o = offset;
  t[o] = 0x45;
  t[o + 1] = tos;
  t[o + 2] = totalLength >>> 8;
  t[o + 3] = totalLength & 0xff;
  t[o + 4] = ident >>> 8;
  t[o + 5] = ident & 0xff;
  t[o + 6] = fields.dontFragment === false ? 0 : 0x40;
  t[o + 7] = 0;
  t[o + 8] = ttl;
  t[o + 9] = fields.protocol;
  t[o + 10] = 0;
  t[o + 11] = 0;
  // Byte copies: TypedArray#set costs more than the copy itself for 4 bytes.
  const { src, dst } = fields;
  for (let i = 0; i < 4; i++) {
    t[o + 12 + i] = src[i] as number;
    t[o + 16 + i] = dst[i] as number;
  }
  const checksum = finishChecksum(sum16Range(t, o, o + IPV4_HEADER_LENGTH));
  t[o + 10] = checksum >>> 8;
  t[o + 11] = checksum & 0xff;
  return IPV4_HEADER_LENGTH;
}
