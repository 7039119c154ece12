// The physical limit of a serial line for a transfer: a UART moves baud/10 bytes/s (start bit,
// 8 data bits, stop bit), and only part of those bytes are the file's — the rest are SLIP ENDs
// and escapes, IP and TCP headers, ACKs are on the other wire. Goodput is judged against
// baud/10 x (payload / wire bytes actually sent in the transfer direction), so a figure near 100%
// means the line never idled, whatever the MTU and the data's escape count.
import type { LinkStats } from "./frame-link.js";

export const UART_BITS_PER_BYTE = 10;

export type Direction = "in" | "out";

/** Frames, IP bytes and encoded (wire) bytes that went one way between two snapshots of a link's stats. */
export interface LineCount {
  readonly frames: number;
  readonly ipBytes: number;
  readonly wireBytes: number;
}

/** What moved in `direction` ("in": board to host, a RETR; "out": host to board, a STOR) from `before` to `after`. */
export function lineCount(before: LinkStats, after: LinkStats, direction: Direction): LineCount {
  return direction === "in"
    ? { frames: after.framesIn - before.framesIn, ipBytes: after.bytesIn - before.bytesIn, wireBytes: after.wireBytesIn - before.wireBytesIn }
    : { frames: after.framesOut - before.framesOut, ipBytes: after.bytesOut - before.bytesOut, wireBytes: after.wireBytesOut - before.wireBytesOut };
}

export interface Goodput {
  /** File bytes per second. */
  readonly bytesPerSecond: number;
  /** baud / 10: what the UART moves, bytes/s. */
  readonly rawLimit: number;
  /** rawLimit x payload / wire: the most file bytes/s this line could carry with these frames. */
  readonly limit: number;
  /** bytesPerSecond / limit (1 = the line never idled). */
  readonly ofLimit: number;
  /** Wire bytes per payload byte (framing, headers and escapes). */
  readonly overhead: number;
}

/** Goodput of `payloadBytes` moved in `seconds` over a `baud` line that carried `wireBytes` for it. */
export function goodput(payloadBytes: number, seconds: number, wireBytes: number, baud: number): Goodput {
  if (!(seconds > 0) || !(payloadBytes > 0) || !(wireBytes > 0) || !(baud > 0)) {
    throw new RangeError(`goodput wants positive payload, seconds, wire bytes and baud (got ${payloadBytes}, ${seconds}, ${wireBytes}, ${baud})`);
  }
  const bytesPerSecond = payloadBytes / seconds;
  const rawLimit = baud / UART_BITS_PER_BYTE;
  const limit = rawLimit * (payloadBytes / wireBytes);
  return { bytesPerSecond, rawLimit, limit, ofLimit: bytesPerSecond / limit, overhead: wireBytes / payloadBytes };
}
