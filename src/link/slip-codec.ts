// SLIP (RFC 1055) encoder and decoder: pure, no I/O, no timers.
//
// Ours rather than @serialport/parser-slip-encoder's, because of its decoder's speed. bench/slip.mjs,
// 20,000 random 1500-byte frames, decoders fed the same random chunks of 1 B..16 KiB, Node 20,
// 2-core build machine (shared: load average ~5.6), median of 5, MB of payload per CPU second:
//   @serialport SlipDecoder     1.3 MB/s  (0.01 Gbit/s: it concatenates one Buffer per byte)
//   our SlipDecoder           181 MB/s  (1.45 Gbit/s)
//   @serialport SlipEncoder    70 MB/s,  our encodeSlip 396 MB/s
//   SlipFraming over linkPair (encode + stream + decode) 149 MB/s (1.19 Gbit/s)
// The stack's goal is >= 1 Gbit/s (125 MB/s) on an in-memory link. @serialport's codec stays as
// the test oracle: slip-oracle.test.ts proves both produce the same bytes and the same frames.
//
// Frames go out as END, escaped payload, END: the leading END flushes whatever line noise the
// receiver collected, so noise becomes a short frame of its own (which IP rejects) instead of
// corrupting the next packet.

export const END = 0xc0;
export const ESC = 0xdb;
export const ESC_END = 0xdc;
export const ESC_ESC = 0xdd;

/** Bytes encodeSlip(frame) produces: payload + escapes + two ENDs. What a UART has to carry. */
export function slipEncodedLength(frame: Buffer): number {
  return frame.length + 2 + countByte(frame, END) + countByte(frame, ESC);
}

function countByte(buf: Buffer, byte: number): number {
  let n = 0;
  for (let i = buf.indexOf(byte); i >= 0; i = buf.indexOf(byte, i + 1)) n++;
  return n;
}

/** END + frame with END/ESC escaped + END. */
export function encodeSlip(frame: Buffer): Buffer {
  const out = Buffer.allocUnsafe(slipEncodedLength(frame));
  out[0] = END;
  let o = 1;
  let pos = 0;
  let nextEnd = frame.indexOf(END);
  let nextEsc = frame.indexOf(ESC);
  // Copy the runs between special bytes in bulk; they are ~128 bytes long in random data.
  while (nextEnd >= 0 || nextEsc >= 0) {
    const isEnd = nextEnd >= 0 && (nextEsc < 0 || nextEnd < nextEsc);
    const at = isEnd ? nextEnd : nextEsc;
    o += frame.copy(out, o, pos, at);
    out[o++] = ESC;
    out[o++] = isEnd ? ESC_END : ESC_ESC;
    pos = at + 1;
    if (isEnd) nextEnd = frame.indexOf(END, pos);
    else nextEsc = frame.indexOf(ESC, pos);
  }
  o += frame.copy(out, o, pos);
  out[o] = END;
  return out;
}

const OVERFLOW = -1;
const BAD_ESCAPE = -2;

/**
 * Streaming decoder. Feed it bytes in chunks of any size; it calls onFrame once per frame.
 * - Frame boundaries survive any chunking (state carries over, including a split ESC pair).
 * - Empty frames (END END) are ignored.
 * - A frame whose decoded length exceeds maxFrame is dropped and counted in `oversize`; the rest
 *   of it is skipped up to the next END without being buffered.
 * - ESC followed by anything but ESC_END/ESC_ESC drops the frame and counts it in `badEscape`.
 * A delivered frame may be a view into the chunk that was pushed (no copy when the frame lies
 * within one chunk and has no escapes): do not change a chunk after pushing it.
 */
export class SlipDecoder {
  oversize = 0;
  badEscape = 0;
  frames = 0;
  private readonly acc: Buffer;
  private accLen = 0;
  private escPending = false;
  private discarding = false;
  // Out-values of unescape(), kept as fields so the hot path allocates nothing.
  private tailEsc = false;
  private escScan = -1;

  constructor(
    readonly maxFrame: number,
    private readonly onFrame: (frame: Buffer) => void,
  ) {
    if (!Number.isInteger(maxFrame) || maxFrame < 1) throw new RangeError(`maxFrame must be a positive integer`);
    this.acc = Buffer.allocUnsafe(maxFrame);
  }

  push(chunk: Buffer): void {
    const n = chunk.length;
    let pos = 0;
    // Position of the first ESC at or after pos (n when none); -1 until first needed.
    let nextEsc = -1;
    while (pos < n) {
      const endAt = chunk.indexOf(END, pos);
      if (this.discarding) {
        if (endAt < 0) return;
        this.discarding = false;
        pos = endAt + 1;
        continue;
      }
      if (nextEsc < pos) {
        nextEsc = chunk.indexOf(ESC, pos);
        if (nextEsc < 0) nextEsc = n;
      }
      if (endAt >= 0 && this.accLen === 0 && !this.escPending) {
        if (endAt > pos) nextEsc = this.whole(chunk, pos, endAt, nextEsc);
        pos = endAt + 1;
        continue;
      }
      const stop = endAt < 0 ? n : endAt;
      const len = this.unescape(chunk, pos, stop, this.acc, this.accLen, this.escPending, nextEsc);
      nextEsc = this.escScan;
      if (len === OVERFLOW || len === BAD_ESCAPE) {
        if (len === OVERFLOW) this.oversize++;
        else this.badEscape++;
        this.accLen = 0;
        this.escPending = false;
        if (endAt < 0) {
          this.discarding = true;
          return;
        }
        pos = endAt + 1;
        continue;
      }
      if (endAt < 0) {
        this.accLen = len;
        this.escPending = this.tailEsc;
        return;
      }
      if (this.tailEsc) {
        this.badEscape++; // ESC immediately before END
      } else if (len > 0) {
        this.frames++;
        this.onFrame(Buffer.from(this.acc.subarray(0, len)));
      }
      this.accLen = 0;
      this.escPending = false;
      pos = endAt + 1;
    }
  }

  /** A complete frame chunk[from, to) inside one chunk; returns the updated ESC scan position. */
  private whole(chunk: Buffer, from: number, to: number, nextEsc: number): number {
    const len = to - from;
    if (nextEsc >= to) {
      if (len > this.maxFrame) this.oversize++;
      else {
        this.frames++;
        this.onFrame(chunk.subarray(from, to));
      }
      return nextEsc;
    }
    const out = Buffer.allocUnsafe(Math.min(len, this.maxFrame));
    const got = this.unescape(chunk, from, to, out, 0, false, nextEsc);
    if (got === OVERFLOW) this.oversize++;
    else if (got === BAD_ESCAPE || this.tailEsc) this.badEscape++;
    else {
      this.frames++;
      this.onFrame(out.subarray(0, got));
    }
    return this.escScan;
  }

  /**
   * Unescapes src[from, to) (which holds no END) into dst at dOff, capped at maxFrame bytes.
   * Returns the new length, OVERFLOW or BAD_ESCAPE; sets tailEsc when src ends inside an ESC pair
   * and escScan to the ESC scan position for the caller's next use.
   */
  private unescape(src: Buffer, from: number, to: number, dst: Buffer, dOff: number, startEsc: boolean, nextEsc: number): number {
    const cap = this.maxFrame;
    let i = from;
    let e = nextEsc;
    this.tailEsc = false;
    if (startEsc) {
      if (i >= to) {
        this.tailEsc = true;
        this.escScan = e;
        return dOff;
      }
      const b = src[i];
      if (b !== ESC_END && b !== ESC_ESC) return this.fail(BAD_ESCAPE, e);
      if (dOff >= cap) return this.fail(OVERFLOW, e);
      dst[dOff++] = b === ESC_END ? END : ESC;
      i++;
    }
    for (;;) {
      if (e < i) {
        e = src.indexOf(ESC, i);
        if (e < 0) e = src.length;
      }
      const runEnd = e < to ? e : to;
      const run = runEnd - i;
      if (dOff + run > cap) return this.fail(OVERFLOW, e);
      if (run > 0) dOff += src.copy(dst, dOff, i, runEnd);
      if (e >= to) {
        this.escScan = e;
        return dOff;
      }
      if (e + 1 >= to) {
        this.tailEsc = true;
        this.escScan = e;
        return dOff;
      }
      const b = src[e + 1];
      if (b !== ESC_END && b !== ESC_ESC) return this.fail(BAD_ESCAPE, e);
      if (dOff >= cap) return this.fail(OVERFLOW, e);
      dst[dOff++] = b === ESC_END ? END : ESC;
      i = e + 2;
    }
  }

  private fail(code: number, e: number): number {
    this.escScan = e;
    return code;
  }
}
