// ICMPv4 (RFC 792) and ICMPv6 (RFC 4443) to the extent a point-to-point host needs: echo both ways for ping,
// and the error messages read just far enough to count them and to learn a path MTU. ICMPv6 Neighbor
// Discovery is not used on a SLIP link; such messages come back as kind "other".

import { finishChecksum, internetChecksum, pseudoHeaderSum, sum16, sum16Range } from "./checksum.js";
import { fail, ok, type Parsed } from "./result.js";

export const ICMP_HEADER_LENGTH = 8;

export const ICMPV4_TYPE = { ECHO_REPLY: 0, UNREACHABLE: 3, ECHO_REQUEST: 8, TIME_EXCEEDED: 11 } as const;
export const ICMPV6_TYPE = { UNREACHABLE: 1, PACKET_TOO_BIG: 2, TIME_EXCEEDED: 3, ECHO_REQUEST: 128, ECHO_REPLY: 129 } as const;
/** ICMPv4 destination unreachable, "fragmentation needed and DF set" (RFC 1191 puts the next-hop MTU in it). */
const ICMPV4_FRAG_NEEDED = 4;
const PROTO_ICMPV6 = 58;

interface IcmpBase {
  readonly type: number;
  readonly code: number;
}

export interface IcmpEcho extends IcmpBase {
  readonly kind: "echo-request" | "echo-reply";
  readonly id: number;
  readonly seq: number;
  /** A view into the parsed buffer. */
  readonly data: Buffer;
}

export interface IcmpError extends IcmpBase {
  readonly kind: "unreachable" | "time-exceeded";
  /** As much of the invoking packet as the error carried (a view). */
  readonly data: Buffer;
}

export interface IcmpPacketTooBig extends IcmpBase {
  /** ICMPv6 Packet Too Big, or ICMPv4 unreachable code 4 (fragmentation needed). */
  readonly kind: "packet-too-big";
  /** The MTU of the next hop; 0 when an old ICMPv4 router did not say (RFC 1191 §5). */
  readonly mtu: number;
  readonly data: Buffer;
}

export interface IcmpOther extends IcmpBase {
  readonly kind: "other";
  /** Everything after the type, code and checksum (a view). */
  readonly data: Buffer;
}

export type IcmpMessage = IcmpEcho | IcmpError | IcmpPacketTooBig | IcmpOther;

export interface IcmpEchoInit {
  readonly kind: "echo-request" | "echo-reply";
  readonly id: number;
  readonly seq: number;
  readonly data?: Uint8Array;
}

function u16(buf: Uint8Array, i: number): number {
  return ((buf[i] as number) << 8) | (buf[i + 1] as number);
}

function echo(buf: Buffer, kind: IcmpEcho["kind"]): IcmpEcho {
  return { kind, type: buf[0] as number, code: buf[1] as number, id: u16(buf, 4), seq: u16(buf, 6), data: buf.subarray(8) };
}

/** Parses an ICMPv4 message (the IPv4 payload) and verifies its checksum. Never throws. */
export function parseIcmpv4(buf: Buffer): Parsed<IcmpMessage> {
  if (buf.length < ICMP_HEADER_LENGTH) return fail("truncated", `${buf.length} bytes`);
  if (internetChecksum(buf) !== 0) return fail("bad-checksum");
  const type = buf[0] as number;
  const code = buf[1] as number;
  switch (type) {
    case ICMPV4_TYPE.ECHO_REQUEST:
      return ok(echo(buf, "echo-request"));
    case ICMPV4_TYPE.ECHO_REPLY:
      return ok(echo(buf, "echo-reply"));
    case ICMPV4_TYPE.UNREACHABLE:
      if (code === ICMPV4_FRAG_NEEDED) return ok({ kind: "packet-too-big", type, code, mtu: u16(buf, 6), data: buf.subarray(8) });
      return ok({ kind: "unreachable", type, code, data: buf.subarray(8) });
    case ICMPV4_TYPE.TIME_EXCEEDED:
      return ok({ kind: "time-exceeded", type, code, data: buf.subarray(8) });
    default:
      return ok({ kind: "other", type, code, data: buf.subarray(4) });
  }
}

/** Parses an ICMPv6 message; src and dst (16 bytes each) are needed for the pseudo-header checksum. Never throws. */
export function parseIcmpv6(buf: Buffer, src: Buffer, dst: Buffer): Parsed<IcmpMessage> {
  if (buf.length < ICMP_HEADER_LENGTH) return fail("truncated", `${buf.length} bytes`);
  if (src.length !== 16 || dst.length !== 16) return fail("bad-address", `address lengths ${src.length}/${dst.length}`);
  if (finishChecksum(sum16(buf, pseudoHeaderSum(src, dst, PROTO_ICMPV6, buf.length))) !== 0) return fail("bad-checksum");
  const type = buf[0] as number;
  const code = buf[1] as number;
  switch (type) {
    case ICMPV6_TYPE.ECHO_REQUEST:
      return ok(echo(buf, "echo-request"));
    case ICMPV6_TYPE.ECHO_REPLY:
      return ok(echo(buf, "echo-reply"));
    case ICMPV6_TYPE.UNREACHABLE:
      return ok({ kind: "unreachable", type, code, data: buf.subarray(8) });
    case ICMPV6_TYPE.PACKET_TOO_BIG: {
      const mtu = ((buf[4] as number) * 0x1000000 + ((buf[5] as number) << 16)) + u16(buf, 6);
      return ok({ kind: "packet-too-big", type, code, mtu, data: buf.subarray(8) });
    }
    case ICMPV6_TYPE.TIME_EXCEEDED:
      return ok({ kind: "time-exceeded", type, code, data: buf.subarray(8) });
    default:
      return ok({ kind: "other", type, code, data: buf.subarray(4) });
  }
}

/** Bytes writeIcmpEcho emits for this much data. */
export function icmpEchoLength(dataLength: number): number {
  return ICMP_HEADER_LENGTH + dataLength;
}

/**
 * Writes an echo request or reply at target[offset..] and returns its length. The version follows the address
 * length: 4-byte addresses give ICMPv4 (addresses unused by the checksum), 16-byte ones ICMPv6 with the
 * pseudo header. Throws RangeError on a programming error.
 */
export function writeIcmpEcho(target: Buffer, offset: number, message: IcmpEchoInit, src: Uint8Array, dst: Uint8Array): number {
  const data = message.data ?? Buffer.alloc(0);
  const total = ICMP_HEADER_LENGTH + data.length;
  if (offset < 0 || offset + total > target.length) throw new RangeError(`ICMP echo of ${total} bytes does not fit at ${offset} in ${target.length}`);
  if (src.length !== dst.length || (src.length !== 4 && src.length !== 16)) throw new RangeError(`address lengths ${src.length}/${dst.length}`);
  for (const [name, value] of [["id", message.id], ["seq", message.seq]] as const) {
    if (!Number.isInteger(value) || value < 0 || value > 0xffff) throw new RangeError(`ICMP echo ${name} ${value} out of range 0..65535`);
  }
  const v6 = src.length === 16;
  const request = message.kind === "echo-request";
  const t = target;
  const o = offset;
  t[o] = v6 ? (request ? ICMPV6_TYPE.ECHO_REQUEST : ICMPV6_TYPE.ECHO_REPLY) : request ? ICMPV4_TYPE.ECHO_REQUEST : ICMPV4_TYPE.ECHO_REPLY;
  t[o + 1] = 0;
  t[o + 2] = 0;
  t[o + 3] = 0;
  t[o + 4] = message.id >>> 8;
  t[o + 5] = message.id & 0xff;
  t[o + 6] = message.seq >>> 8;
  t[o + 7] = message.seq & 0xff;
  t.set(data, o + 8);
  const checksum = finishChecksum(sum16Range(t, o, o + total, v6 ? pseudoHeaderSum(src, dst, PROTO_ICMPV6, total) : 0));
  t[o + 2] = checksum >>> 8;
  t[o + 3] = checksum & 0xff;
  return total;
}
