// The Internet checksum (RFC 1071): a 16-bit one's-complement sum of big-endian 16-bit words. Every packet in
// and out goes through it, so it reads 32 bits at a time from an aligned Uint32Array in host (little-endian)
// order and corrects the byte order once at the end: a one's-complement sum of byte-swapped words is the
// byte-swapped sum (RFC 1071 §2(B)), and rotating a 16-bit value by 8 bits is multiplying it by 256 mod 65535.

/** Folds a non-negative sum (below 2^53) into 16 bits with end-around carry. */
function fold(sum: number): number {
  // Packet-sized sums fit in 32 bits: two bitwise folds. Larger ones take two arithmetic folds first.
  if (sum > 0xffffffff) {
    sum = (sum % 0x10000) + Math.floor(sum / 0x10000);
    sum = (sum % 0x10000) + Math.floor(sum / 0x10000);
  }
  sum = (sum & 0xffff) + (sum >>> 16);
  return (sum & 0xffff) + (sum >>> 16);
}

function swap16(x: number): number {
  return ((x & 0xff) << 8) | (x >>> 8);
}

// 2^20 words of up to 2^32 each stay exact in a double; a longer run is folded in between.
const WORDS_PER_BLOCK = 1 << 20;
// Below this size, making a Uint32Array view costs more than reading the bytes one by one.
const SMALL = 64;

/** Sum of the bytes [from, to) of buf as big-endian words; bytes at an even distance from `origin` are high. */
function sumBytes(buf: Uint8Array, from: number, to: number, origin: number): number {
  let sum = 0;
  let i = from;
  if ((i - origin) & 1 && i < to) {
    sum += buf[i] as number;
    i++;
  }
  const pairsEnd = i + ((to - i) & ~3);
  for (; i < pairsEnd; i += 4) {
    sum += (((buf[i] as number) << 8) | (buf[i + 1] as number)) + (((buf[i + 2] as number) << 8) | (buf[i + 3] as number));
  }
  for (; i + 1 < to; i += 2) sum += ((buf[i] as number) << 8) | (buf[i + 1] as number);
  if (i < to) sum += (buf[i] as number) << 8;
  return sum;
}

/**
 * One's-complement running sum of buf as big-endian 16-bit words, added to `initial`, folded to 16 bits
 * (0..0xffff). Chain calls to sum a packet held in pieces; every piece but the last must have an even length,
 * because an odd length shifts the word boundaries of what follows.
 */
export function sum16(buf: Uint8Array, initial = 0): number {
  return sum16Range(buf, 0, buf.length, initial);
}

/** sum16 of buf[start, end) without making a view of it (the hot path sums headers inside a packet). */
export function sum16Range(buf: Uint8Array, start: number, end: number, initial = 0): number {
  const length = end - start;
  if (length < SMALL) return fold(initial + sumBytes(buf, start, end, start));
  // Bytes before the first 4-aligned address of the underlying memory are summed one by one.
  const head = (4 - ((buf.byteOffset + start) & 3)) & 3;
  const words = (length - head) >>> 2;
  const bodyStart = start + head;
  const bodyEnd = bodyStart + words * 4;
  let body = 0;
  const view = new Uint32Array(buf.buffer, buf.byteOffset + bodyStart, words);
  for (let from = 0; from < words; from += WORDS_PER_BLOCK) {
    const to = Math.min(words, from + WORDS_PER_BLOCK);
    let block = 0;
    let w = from;
    const to4 = from + ((to - from) & ~3);
    for (; w < to4; w += 4) {
      block += (view[w] as number) + (view[w + 1] as number) + (view[w + 2] as number) + (view[w + 3] as number);
    }
    for (; w < to; w++) block += view[w] as number;
    body = fold(body + block);
  }
  // A little-endian word read at an even distance from start is the byte-swapped big-endian sum; at an odd
  // distance the pairing with the big-endian words is shifted by one byte, which undoes the swap.
  if ((head & 1) === 0) body = swap16(body);
  return fold(initial + body + sumBytes(buf, start, bodyStart, start) + sumBytes(buf, bodyEnd, end, start));
}

/** Folds and inverts a running sum: the value that goes into a checksum field. */
export function finishChecksum(sum: number): number {
  return ~fold(sum) & 0xffff;
}

/**
 * The sum of the TCP/UDP/ICMPv6 pseudo header: IPv4 (RFC 9293 §3.1) or IPv6 (RFC 8200 §8.1) by the length of
 * the addresses. `length` is the upper-layer length (header + data).
 */
export function pseudoHeaderSum(src: Uint8Array, dst: Uint8Array, protocol: number, length: number): number {
  return fold(sumBytes(src, 0, src.length, 0) + sumBytes(dst, 0, dst.length, 0) + protocol + (length >>> 16) + (length & 0xffff));
}

/** The checksum of a whole buffer, ready to store. A buffer that carries a correct checksum yields 0. */
export function internetChecksum(buf: Uint8Array): number {
  return finishChecksum(sum16(buf));
}
