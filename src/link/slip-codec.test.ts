import { describe, expect, it } from "vitest";
import { mulberry32, type Random } from "./prng.js";
import { END, ESC, ESC_END, ESC_ESC, SlipDecoder, encodeSlip, encodeSlipInto, escapeSlipInto, slipEncodedBound, slipEncodedLength } from "./slip-codec.js";

const hex = (s: string): Buffer => Buffer.from(s.replace(/\s+/g, ""), "hex");

/** Frames rich in END and ESC bytes, so escapes land on every chunk boundary sooner or later. */
function spicyFrame(rand: Random, length: number): Buffer {
  const f = Buffer.alloc(length);
  for (let i = 0; i < length; i++) {
    const r = rand();
    f[i] = r < 0.15 ? END : r < 0.3 ? ESC : r < 0.35 ? ESC_END : r < 0.4 ? ESC_ESC : Math.floor(rand() * 256);
  }
  return f;
}

function decodeAll(maxFrame: number, chunks: Buffer[]): { frames: Buffer[]; decoder: SlipDecoder } {
  const frames: Buffer[] = [];
  const decoder = new SlipDecoder(maxFrame, (f) => frames.push(Buffer.from(f)));
  for (const c of chunks) decoder.push(c);
  return { frames, decoder };
}

/** Buffer-wise comparison that reports the first difference (toEqual on big Buffer lists is slow). */
function expectFrames(got: Buffer[], want: Buffer[]): void {
  expect(got.length).toBe(want.length);
  const firstDiff = got.findIndex((f, i) => !f.equals(want[i] ?? Buffer.alloc(0)));
  expect(firstDiff).toBe(-1);
}

function chop(rand: Random, wire: Buffer, maxChunk: number): Buffer[] {
  const chunks: Buffer[] = [];
  for (let off = 0; off < wire.length; ) {
    const n = 1 + Math.floor(rand() * maxChunk);
    chunks.push(wire.subarray(off, off + n));
    off += n;
  }
  return chunks;
}

describe("encodeSlip", () => {
  it("frames with END on both sides and escapes END and ESC (RFC 1055)", () => {
    expect(encodeSlip(hex("01 02 03"))).toEqual(hex("c0 010203 c0"));
    expect(encodeSlip(hex("c0"))).toEqual(hex("c0 dbdc c0"));
    expect(encodeSlip(hex("db"))).toEqual(hex("c0 dbdd c0"));
    expect(encodeSlip(hex("41 c0 db dc dd db c0 42"))).toEqual(hex("c0 41 dbdc dbdd dc dd dbdd dbdc 42 c0"));
    expect(encodeSlip(Buffer.alloc(0))).toEqual(hex("c0 c0"));
  });

  it("slipEncodedLength is the encoded size", () => {
    const rand = mulberry32(3);
    for (let i = 0; i < 200; i++) {
      const f = spicyFrame(rand, Math.floor(rand() * 300));
      expect(slipEncodedLength(f)).toBe(encodeSlip(f).length);
    }
  });
});

describe("SlipDecoder", () => {
  it("returns every frame intact however the stream is chunked (1 byte .. whole)", () => {
    const rand = mulberry32(7);
    const frames = Array.from({ length: 300 }, () => spicyFrame(rand, 1 + Math.floor(rand() * 1500)));
    const wire = Buffer.concat(frames.map(encodeSlip));
    for (const maxChunk of [1, 2, 3, 7, 64, 1500, 4096, wire.length]) {
      const { frames: got, decoder } = decodeAll(1500, chop(rand, wire, maxChunk));
      expectFrames(got, frames);
      expect(decoder.frames).toBe(frames.length);
      expect([decoder.oversize, decoder.badEscape]).toEqual([0, 0]);
    }
  }, 30_000);

  it("also decodes frames that carry no leading END", () => {
    const { frames } = decodeAll(100, [hex("01 02 c0 03 db dc c0")]);
    expect(frames).toEqual([hex("0102"), hex("03 c0")]);
  });

  it("ignores empty frames", () => {
    const { frames, decoder } = decodeAll(100, [hex("c0 c0 c0 01 c0 c0 c0 02 c0 c0")]);
    expect(frames).toEqual([hex("01"), hex("02")]);
    expect(decoder.frames).toBe(2);
  });

  it("a leading END cuts line noise off the next frame", () => {
    const packet = hex("45 00 00 14 c0 db");
    const { frames } = decodeAll(100, [hex("ff fe 17"), encodeSlip(packet)]);
    // the noise ends up as a frame of its own, which IP rejects; the packet arrives intact
    expect(frames).toEqual([hex("ff fe 17"), packet]);
  });

  it("accepts a frame of exactly maxFrame bytes and drops one byte more, counted", () => {
    const rand = mulberry32(11);
    for (const chunkSize of [1, 5, 10_000]) {
      const exact = spicyFrame(rand, 64);
      const plainExact = Buffer.alloc(64, 0x41);
      const over = spicyFrame(rand, 65);
      const plainOver = Buffer.alloc(65, 0x41);
      const after = hex("01 02");
      const wire = Buffer.concat([exact, over, plainExact, plainOver, after].map(encodeSlip));
      const { frames, decoder } = decodeAll(64, chop(() => 0.999999, wire, chunkSize));
      expect(frames).toEqual([exact, plainExact, after]);
      expect(decoder.oversize).toBe(2);
    }
  });

  it("skips the rest of an oversize frame without buffering it and resyncs at the next END", () => {
    const frames: Buffer[] = [];
    const decoder = new SlipDecoder(1500, (f) => frames.push(Buffer.from(f)));
    decoder.push(hex("c0"));
    // 10 MiB of garbage with no END, in 64 KiB chunks: far more than the decoder could hold
    const garbage = Buffer.alloc(64 * 1024, 0x55);
    for (let i = 0; i < 160; i++) decoder.push(garbage);
    expect(decoder.oversize).toBe(1);
    decoder.push(Buffer.concat([hex("55 55 db"), encodeSlip(hex("0a0b0c"))]));
    expect(frames).toEqual([hex("0a0b0c")]);
    expect(decoder.oversize).toBe(1);
    expect(decoder.badEscape).toBe(0);
  });

  it("drops a frame with ESC followed by anything but ESC_END/ESC_ESC, counted", () => {
    const good = hex("11 22");
    const cases = [hex("c0 01 db 41 02 c0"), hex("c0 01 db c0"), hex("c0 db db dc c0")];
    for (const bad of cases) {
      for (const chunkSize of [1, 2, 100]) {
        const wire = Buffer.concat([encodeSlip(good), bad, encodeSlip(good)]);
        const { frames, decoder } = decodeAll(100, chop(() => 0.999999, wire, chunkSize));
        expect(frames).toEqual([good, good]);
        expect(decoder.badEscape).toBe(1);
      }
    }
  });

  it("keeps an ESC pair that is split across two chunks", () => {
    const { frames, decoder } = decodeAll(10, [hex("c0 01 db"), hex("dc 02 db"), hex("dd c0")]);
    expect(frames).toEqual([hex("01 c0 02 db")]);
    expect(decoder.badEscape).toBe(0);
  });

  it("delivers frames that stay valid after the decoder moves on", () => {
    const frames: Buffer[] = [];
    const decoder = new SlipDecoder(100, (f) => frames.push(f)); // no copy taken here
    decoder.push(hex("c0 01 02"));
    decoder.push(hex("03 c0 c0 04 c0"));
    decoder.push(hex("c0 05 06"));
    decoder.push(hex("c0"));
    expect(frames).toEqual([hex("010203"), hex("04"), hex("0506")]);
  });

  it("rejects a maxFrame that is not a positive integer", () => {
    expect(() => new SlipDecoder(0, () => undefined)).toThrow(RangeError);
    expect(() => new SlipDecoder(1.5, () => undefined)).toThrow(RangeError);
  });
});

describe("encodeSlipInto and escapeSlipInto", () => {
  it("write what encodeSlip makes, at an offset, and pieces escape as one frame", () => {
    const rand = mulberry32(21);
    const out = Buffer.alloc(4000, 0x77);
    for (let i = 0; i < 200; i++) {
      const f = spicyFrame(rand, Math.floor(rand() * 1500));
      const n = encodeSlipInto(f, out, 5);
      expect(out.subarray(5, 5 + n).equals(encodeSlip(f))).toBe(true);
      expect(n).toBeLessThanOrEqual(slipEncodedBound(f.length));
      const cut = Math.floor(rand() * (f.length + 1));
      out[0] = END;
      let o = escapeSlipInto(f.subarray(0, cut), out, 1);
      o = escapeSlipInto(f.subarray(cut), out, o);
      out[o++] = END;
      expect(out.subarray(0, o).equals(encodeSlip(f))).toBe(true);
    }
  });

  it("throw RangeError when the target has no room", () => {
    expect(() => encodeSlipInto(hex("01 c0 02"), Buffer.alloc(5), 0)).toThrow(RangeError);
    expect(() => escapeSlipInto(hex("01 02 03"), Buffer.alloc(4), 2)).toThrow(RangeError);
    expect(encodeSlipInto(hex("01 c0 02"), Buffer.alloc(6), 0)).toBe(6);
  });
});

describe("SlipDecoder in place", () => {
  function decodeInPlace(maxFrame: number, chunks: Buffer[]): { frames: Buffer[]; decoder: SlipDecoder } {
    const frames: Buffer[] = [];
    const decoder = new SlipDecoder(maxFrame, (f) => frames.push(f), { inPlace: true });
    for (const c of chunks) decoder.push(c);
    return { frames, decoder };
  }

  it("returns every frame intact however the stream is chunked, and frames stay valid", () => {
    const rand = mulberry32(8);
    const frames = Array.from({ length: 300 }, () => spicyFrame(rand, 1 + Math.floor(rand() * 1500)));
    for (const maxChunk of [1, 3, 64, 1500, 4096, 1 << 30]) {
      // A fresh wire per pass: the decoder changes the chunks it is given.
      const wire = Buffer.concat(frames.map(encodeSlip));
      const { frames: got, decoder } = decodeInPlace(1500, chop(rand, wire, maxChunk));
      expectFrames(got, frames);
      expect([decoder.frames, decoder.oversize, decoder.badEscape]).toEqual([frames.length, 0, 0]);
    }
  }, 30_000);

  it("delivers a frame with escapes that lies in one chunk as a view of that chunk", () => {
    const frame = hex("41 c0 42 db 43");
    const chunk = Buffer.concat([encodeSlip(hex("01")), encodeSlip(frame)]);
    const { frames } = decodeInPlace(100, [chunk]);
    expect(frames).toEqual([hex("01"), frame]);
    expect(frames[1]!.buffer).toBe(chunk.buffer);
  });

  it("counts oversize frames and bad escapes as the copying decoder does", () => {
    const rand = mulberry32(12);
    const exact = spicyFrame(rand, 64);
    const over = spicyFrame(rand, 65);
    const wire = Buffer.concat([encodeSlip(exact), encodeSlip(over), hex("c0 01 db 41 02 c0"), encodeSlip(hex("11 22"))]);
    const { frames, decoder } = decodeInPlace(64, [wire]);
    expect(frames).toEqual([exact, hex("11 22")]);
    expect([decoder.oversize, decoder.badEscape]).toEqual([1, 1]);
  });
});
