import { describe, expect, it } from "vitest";
import { faults, type FaultOptions } from "./faults.js";
import type { FrameLink } from "./frame-link.js";
import { ManualClock } from "./manual-clock.js";
import { frameLinkPair } from "./memory-link.js";

const frame = (n: number): Buffer => Buffer.from([n >> 8, n & 0xff, 0x45, 0x00, 0x00, 0x14]);
const ids = (list: Buffer[]): number[] => list.map((f) => f.readUInt16BE(0));

/** host = faults(one end of a synchronous pair); returns what arrives on each side. */
function rig(options: Omit<FaultOptions, "clock">) {
  const clock = new ManualClock();
  const [a, board] = frameLinkPair({ synchronous: true });
  const host = faults(a, { ...options, clock });
  const atBoard: Buffer[] = [];
  const atHost: Buffer[] = [];
  board.on("frame", (f) => atBoard.push(f));
  host.on("frame", (f) => atHost.push(f));
  return { clock, host, board, atBoard, atHost };
}

function sendAll(link: FrameLink, n: number): void {
  for (let i = 0; i < n; i++) link.send(frame(i));
}

describe("faults", () => {
  it("passes everything through unchanged when every rate is 0", () => {
    const { host, board, atBoard, atHost } = rig({ seed: 1 });
    sendAll(host, 50);
    sendAll(board, 50);
    expect(ids(atBoard)).toEqual([...Array(50).keys()]);
    expect(ids(atHost)).toEqual([...Array(50).keys()]);
    expect(host.stats).toMatchObject({ dropped: 0, corrupted: 0, duplicated: 0, reordered: 0, delayed: 0, stalled: 0 });
  });

  it("drops at the given rate in both directions, and counts", () => {
    const { host, board, atBoard, atHost } = rig({ seed: 42, drop: 0.25 });
    sendAll(host, 4000);
    sendAll(board, 4000);
    const lost = 8000 - atBoard.length - atHost.length;
    expect(host.stats.dropped).toBe(lost);
    // 8000 draws at p = 0.25: mean 2000, sd ~39; this seed is fixed, the bound is for sanity
    expect(lost).toBeGreaterThan(2000 - 200);
    expect(lost).toBeLessThan(2000 + 200);
    expect(atBoard.length).toBeLessThan(4000);
    expect(atHost.length).toBeLessThan(4000);
  });

  it("corrupt flips exactly one bit of a copy, never the sender's buffer", () => {
    const { host, atBoard } = rig({ seed: 5, corrupt: 1 });
    const originals = Array.from({ length: 200 }, (_, i) => frame(i));
    for (const f of originals) host.send(f);
    expect(atBoard).toHaveLength(200);
    const flips = new Set<number>();
    atBoard.forEach((got, i) => {
      const want = originals[i] ?? Buffer.alloc(0);
      expect(want).toEqual(frame(i)); // untouched
      let bits = 0;
      for (let k = 0; k < want.length; k++) {
        let x = (got[k] ?? 0) ^ (want[k] ?? 0);
        for (; x; x &= x - 1) bits++;
        if (got[k] !== want[k]) flips.add(k * 8 + Math.log2((got[k] ?? 0) ^ (want[k] ?? 0)));
      }
      expect(bits).toBe(1);
    });
    expect(flips.size).toBeGreaterThan(20); // the bit is random, not always the same one
    expect(host.stats.corrupted).toBe(200);
  });

  it("duplicate delivers a frame twice", () => {
    const { host, atBoard } = rig({ seed: 9, duplicate: 1 });
    sendAll(host, 3);
    expect(ids(atBoard)).toEqual([0, 0, 1, 1, 2, 2]);
    expect(host.stats.duplicated).toBe(3);
  });

  it("reorder lets the next frame overtake the held one", () => {
    const { host, atBoard } = rig({ seed: 3, reorder: 1 });
    sendAll(host, 6);
    expect(ids(atBoard)).toEqual([1, 0, 3, 2, 5, 4]);
    expect(host.stats.reordered).toBe(3);
  });

  it("a held frame with no successor goes out after reorderHoldMs, not overtaken", () => {
    const { clock, host, atBoard } = rig({ seed: 3, reorder: 1, reorderHoldMs: 20 });
    host.send(frame(7));
    clock.advance(19);
    expect(atBoard).toEqual([]);
    clock.advance(1);
    expect(ids(atBoard)).toEqual([7]);
    expect(host.stats.reordered).toBe(0);
  });

  it("delay holds one frame back and lets later ones pass", () => {
    const { clock, host, atBoard } = rig({ seed: 1, delay: { rate: 1, ms: 30 } });
    host.send(frame(0));
    clock.advance(10);
    host.send(frame(1));
    clock.advance(19);
    expect(atBoard).toEqual([]);
    clock.advance(1);
    expect(ids(atBoard)).toEqual([0]);
    clock.advance(10);
    expect(ids(atBoard)).toEqual([0, 1]);
    expect(host.stats.delayed).toBe(2);
  });

  it("stall freezes the line: every frame waits, order kept", () => {
    const { clock, host, atBoard } = rig({ seed: 1, stall: { rate: 1, ms: 50 } });
    host.send(frame(0)); // stalls until t=50
    clock.advance(20);
    host.send(frame(1)); // stalls until t=70
    clock.advance(49);
    expect(atBoard).toEqual([]);
    clock.advance(1);
    expect(ids(atBoard)).toEqual([0, 1]);
    expect(host.stats.stalled).toBe(2);
  });

  it("is the same run for the same seed, and another run for another seed", () => {
    const run = (seed: number): number[] => {
      const { clock, host, atBoard } = rig({ seed, drop: 0.1, duplicate: 0.1, reorder: 0.1, corrupt: 0.1, delay: { rate: 0.05, ms: 3 } });
      for (let i = 0; i < 500; i++) {
        host.send(frame(i));
        clock.advance(1);
      }
      clock.advance(1000);
      return atBoard.map((f) => f.readUInt32BE(0) ^ f.readUInt16BE(4));
    };
    expect(run(7)).toEqual(run(7));
    expect(run(7)).not.toEqual(run(8));
  });

  it("direction limits the faults to one way", () => {
    const { host, board, atBoard, atHost } = rig({ seed: 2, drop: 1, direction: "receive" });
    sendAll(host, 10);
    sendAll(board, 10);
    expect(atBoard).toHaveLength(10);
    expect(atHost).toHaveLength(0);
    expect(host.stats.dropped).toBe(10);
  });

  it("one direction's faults do not depend on the other's traffic", () => {
    const outcome = (boardTraffic: number): number[] => {
      const { host, board, atBoard } = rig({ seed: 11, drop: 0.3 });
      for (let i = 0; i < 200; i++) {
        host.send(frame(i));
        for (let k = 0; k < boardTraffic; k++) board.send(frame(k));
      }
      return ids(atBoard);
    };
    expect(outcome(0)).toEqual(outcome(3));
  });

  it("close() cancels pending timers and drops held frames", async () => {
    const { clock, host, atBoard } = rig({ seed: 1, delay: { rate: 1, ms: 30 } });
    host.send(frame(0));
    expect(clock.pending).toBe(1);
    await host.close();
    expect(clock.pending).toBe(0);
    clock.advance(100);
    expect(atBoard).toEqual([]);
  });

  it("rejects rates outside 0..1 and non-integer seeds", () => {
    const [a] = frameLinkPair();
    expect(() => faults(a, { seed: 1, drop: 1.5 })).toThrow(/drop must be a probability/);
    expect(() => faults(a, { seed: 1, delay: { rate: -0.1, ms: 1 } })).toThrow(/delay.rate/);
    expect(() => faults(a, { seed: 1, stall: { rate: 0.1, ms: -1 } })).toThrow(/stall.ms/);
    expect(() => faults(a, { seed: 0.5 })).toThrow(/seed/);
  });
});
