// The two link abstractions: a ByteLink carries raw bytes to the board (a Node Duplex), a
// FrameLink carries one IP packet per frame (SLIP on top of a ByteLink, then any decorators).
// Also the counters every FrameLink exposes, so a run can say what the link did.
import type { EventEmitter } from "node:events";
import type { Duplex } from "node:stream";

/** Raw bytes to and from the board: a serial port, a socket, or one end of linkPair(). */
export type ByteLink = Duplex;

export interface FrameLinkEvents {
  /** One received frame. It may share memory with the link's read buffer: copy it before changing it. */
  frame: [frame: Buffer];
  /** send() returned false earlier and the link can take more now. */
  drain: [];
  /** The link is gone (closed by us or by the other side). Emitted once. */
  close: [];
  error: [error: Error];
}

export interface FrameLink extends EventEmitter<FrameLinkEvents> {
  /** What the link was opened from ("tcp:127.0.0.1:5555", "pair"), for messages. */
  readonly name: string;
  /** Sends one frame. false: above the high-water mark, wait for 'drain' before sending more. */
  send(frame: Buffer): boolean;
  /**
   * Optional: sends one frame given as two pieces (IP and TCP headers, then the payload) without
   * joining them first. A link offers it only when it is done with both pieces by the time it
   * returns (it encodes them), so the caller may reuse the head buffer for the next frame. Links
   * that keep frames (queues, delays, captures) do not offer it; send() is then the way.
   */
  sendPieces?(head: Buffer, body: Buffer): boolean;
  /** Flushes what was sent, closes the link (and everything below it), resolves once it is closed. */
  close(): Promise<void>;
  /** A snapshot of the counters of this link and every layer below it. */
  readonly stats: LinkStats;
}

export interface LinkStats {
  /** Frames delivered by the framing layer (after decoding, before any decorator above it). */
  readonly framesIn: number;
  /** Frames handed to the framing layer for the wire. */
  readonly framesOut: number;
  /** Payload bytes of those frames. */
  readonly bytesIn: number;
  readonly bytesOut: number;
  /** Bytes on the wire (SLIP: with escapes and ENDs). */
  readonly wireBytesIn: number;
  readonly wireBytesOut: number;
  /** Received frames over the size limit, dropped. */
  readonly oversize: number;
  /** Received frames with an invalid escape sequence, dropped. */
  readonly badEscape: number;
  /** Frames sent after the link closed, discarded. */
  readonly afterClose: number;
  /** Injected faults (faults() decorator), both directions together. */
  readonly dropped: number;
  readonly corrupted: number;
  readonly duplicated: number;
  readonly reordered: number;
  readonly delayed: number;
  readonly stalled: number;
}

export type MutableLinkStats = { -readonly [K in keyof LinkStats]: LinkStats[K] };

export function emptyStats(): MutableLinkStats {
  return {
    framesIn: 0,
    framesOut: 0,
    bytesIn: 0,
    bytesOut: 0,
    wireBytesIn: 0,
    wireBytesOut: 0,
    oversize: 0,
    badEscape: 0,
    afterClose: 0,
    dropped: 0,
    corrupted: 0,
    duplicated: 0,
    reordered: 0,
    delayed: 0,
    stalled: 0,
  };
}

/** Field-wise sum: a decorator's own counters added to those of the link it wraps. */
export function addStats(a: LinkStats, b: Partial<LinkStats>): LinkStats {
  const sum: MutableLinkStats = { ...a };
  for (const key of Object.keys(b) as (keyof LinkStats)[]) sum[key] = a[key] + (b[key] ?? 0);
  return sum;
}
