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
const EMPTY_SLAB = Buffer.alloc(0);

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
  encodeSlipInto(frame, out, 0);
  return out;
}

/** The most bytes encodeSlipInto can write for a frame of `length` bytes (every byte escaped). */
export function slipEncodedBound(length: number): number {
  return 2 * length + 2;
}

/**
 * Writes END + escaped frame + END at target[offset..] and returns the bytes written. The room
 * needed is slipEncodedLength(frame); slipEncodedBound(frame.length) always suffices, so a caller
 * that encodes into a larger buffer needs no counting pass. Throws RangeError when it does not fit.
 */
export function encodeSlipInto(frame: Buffer, target: Buffer, offset: number): number {
  if (offset >= target.length) throw new RangeError(`SLIP frame does not fit at ${offset} in ${target.length}`);
  target[offset] = END;
  const o = escapeSlipInto(frame, target, offset + 1);
  if (o >= target.length) throw new RangeError(`SLIP frame does not fit at ${offset} in ${target.length}`);
  target[o] = END;
  return o + 1 - offset;
}

/**
 * Writes bytes with END and ESC escaped (no framing ENDs) at target[offset..]; returns the offset
 * after them. Pieces written one after the other form one frame's body. Throws RangeError when
 * they do not fit.
 */
export function escapeSlipInto(bytes: Buffer, target: Buffer, offset: number): number {
  const n = bytes.length;
  // Where the special bytes are: found with the native indexOf (runs are ~128 bytes in random data).
  let k = 0;
  let nextEnd = bytes.indexOf(END);
  let nextEsc = bytes.indexOf(ESC);
  if (nextEnd < 0) nextEnd = n;
  if (nextEsc < 0) nextEsc = n;
  while (nextEnd < n || nextEsc < n) {
    if (k === specials.length) specials = growInt32(specials);
    if (nextEnd < nextEsc) {
      specials[k++] = nextEnd;
      nextEnd = bytes.indexOf(END, nextEnd + 1);
      if (nextEnd < 0) nextEnd = n;
    } else {
      specials[k++] = nextEsc;
      nextEsc = bytes.indexOf(ESC, nextEsc + 1);
      if (nextEsc < 0) nextEsc = n;
    }
  }
  if (offset < 0 || offset + n + k > target.length) throw new RangeError(`SLIP bytes do not fit at ${offset} in ${target.length}`);
  // One bulk copy to k bytes past the final place, then each run moves left within the target
  // (copyWithin: no view per run, unlike Buffer#copy) to make room for the escapes before it.
  target.set(bytes, offset + k);
  if (k === 0) return offset + n;
  const base = offset + k;
  let o = offset;
  let from = 0;
  for (let j = 0; j < k; j++) {
    const at = specials[j]!;
    if (at > from) {
      target.copyWithin(o, base + from, base + at);
      o += at - from;
    }
    target[o++] = ESC;
    target[o++] = bytes[at] === END ? ESC_END : ESC_ESC;
    from = at + 1;
  }
  if (n > from) {
    target.copyWithin(o, base + from, base + n);
    o += n - from;
  }
  return o;
}

/** Positions of special bytes, reused by escapeSlipInto (it never re-enters). */
let specials: Int32Array = new Int32Array(256);

function growInt32(a: Int32Array): Int32Array {
  const b = new Int32Array(a.length * 2);
  b.set(a);
  return b;
}

const OVERFLOW = -1;
const BAD_ESCAPE = -2;
/** Memory for decoded frames that needed a copy. */
const SLAB = 64 * 1024;

/**
 * Streaming decoder. Feed it bytes in chunks of any size; it calls onFrame once per frame.
 * - Frame boundaries survive any chunking (state carries over, including a split ESC pair).
 * - Empty frames (END END) are ignored.
 * - A frame whose decoded length exceeds maxFrame is dropped and counted in `oversize`; the rest
 *   of it is skipped up to the next END without being buffered.
 * - ESC followed by anything but ESC_END/ESC_ESC drops the frame and counts it in `badEscape`.
 * A delivered frame may be a view into the chunk that was pushed (no copy when the frame lies
 * within one chunk and has no escapes): do not change a chunk after pushing it. With `inPlace`,
 * a frame with escapes inside one chunk is unescaped where it lies (the output never overtakes
 * the input) and delivered as a view too: the chunks pushed must then be the decoder's to change.
 * That saves fresh memory per frame, which on the build machines costs more than the copy
 * (2-4 us per 4 KiB page touched for the first time). Frames that still need a copy (split
 * across chunks, or escaped without inPlace) are cut from shared slabs (one allocation per SLAB
 * bytes, not one per frame); a slab is never written again once a frame was cut from it, so
 * every frame stays valid as long as the receiver holds it.
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
  private slab: Buffer = EMPTY_SLAB;
  private slabUsed = 0;

  private readonly inPlace: boolean;

  constructor(
    readonly maxFrame: number,
    private readonly onFrame: (frame: Buffer) => void,
    options: { readonly inPlace?: boolean } = {},
  ) {
    if (!Number.isInteger(maxFrame) || maxFrame < 1) throw new RangeError(`maxFrame must be a positive integer`);
    this.acc = Buffer.allocUnsafe(maxFrame);
    this.inPlace = options.inPlace ?? false;
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
      const len = this.unescape(chunk, pos, stop, this.acc, this.accLen, this.maxFrame, this.escPending, nextEsc);
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
        const out = this.room(len);
        this.acc.copy(out, this.slabUsed, 0, len);
        this.onFrame(this.cut(len));
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
    if (this.inPlace) {
      const got = this.unescape(chunk, from, to, chunk, from, from + this.maxFrame, false, nextEsc);
      if (got === OVERFLOW) this.oversize++;
      else if (got === BAD_ESCAPE || this.tailEsc) this.badEscape++;
      else {
        this.frames++;
        this.onFrame(chunk.subarray(from, got));
      }
      return this.escScan;
    }
    // Unescape straight into the slab; only what it produced is taken from it.
    const out = this.room(Math.min(len, this.maxFrame));
    const got = this.unescape(chunk, from, to, out, this.slabUsed, this.slabUsed + this.maxFrame, false, nextEsc);
    if (got === OVERFLOW) this.oversize++;
    else if (got === BAD_ESCAPE || this.tailEsc) this.badEscape++;
    else {
      this.frames++;
      this.onFrame(this.cut(got - this.slabUsed));
    }
    return this.escScan;
  }

  /** The current slab, with at least `len` bytes free from slabUsed on. */
  private room(len: number): Buffer {
    if (this.slab.length - this.slabUsed < len) {
      this.slab = Buffer.allocUnsafeSlow(Math.max(SLAB, len));
      this.slabUsed = 0;
    }
    return this.slab;
  }

  /** Takes the `len` bytes written at slabUsed as a frame; the next one starts 8-aligned. */
  private cut(len: number): Buffer {
    const at = this.slabUsed;
    this.slabUsed = Math.min(this.slab.length, (at + len + 7) & ~7);
    return this.slab.subarray(at, at + len);
  }

  /**
   * Unescapes src[from, to) (which holds no END) into dst at dOff, up to dst offset `cap`.
   * Returns the new dst offset, OVERFLOW or BAD_ESCAPE; sets tailEsc when src ends inside an ESC
   * pair and escScan to the ESC scan position for the caller's next use.
   */
  private unescape(src: Buffer, from: number, to: number, dst: Buffer, dOff: number, cap: number, startEsc: boolean, nextEsc: number): number {
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
      if (run > 0) {
        if (dst === src) {
          if (dOff !== i) src.copyWithin(dOff, i, runEnd);
          dOff += run;
        } else dOff += src.copy(dst, dOff, i, runEnd);
      }
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
