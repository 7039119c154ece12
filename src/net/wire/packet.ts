// Whole IP packets in one step, for the stack's hot path: one allocation per packet out, the IP and the
// upper-layer header written straight into it, and one parse call that picks IPv4 or IPv6 from the first byte.

import { icmpEchoLength, writeIcmpEcho, type IcmpEchoInit } from "./icmp.js";
import { IPV4_HEADER_LENGTH, IP_PROTO, parseIpv4, writeIpv4Header, type Ipv4Header, type Ipv4HeaderInit } from "./ipv4.js";
import { IPV6_HEADER_LENGTH, parseIpv6, writeIpv6Header, type Ipv6Header, type Ipv6HeaderInit } from "./ipv6.js";
import { fail, ok, type Parsed } from "./result.js";
import { tcpHeaderLength, writeTcp, writeTcpHeader, type TcpOptions, type TcpSegmentInit } from "./tcp.js";

/** IP-level fields for a packet out; the IP version follows the address length (4 or 16 bytes). */
export interface IpFieldsInit {
  readonly src: Uint8Array;
  readonly dst: Uint8Array;
  /** TTL (IPv4) or hop limit (IPv6); 64. */
  readonly ttl?: number;
  /** TOS (IPv4) or traffic class (IPv6); 0. */
  readonly tos?: number;
  /** IPv4 only; 0. */
  readonly ident?: number;
  /** IPv4 only; true. */
  readonly dontFragment?: boolean;
  /** IPv6 only; 0. */
  readonly flowLabel?: number;
}

export interface IpTcpPacketInit extends IpFieldsInit {
  readonly tcp: TcpSegmentInit;
}

export interface IcmpEchoPacketInit extends IpFieldsInit {
  readonly echo: IcmpEchoInit;
}

/** A parsed IP packet of either version, reduced to what demultiplexing needs. */
export interface IpPacket {
  readonly family: 4 | 6;
  /** Views into the packet: 4 or 16 bytes. */
  readonly src: Buffer;
  readonly dst: Buffer;
  /** The upper-layer protocol (after IPv6 extension headers). */
  readonly protocol: number;
  /** TTL or hop limit. */
  readonly ttl: number;
  readonly header: Ipv4Header | Ipv6Header;
  /** The upper-layer bytes (a view). */
  readonly payload: Buffer;
}

function ipHeaderLength(src: Uint8Array): number {
  if (src.length === 4) return IPV4_HEADER_LENGTH;
  if (src.length === 16) return IPV6_HEADER_LENGTH;
  throw new RangeError(`address of ${src.length} bytes`);
}

// One header description per family, filled in per packet (the writers read it before returning):
// the per-packet object literal was a measurable share of the stack's garbage.
const NO_ADDRESS = new Uint8Array(0);
const v4Fields: { -readonly [K in keyof Ipv4HeaderInit]: Ipv4HeaderInit[K] } = { src: NO_ADDRESS, dst: NO_ADDRESS, protocol: 0, payloadLength: 0 };
const v6Fields: { -readonly [K in keyof Ipv6HeaderInit]: Ipv6HeaderInit[K] } = { src: NO_ADDRESS, dst: NO_ADDRESS, nextHeader: 0, payloadLength: 0 };

function writeIpHeader(target: Buffer, offset: number, fields: IpFieldsInit, protocol: number, payloadLength: number): number {
  const { src, dst, ttl, tos } = fields;
  if (src.length === 4) {
    const f = v4Fields;
    f.src = src;
    f.dst = dst;
    f.protocol = protocol;
    f.payloadLength = payloadLength;
    f.ttl = ttl;
    f.tos = tos;
    f.ident = fields.ident;
    f.dontFragment = fields.dontFragment;
    return writeIpv4Header(target, offset, f);
  }
  const f = v6Fields;
  f.src = src;
  f.dst = dst;
  f.nextHeader = protocol;
  f.payloadLength = payloadLength;
  f.hopLimit = ttl;
  f.trafficClass = tos;
  f.flowLabel = fields.flowLabel;
  return writeIpv6Header(target, offset, f);
}

/** Bytes of the IP + TCP packet buildIpTcpPacket makes (to check against the MTU before building). */
export function ipTcpPacketLength(family: 4 | 6, options: TcpOptions | undefined, payloadLength: number): number {
  return (family === 4 ? IPV4_HEADER_LENGTH : IPV6_HEADER_LENGTH) + tcpHeaderLength(options) + payloadLength;
}

/**
 * Writes the IP header, the TCP header with options and the payload at target[offset..], checksums filled in,
 * and returns the bytes written: for a caller that reuses one output buffer instead of allocating per packet.
 * Throws RangeError on a programming error (field out of range, addresses of mixed or odd length, no room).
 */
export function writeIpTcpPacket(target: Buffer, offset: number, init: IpTcpPacketInit): number {
  const ipLength = ipHeaderLength(init.src);
  const tcpLength = tcpHeaderLength(init.tcp.options) + (init.tcp.payload?.length ?? 0);
  if (offset < 0 || offset + ipLength + tcpLength > target.length) {
    throw new RangeError(`packet of ${ipLength + tcpLength} bytes does not fit at ${offset} in ${target.length}`);
  }
  writeIpHeader(target, offset, init, IP_PROTO.TCP, tcpLength);
  writeTcp(target, offset + ipLength, init.tcp, init.src, init.dst);
  return ipLength + tcpLength;
}

/**
 * Writes the IP header and the TCP header with options at target[offset..], both checksums filled in as if
 * init.tcp.payload followed, and returns the header bytes: for a link that takes a frame as headers and
 * payload in two pieces, so the payload is never copied into a packet buffer. Throws RangeError as
 * writeIpTcpPacket does.
 */
export function writeIpTcpHeaders(target: Buffer, offset: number, init: IpTcpPacketInit): number {
  const ipLength = ipHeaderLength(init.src);
  const tcpHeader = tcpHeaderLength(init.tcp.options);
  if (offset < 0 || offset + ipLength + tcpHeader > target.length) {
    throw new RangeError(`headers of ${ipLength + tcpHeader} bytes do not fit at ${offset} in ${target.length}`);
  }
  writeIpHeader(target, offset, init, IP_PROTO.TCP, tcpHeader + (init.tcp.payload?.length ?? 0));
  writeTcpHeader(target, offset + ipLength, init.tcp, init.src, init.dst);
  return ipLength + tcpHeader;
}

/** One Buffer holding the IP header, the TCP header with options and the payload, checksums filled in. */
export function buildIpTcpPacket(init: IpTcpPacketInit): Buffer {
  const length = ipHeaderLength(init.src) + tcpHeaderLength(init.tcp.options) + (init.tcp.payload?.length ?? 0);
  // Every byte is written, so the uninitialised (pooled) allocation is safe and saves a fill.
  const packet = Buffer.allocUnsafe(length);
  writeIpTcpPacket(packet, 0, init);
  return packet;
}

/** One Buffer holding an ICMP or ICMPv6 echo request/reply in its IP packet. */
export function buildIcmpEchoPacket(init: IcmpEchoPacketInit): Buffer {
  const ipLength = ipHeaderLength(init.src);
  const icmpLength = icmpEchoLength(init.echo.data?.length ?? 0);
  const packet = Buffer.allocUnsafe(ipLength + icmpLength);
  writeIpHeader(packet, 0, init, ipLength === IPV4_HEADER_LENGTH ? IP_PROTO.ICMP : IP_PROTO.ICMPV6, icmpLength);
  writeIcmpEcho(packet, ipLength, init.echo, init.src, init.dst);
  return packet;
}

/** Parses an IPv4 or IPv6 packet by its version nibble. Never throws. */
export function parseIpPacket(packet: Buffer): Parsed<IpPacket> {
  if (packet.length === 0) return fail("truncated", "0 bytes");
  const version = (packet[0] as number) >>> 4;
  if (version === 4) {
    const r = parseIpv4(packet);
    if (!r.ok) return r;
    const h = r.value.header;
    return ok({ family: 4, src: h.src, dst: h.dst, protocol: h.protocol, ttl: h.ttl, header: h, payload: r.value.payload });
  }
  if (version === 6) {
    const r = parseIpv6(packet);
    if (!r.ok) return r;
    const h = r.value.header;
    return ok({ family: 6, src: h.src, dst: h.dst, protocol: r.value.protocol, ttl: h.hopLimit, header: h, payload: r.value.payload });
  }
  return fail("bad-version", `version ${version}`);
}
