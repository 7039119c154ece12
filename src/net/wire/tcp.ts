// TCP header codec (RFC 9293 §3.1) with the options a small stack meets: MSS (RFC 9293 §3.7.1), window scale
// and timestamps (RFC 7323), SACK-permitted and SACK (RFC 2018). The parser refuses what no stack should act
// on (bad checksum, impossible flag sets, malformed options) so the state machine only sees sane segments.

import { finishChecksum, pseudoHeaderSum, sum16, sum16Range } from "./checksum.js";
import { fail, ok, type Parsed } from "./result.js";

export const TCP_FLAGS = { FIN: 1, SYN: 2, RST: 4, PSH: 8, ACK: 16, URG: 32, ECE: 64, CWR: 128 } as const;

export const TCP_HEADER_LENGTH = 20;
/** The data offset field is 4 bits of 32-bit words: 60 bytes of header, 40 of options. */
export const TCP_MAX_HEADER_LENGTH = 60;
/** RFC 7323 §2.3: a larger shift is read as 14. */
export const TCP_MAX_WINDOW_SCALE = 14;

const PROTO_TCP = 6;

export interface TcpOptions {
  readonly mss?: number;
  readonly windowScale?: number;
  readonly sackPermitted?: boolean;
  /** SACK blocks as [left edge, right edge) sequence numbers, in the order they were sent. */
  readonly sack?: ReadonlyArray<readonly [number, number]>;
  /** [TSval, TSecr] */
  readonly timestamp?: readonly [number, number];
}

export interface TcpSegment {
  readonly srcPort: number;
  readonly dstPort: number;
  /** uint32 */
  readonly seq: number;
  /** uint32; meaningful only with the ACK flag */
  readonly ack: number;
  /** TCP_FLAGS bits (the 8 bits of byte 13; the reserved/AE bits are not reported) */
  readonly flags: number;
  /** The raw 16-bit field, not yet scaled. */
  readonly window: number;
  readonly urgent: number;
  readonly options: TcpOptions;
  /** A view into the parsed buffer: copy it if it must outlive the packet. */
  readonly payload: Buffer;
}

/** What writeTcp needs: a TcpSegment where urgent, options and payload may be left out. */
export interface TcpSegmentInit {
  readonly srcPort: number;
  readonly dstPort: number;
  readonly seq: number;
  readonly ack: number;
  readonly flags: number;
  readonly window: number;
  readonly urgent?: number;
  readonly options?: TcpOptions;
  readonly payload?: Uint8Array;
}

const NO_OPTIONS: TcpOptions = Object.freeze({});
const EMPTY = Buffer.alloc(0);

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

function u16(buf: Uint8Array, i: number): number {
  return ((buf[i] as number) << 8) | (buf[i + 1] as number);
}

function u32(buf: Uint8Array, i: number): number {
  return (((buf[i] as number) << 24) | ((buf[i + 1] as number) << 16) | ((buf[i + 2] as number) << 8) | (buf[i + 3] as number)) >>> 0;
}

// Option kinds: RFC 9293 §3.1 (EOL, NOP, MSS), RFC 7323 (window scale, timestamps), RFC 2018 (SACK).
const OPT_EOL = 0;
const OPT_NOP = 1;
const OPT_MSS = 2;
const OPT_WS = 3;
const OPT_SACK_PERMITTED = 4;
const OPT_SACK = 5;
const OPT_TIMESTAMP = 8;

function parseOptions(buf: Buffer, end: number): Parsed<TcpOptions> {
  if (end === TCP_HEADER_LENGTH) return ok(NO_OPTIONS);
  const options: Mutable<TcpOptions> = {};
  let i = TCP_HEADER_LENGTH;
  // Each pass moves i forward by at least one byte, so the loop ends within 40 passes.
  while (i < end) {
    const kind = buf[i] as number;
    if (kind === OPT_EOL) break;
    if (kind === OPT_NOP) {
      i++;
      continue;
    }
    if (i + 1 >= end) return fail("bad-options", `option ${kind} has no length byte`);
    const length = buf[i + 1] as number;
    if (length < 2 || i + length > end) return fail("bad-options", `option ${kind} length ${length}`);
    switch (kind) {
      case OPT_MSS:
        if (length !== 4) return fail("bad-options", `MSS length ${length}`);
        options.mss = u16(buf, i + 2);
        break;
      case OPT_WS:
        if (length !== 3) return fail("bad-options", `window scale length ${length}`);
        options.windowScale = Math.min(buf[i + 2] as number, TCP_MAX_WINDOW_SCALE);
        break;
      case OPT_SACK_PERMITTED:
        if (length !== 2) return fail("bad-options", `SACK-permitted length ${length}`);
        options.sackPermitted = true;
        break;
      case OPT_SACK: {
        if (length < 10 || (length - 2) % 8 !== 0) return fail("bad-options", `SACK length ${length}`);
        const blocks: Array<readonly [number, number]> = [];
        for (let b = i + 2; b < i + length; b += 8) blocks.push([u32(buf, b), u32(buf, b + 4)]);
        options.sack = blocks;
        break;
      }
      case OPT_TIMESTAMP:
        if (length !== 10) return fail("bad-options", `timestamp length ${length}`);
        options.timestamp = [u32(buf, i + 2), u32(buf, i + 6)];
        break;
      default:
        // Unknown options are skipped by their length (RFC 9293 §3.1: "must be prepared to handle").
        break;
    }
    i += length;
  }
  return ok(options);
}

/**
 * Why a flag set is refused, or undefined when it is acceptable. Without ACK only a SYN (opening) or an RST
 * (answering something unexpected) is legal (RFC 9293 §3.10.7); SYN, RST and FIN exclude one another (smoltcp
 * and Linux conntrack refuse those mixes too). PSH/URG/ECE/CWR ride along with any legal set.
 */
export function tcpFlagsProblem(flags: number): string | undefined {
  const syn = (flags & TCP_FLAGS.SYN) !== 0;
  const rst = (flags & TCP_FLAGS.RST) !== 0;
  const fin = (flags & TCP_FLAGS.FIN) !== 0;
  if (syn && fin) return "SYN+FIN";
  if (syn && rst) return "SYN+RST";
  if (rst && fin) return "RST+FIN";
  if ((flags & TCP_FLAGS.ACK) === 0 && !syn && !rst) return fin ? "FIN without ACK" : "no SYN, RST or ACK";
  return undefined;
}

/**
 * Parses a TCP segment (header + payload, exactly as long as the IP layer says) and verifies its checksum
 * against the pseudo header of src/dst (4 bytes each for IPv4, 16 for IPv6). Never throws.
 */
export function parseTcp(buf: Buffer, src: Buffer, dst: Buffer): Parsed<TcpSegment> {
  if (buf.length < TCP_HEADER_LENGTH) return fail("truncated", `${buf.length} bytes`);
  if (src.length !== dst.length || (src.length !== 4 && src.length !== 16)) {
    return fail("bad-address", `address lengths ${src.length}/${dst.length}`);
  }
  const headerLength = ((buf[12] as number) >>> 4) * 4;
  if (headerLength < TCP_HEADER_LENGTH) return fail("bad-header-length", `data offset ${headerLength / 4}`);
  if (headerLength > buf.length) return fail("truncated", `header ${headerLength} > ${buf.length} bytes`);
  if (finishChecksum(sum16(buf, pseudoHeaderSum(src, dst, PROTO_TCP, buf.length))) !== 0) {
    return fail("bad-checksum");
  }
  const srcPort = u16(buf, 0);
  const dstPort = u16(buf, 2);
  if (srcPort === 0 || dstPort === 0) return fail("bad-address", "port 0");
  const flags = buf[13] as number;
  const problem = tcpFlagsProblem(flags);
  if (problem !== undefined) return fail("bad-flags", problem);
  const options = parseOptions(buf, headerLength);
  if (!options.ok) return options;
  return ok({
    srcPort,
    dstPort,
    seq: u32(buf, 4),
    ack: u32(buf, 8),
    flags,
    window: u16(buf, 14),
    urgent: u16(buf, 18),
    options: options.value,
    payload: headerLength === buf.length ? EMPTY : buf.subarray(headerLength),
  });
}

/** Sequence space the segment occupies: payload plus one each for SYN and FIN. */
export function tcpSegmentLength(seg: { readonly flags: number; readonly payload?: Uint8Array }): number {
  return (seg.payload?.length ?? 0) + (seg.flags & TCP_FLAGS.SYN ? 1 : 0) + (seg.flags & TCP_FLAGS.FIN ? 1 : 0);
}

/** SACK blocks that fit beside the other options in 40 bytes (2 + 8n bytes plus 2 NOPs for alignment). */
function sackBlocksThatFit(options: TcpOptions): number {
  const blocks = options.sack?.length ?? 0;
  if (blocks === 0) return 0;
  const room = TCP_MAX_HEADER_LENGTH - TCP_HEADER_LENGTH - fixedOptionsLength(options) - 4;
  return Math.max(0, Math.min(blocks, Math.floor(room / 8)));
}

function fixedOptionsLength(options: TcpOptions): number {
  return (
    (options.mss !== undefined ? 4 : 0) +
    (options.windowScale !== undefined ? 4 : 0) +
    (options.sackPermitted ? 4 : 0) +
    (options.timestamp !== undefined ? 12 : 0)
  );
}

/**
 * Bytes of TCP header (options included, 4-aligned) that writeTcp emits for these options. SACK blocks
 * beyond what fits in 40 option bytes are left out (the first ones are kept: RFC 2018 §4 puts the newest first).
 */
export function tcpHeaderLength(options?: TcpOptions): number {
  if (options === undefined || options === NO_OPTIONS) return TCP_HEADER_LENGTH;
  const blocks = sackBlocksThatFit(options);
  return TCP_HEADER_LENGTH + fixedOptionsLength(options) + (blocks > 0 ? 4 + 8 * blocks : 0);
}

function put16(t: Uint8Array, i: number, v: number): void {
  t[i] = v >>> 8;
  t[i + 1] = v & 0xff;
}

function put32(t: Uint8Array, i: number, v: number): void {
  t[i] = v >>> 24;
  t[i + 1] = (v >>> 16) & 0xff;
  t[i + 2] = (v >>> 8) & 0xff;
  t[i + 3] = v & 0xff;
}

function checkRange(name: string, value: number, max: number): void {
  if (!Number.isInteger(value) || value < 0 || value > max) throw new RangeError(`TCP ${name} ${value} out of range 0..${max}`);
}

/**
 * Writes header, options and payload at target[offset..] and fills in the checksum for src/dst. Options are
 * each padded with NOPs to 4 bytes, in the order MSS, window scale, SACK-permitted, timestamp, SACK. If the
 * payload already sits at its place in target (a view of it), it is not copied. Returns the bytes written.
 * Throws RangeError on a programming error (field out of range, target too small); never on packet data.
 */
export function writeTcp(target: Buffer, offset: number, seg: TcpSegmentInit, src: Uint8Array, dst: Uint8Array): number {
  const payload = seg.payload ?? EMPTY;
  const headerLength = tcpHeaderLength(seg.options ?? NO_OPTIONS);
  const total = headerLength + payload.length;
  if (offset < 0 || offset + total > target.length) {
    throw new RangeError(`TCP segment of ${total} bytes does not fit at ${offset} in ${target.length}`);
  }
  writeFields(target, offset, seg, headerLength, src, dst);
  const i = offset + headerLength;
  if (payload.length > 0 && !(payload.buffer === target.buffer && payload.byteOffset === target.byteOffset + i)) {
    target.set(payload, i);
  }
  const checksum = finishChecksum(sum16Range(target, offset, offset + total, pseudoHeaderSum(src, dst, PROTO_TCP, total)));
  put16(target, offset + 16, checksum);
  return total;
}

/**
 * Writes only the header and options at target[offset..], with the checksum over them and seg.payload as if
 * the payload followed: for a caller that sends header and payload as two pieces (the payload is not copied
 * here). Returns the header bytes written. Throws RangeError as writeTcp does.
 */
export function writeTcpHeader(target: Buffer, offset: number, seg: TcpSegmentInit, src: Uint8Array, dst: Uint8Array): number {
  const payload = seg.payload ?? EMPTY;
  const headerLength = tcpHeaderLength(seg.options ?? NO_OPTIONS);
  if (offset < 0 || offset + headerLength > target.length) {
    throw new RangeError(`TCP header of ${headerLength} bytes does not fit at ${offset} in ${target.length}`);
  }
  const total = headerLength + payload.length;
  writeFields(target, offset, seg, headerLength, src, dst);
  // The header is a whole number of 32-bit words, so the payload's words line up after it.
  let sum = sum16Range(target, offset, offset + headerLength, pseudoHeaderSum(src, dst, PROTO_TCP, total));
  if (payload.length > 0) sum = sum16Range(payload, 0, payload.length, sum);
  put16(target, offset + 16, finishChecksum(sum));
  return headerLength;
}

/** Header fields and options (checksum field zeroed), after range checks. */
function writeFields(t: Buffer, o: number, seg: TcpSegmentInit, headerLength: number, src: Uint8Array, dst: Uint8Array): void {
  const options = seg.options ?? NO_OPTIONS;
  if (src.length !== dst.length || (src.length !== 4 && src.length !== 16)) {
    throw new RangeError(`address lengths ${src.length}/${dst.length}`);
  }
  checkRange("source port", seg.srcPort, 0xffff);
  checkRange("destination port", seg.dstPort, 0xffff);
  checkRange("window", seg.window, 0xffff);
  checkRange("flags", seg.flags, 0xff);
  const urgent = seg.urgent ?? 0;
  checkRange("urgent pointer", urgent, 0xffff);
  put16(t, o, seg.srcPort);
  put16(t, o + 2, seg.dstPort);
  put32(t, o + 4, seg.seq >>> 0);
  put32(t, o + 8, seg.ack >>> 0);
  t[o + 12] = (headerLength / 4) << 4;
  t[o + 13] = seg.flags;
  put16(t, o + 14, seg.window);
  t[o + 16] = 0;
  t[o + 17] = 0;
  put16(t, o + 18, urgent);
  let i = o + TCP_HEADER_LENGTH;
  if (options !== NO_OPTIONS) {
    if (options.mss !== undefined) {
      checkRange("MSS", options.mss, 0xffff);
      t[i] = OPT_MSS;
      t[i + 1] = 4;
      put16(t, i + 2, options.mss);
      i += 4;
    }
    if (options.windowScale !== undefined) {
      checkRange("window scale", options.windowScale, TCP_MAX_WINDOW_SCALE);
      t[i] = OPT_NOP;
      t[i + 1] = OPT_WS;
      t[i + 2] = 3;
      t[i + 3] = options.windowScale;
      i += 4;
    }
    if (options.sackPermitted) {
      t[i] = OPT_NOP;
      t[i + 1] = OPT_NOP;
      t[i + 2] = OPT_SACK_PERMITTED;
      t[i + 3] = 2;
      i += 4;
    }
    if (options.timestamp !== undefined) {
      t[i] = OPT_NOP;
      t[i + 1] = OPT_NOP;
      t[i + 2] = OPT_TIMESTAMP;
      t[i + 3] = 10;
      put32(t, i + 4, options.timestamp[0] >>> 0);
      put32(t, i + 8, options.timestamp[1] >>> 0);
      i += 12;
    }
    const blocks = sackBlocksThatFit(options);
    if (blocks > 0 && options.sack !== undefined) {
      t[i] = OPT_NOP;
      t[i + 1] = OPT_NOP;
      t[i + 2] = OPT_SACK;
      t[i + 3] = 2 + 8 * blocks;
      i += 4;
      for (let b = 0; b < blocks; b++) {
        const block = options.sack[b] as readonly [number, number];
        put32(t, i, block[0] >>> 0);
        put32(t, i + 4, block[1] >>> 0);
        i += 8;
      }
    }
  }
}

/** "SYN|ACK"-style text for logs and test messages. */
export function formatTcpFlags(flags: number): string {
  const names: string[] = [];
  for (const [name, bit] of Object.entries(TCP_FLAGS)) if (flags & bit) names.push(name);
  return names.length > 0 ? names.join("|") : "none";
}
