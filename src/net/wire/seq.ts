// TCP sequence-number arithmetic (RFC 9293 §3.4): numbers live modulo 2^32, so comparisons are made on the
// signed 32-bit difference. Valid while the two numbers are less than 2^31 apart, which every window is.

/** a - b as a signed 32-bit number: negative when a is before b. */
export function seqDiff(a: number, b: number): number {
  return (a - b) | 0;
}

/** a + n wrapped to an unsigned 32-bit sequence number (n may be negative). */
export function seqAdd(a: number, n: number): number {
  return (a + n) >>> 0;
}

export function seqLt(a: number, b: number): boolean {
  return ((a - b) | 0) < 0;
}

export function seqLe(a: number, b: number): boolean {
  return ((a - b) | 0) <= 0;
}

export function seqGt(a: number, b: number): boolean {
  return ((a - b) | 0) > 0;
}

export function seqGe(a: number, b: number): boolean {
  return ((a - b) | 0) >= 0;
}

/** The later of two sequence numbers. */
export function seqMax(a: number, b: number): number {
  return ((a - b) | 0) >= 0 ? a : b;
}

/** The earlier of two sequence numbers. */
export function seqMin(a: number, b: number): number {
  return ((a - b) | 0) <= 0 ? a : b;
}

/** start <= x < start + length, modulo 2^32 (the receive-window test of RFC 9293 §3.10.7.4). */
export function seqInWindow(x: number, start: number, length: number): boolean {
  const d = (x - start) >>> 0;
  return d < length;
}
