import { describe, expect, it } from "vitest";
import { MIN_REFERENCED, SendBuffer } from "./send-buffer.js";

function bytes(from: number, n: number): Buffer {
  return Buffer.from(Array.from({ length: n }, (_, i) => (from + i) & 0xff));
}

describe("SendBuffer storage", () => {
  it("keeps a large write by reference: segments are views of the writer's memory", () => {
    const chunk = bytes(0, 3 * MIN_REFERENCED);
    const b = new SendBuffer(1 << 20, false);
    expect(b.write(chunk)).toBe(chunk.length);
    const seg = b.view(100, 1460);
    expect(seg.buffer).toBe(chunk.buffer);
    expect(seg.byteOffset).toBe(chunk.byteOffset + 100);
    expect(seg).toEqual(bytes(100, 1460));
  });

  it("takes the rest of a chunk piece by piece without splitting segments at those seams", () => {
    const chunk = bytes(0, 100_000);
    const b = new SendBuffer(10_000, false);
    let taken = b.write(chunk);
    expect(taken).toBe(10_000);
    // ACKs free a little at a time; the writer offers the rest of the same chunk each time.
    for (let acked = 1_000; taken < chunk.length; acked += 1_000) {
      b.release(acked);
      taken += b.write(chunk.subarray(taken));
      const off = taken - 3_000;
      const seg = b.view(off, 1460);
      expect(seg.buffer).toBe(chunk.buffer); // one piece: a view, not a copy across a seam
      expect(seg).toEqual(bytes(off, 1460));
    }
  });

  it("copies a small write, so the writer may reuse its buffer at once", () => {
    const b = new SendBuffer(1000, false);
    const line = Buffer.from("226 Transfer complete\r\n");
    b.write(line);
    line.fill(0x20);
    b.write(Buffer.from("221 Bye\r\n"));
    expect(b.view(0, b.length).toString()).toBe("226 Transfer complete\r\n221 Bye\r\n");
  });

  it("joins a segment across a small and a large write into a copy", () => {
    const b = new SendBuffer(1 << 20, false);
    b.write(bytes(0, 10));
    b.write(bytes(10, MIN_REFERENCED));
    const seg = b.view(5, 100);
    expect(seg).toEqual(bytes(5, 100));
    b.release(10);
    expect(b.view(10, 50)).toEqual(bytes(10, 50));
  });

  it("with message boundaries, a large write is still its own message", () => {
    const b = new SendBuffer(1 << 20, true);
    const big = bytes(0, MIN_REFERENCED);
    b.write(big);
    b.write(big.subarray(0, 0)); // nothing
    b.write(Buffer.from("next"));
    expect(b.contiguous(0)).toBe(MIN_REFERENCED);
    expect(b.contiguous(MIN_REFERENCED)).toBe(4);
  });
});
