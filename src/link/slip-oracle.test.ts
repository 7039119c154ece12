// @serialport/parser-slip-encoder as the oracle for our codec: same bytes out of both encoders,
// same frames out of both decoders for the same chunks. (Theirs is too slow for the stack, see
// slip-codec.ts, but it is an independent implementation of RFC 1055.)
import { SlipDecoder as TheirDecoder, SlipEncoder as TheirEncoder } from "@serialport/parser-slip-encoder";
import { describe, expect, it } from "vitest";
import { mulberry32 } from "./prng.js";
import { END, ESC, SlipDecoder, encodeSlip } from "./slip-codec.js";

function frames(seed: number, count: number): Buffer[] {
  const rand = mulberry32(seed);
  return Array.from({ length: count }, () => {
    const f = Buffer.alloc(1 + Math.floor(rand() * 1500));
    for (let i = 0; i < f.length; i++) {
      const r = rand();
      f[i] = r < 0.05 ? END : r < 0.1 ? ESC : Math.floor(rand() * 256);
    }
    return f;
  });
}

function theirEncoding(list: Buffer[]): Buffer {
  const out: Buffer[] = [];
  const enc = new TheirEncoder({ bluetoothQuirk: true }); // = a leading END, as ours
  enc.on("data", (b: Buffer) => out.push(b));
  for (const f of list) enc.write(f);
  return Buffer.concat(out);
}

describe("our SLIP codec against @serialport/parser-slip-encoder", () => {
  it("encodes byte for byte the same", () => {
    const list = frames(1, 500);
    const ours = Buffer.concat(list.map(encodeSlip));
    expect(ours.equals(theirEncoding(list))).toBe(true);
  });

  it("decodes the same frames from the same chunks", () => {
    const list = frames(2, 500);
    const wire = theirEncoding(list);
    const rand = mulberry32(99);
    const chunks: Buffer[] = [];
    for (let off = 0; off < wire.length; ) {
      const n = 1 + Math.floor(rand() * 3000);
      chunks.push(wire.subarray(off, off + n));
      off += n;
    }
    const ours: Buffer[] = [];
    const decoder = new SlipDecoder(1500, (f) => ours.push(Buffer.from(f)));
    const theirs: Buffer[] = [];
    const their = new TheirDecoder();
    their.on("data", (f: Buffer) => theirs.push(f));
    for (const c of chunks) {
      decoder.push(c);
      their.write(c);
    }
    expect(theirs.length).toBe(list.length);
    expect(ours.length).toBe(list.length);
    for (let i = 0; i < list.length; i++) {
      expect(ours[i]?.equals(theirs[i] ?? Buffer.alloc(0)), `frame ${i}`).toBe(true);
      expect(ours[i]?.equals(list[i] ?? Buffer.alloc(0)), `frame ${i}`).toBe(true);
    }
  });
});
