import { describe, expect, it } from "vitest";
import { ChunkedBytes } from "./chunks.js";

function bytesOf(c: ChunkedBytes, start = 0): Buffer {
  return Buffer.concat(c.snapshot(start));
}

/** Small seeded PRNG (xorshift32) so the random walk below is the same on every run. */
function rng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s / 0x100000000;
  };
}

describe("ChunkedBytes", () => {
  it("appends small and large pieces in order", () => {
    const c = new ChunkedBytes();
    c.append(Buffer.from("ab"));
    c.append(Buffer.alloc(100_000, 0x78));
    c.append(Buffer.from("cd"));
    expect(c.size).toBe(100_004);
    const all = bytesOf(c);
    expect(all.subarray(0, 2).toString()).toBe("ab");
    expect(all.subarray(2, 100_002).every((b) => b === 0x78)).toBe(true);
    expect(all.subarray(100_002).toString()).toBe("cd");
    expect(bytesOf(c, 100_001).toString()).toBe("xcd");
  });

  it("truncates down and extends with zeros", () => {
    const c = new ChunkedBytes();
    c.append(Buffer.from("hello world"));
    c.truncate(5);
    expect(bytesOf(c).toString()).toBe("hello");
    c.truncate(8);
    expect([...bytesOf(c)]).toEqual([...Buffer.from("hello"), 0, 0, 0]);
    c.truncate(0);
    expect(c.size).toBe(0);
    expect(c.snapshot(0)).toEqual([]);
  });

  it("matches a plain Buffer model over a seeded random walk, snapshots included", () => {
    const next = rng(12345);
    const c = new ChunkedBytes();
    let model = Buffer.alloc(0);
    const snaps: { view: Buffer[]; want: Buffer; start: number }[] = [];
    // Bounded: 400 random operations.
    for (let step = 0; step < 400; step++) {
      const r = next();
      if (r < 0.6) {
        const len = next() < 0.1 ? Math.floor(next() * 150_000) : Math.floor(next() * 3000);
        const piece = Buffer.alloc(len, step & 0xff);
        c.append(piece);
        model = Buffer.concat([model, piece]);
      } else if (r < 0.8) {
        const size = Math.floor(next() * (model.length + 1000));
        c.truncate(size);
        model = size <= model.length ? model.subarray(0, size) : Buffer.concat([model, Buffer.alloc(size - model.length)]);
      } else {
        const start = Math.floor(next() * (model.length + 10));
        snaps.push({ view: c.snapshot(start), want: Buffer.from(model.subarray(start)), start });
      }
      expect(c.size).toBe(model.length);
    }
    expect(bytesOf(c).equals(model)).toBe(true);
    expect(snaps.length).toBeGreaterThan(20);
    for (const s of snaps) expect(Buffer.concat(s.view).equals(s.want)).toBe(true);
  });
});
