import { describe, expect, it } from "vitest";
import type { FrameLink } from "./frame-link.js";
import { ManualClock } from "./manual-clock.js";
import { frameLinkPair } from "./memory-link.js";
import { shape } from "./shape.js";

/** Records [arrival time, frame length] of every frame arriving at `link`. */
function arrivals(link: FrameLink, clock: ManualClock): [number, number][] {
  const got: [number, number][] = [];
  link.on("frame", (f) => got.push([clock.now(), f.length]));
  return got;
}

// 10,000 baud at 10 bits per byte = exactly 1 ms per byte on the line.
const BAUD = 10_000;

describe("shape", () => {
  it("delivers a frame when its last encoded byte has arrived, not earlier", () => {
    const clock = new ManualClock();
    const [host, board] = frameLinkPair({ synchronous: true });
    const line = shape(host, { baud: BAUD, clock });
    const got = arrivals(board, clock);
    line.send(Buffer.alloc(98, 1)); // + 2 ENDs = 100 bytes = 100 ms
    clock.advance(99.9);
    expect(got).toEqual([]);
    clock.advance(0.1);
    expect(got).toEqual([[100, 98]]);
  });

  it("counts SLIP escapes in the time on the line", () => {
    const clock = new ManualClock();
    const [host, board] = frameLinkPair({ synchronous: true });
    const line = shape(host, { baud: BAUD, clock });
    const got = arrivals(board, clock);
    line.send(Buffer.from([0xc0, 0xdb, 0xc0, 0x01])); // 3 escaped + 1 + 2 ENDs = 9 bytes
    clock.advance(8.99);
    expect(got).toEqual([]);
    clock.advance(0.01);
    expect(got).toEqual([[9, 4]]);
  });

  it("queues frames behind each other and adds latency without serialising it", () => {
    const clock = new ManualClock();
    const [host, board] = frameLinkPair({ synchronous: true });
    const line = shape(host, { baud: BAUD, latencyMs: 5, clock });
    const got = arrivals(board, clock);
    line.send(Buffer.alloc(98));
    line.send(Buffer.alloc(48)); // 50 bytes, starts when the first has left: done at 150
    clock.advance(1000);
    line.send(Buffer.alloc(8)); // idle line: starts now (t=1000), 10 ms
    clock.advance(100);
    expect(got).toEqual([
      [105, 98],
      [155, 48],
      [1015, 8],
    ]);
  });

  it("shapes each direction on its own, both at once (full duplex)", () => {
    const clock = new ManualClock();
    const [host, board] = frameLinkPair({ synchronous: true });
    const line = shape(host, { baud: BAUD, clock });
    const atBoard = arrivals(board, clock);
    const atHost = arrivals(line, clock);
    line.send(Buffer.alloc(98));
    board.send(Buffer.alloc(198)); // arrives at the shaper at t=0, released at t=200
    clock.advance(150);
    expect(atBoard).toEqual([[100, 98]]);
    expect(atHost).toEqual([]);
    clock.advance(50);
    expect(atHost).toEqual([[200, 198]]);
  });

  it("takes bitsPerByte from the options (8N1 = 10, but 8 for a test of the formula)", () => {
    const clock = new ManualClock();
    const [host, board] = frameLinkPair({ synchronous: true });
    const line = shape(host, { baud: 8000, bitsPerByte: 8, clock });
    const got = arrivals(board, clock);
    line.send(Buffer.alloc(18)); // 20 bytes × 8 bits / 8000 baud = 20 ms
    clock.advance(20);
    expect(got).toEqual([[20, 18]]);
  });

  it("says stop above the high-water mark and emits drain once the queue has gone down", () => {
    const clock = new ManualClock();
    const [host] = frameLinkPair({ synchronous: true });
    const line = shape(host, { baud: BAUD, clock, highWaterMark: 250 });
    let drains = 0;
    line.on("drain", () => drains++);
    expect(line.send(Buffer.alloc(100))).toBe(true);
    expect(line.send(Buffer.alloc(100))).toBe(true);
    expect(line.send(Buffer.alloc(100))).toBe(false); // 300 queued
    clock.advance(101);
    expect(drains).toBe(0); // frame 1 not through yet (102 ms on the line)
    clock.advance(1);
    expect(drains).toBe(1); // 200 queued < 250
    clock.advance(1000);
    expect(drains).toBe(1);
  });

  it("close() cancels its timers and drops what was still on the line", async () => {
    const clock = new ManualClock();
    const [host, board] = frameLinkPair({ synchronous: true });
    const line = shape(host, { baud: BAUD, clock });
    const got = arrivals(board, clock);
    line.send(Buffer.alloc(100));
    board.send(Buffer.alloc(100));
    expect(clock.pending).toBe(2);
    await line.close();
    expect(clock.pending).toBe(0);
    clock.advance(1000);
    expect(got).toEqual([]);
    expect(line.send(Buffer.alloc(1))).toBe(true);
    expect(line.stats.afterClose).toBe(1);
  });

  it("rejects a baud rate that is not positive", () => {
    const [host] = frameLinkPair();
    expect(() => shape(host, { baud: 0 })).toThrow(RangeError);
    expect(() => shape(host, { baud: Number.NaN })).toThrow(RangeError);
    expect(() => shape(host, { baud: 9600, latencyMs: -1 })).toThrow(RangeError);
  });
});
