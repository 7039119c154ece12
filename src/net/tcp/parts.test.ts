import { describe, expect, it } from "vitest";
import { initialWindow, NewReno } from "./congestion.js";
import { NumberQueue } from "./queue.js";
import { Reassembly } from "./reassembly.js";
import { RttEstimator } from "./rtt.js";
import { SendBuffer } from "./send-buffer.js";

function bytes(from: number, n: number): Buffer {
  return Buffer.from(Array.from({ length: n }, (_, i) => (from + i) & 0xff));
}

describe("SendBuffer", () => {
  it("accepts up to its capacity and hands out views by absolute offset", () => {
    const b = new SendBuffer(100_000, false);
    expect(b.write(bytes(0, 70_000))).toBe(70_000);
    expect(b.write(bytes(70_000, 50_000))).toBe(30_000);
    expect(b.free).toBe(0);
    expect(b.view(10, 5)).toEqual(bytes(10, 5));
    // 65536 is a block boundary: the segment across it is copied, still correct.
    expect(b.view(65_000, 1460)).toEqual(bytes(65_000, 1460));
    b.release(60_000);
    expect(b.start).toBe(60_000);
    expect(b.length).toBe(40_000);
    expect(b.write(bytes(100_000, 70_000))).toBe(60_000);
    expect(b.view(99_990, 20)).toEqual(bytes(99_990, 20));
    expect(b.view(159_000, 1000)).toEqual(bytes(159_000, 1000));
  });

  it("keeps data intact while reusing acknowledged blocks over many rounds", () => {
    const b = new SendBuffer(200_000, false);
    let written = 0;
    let acked = 0;
    for (let round = 0; round < 200; round++) {
      written += b.write(bytes(written, 7_777));
      const upTo = Math.min(written, acked + 6_000);
      for (let off = acked; off < upTo; off += 1460) {
        const n = Math.min(1460, upTo - off);
        expect(b.view(off, n)).toEqual(bytes(off, n));
      }
      acked = upTo;
      b.release(acked);
    }
    expect(written - acked).toBe(b.length);
  });

  it("with message boundaries, reports how much of the current write is left", () => {
    const b = new SendBuffer(1000, true);
    b.write(Buffer.from("USER a\r\n"));
    b.write(Buffer.from("PASS b\r\n"));
    expect(b.contiguous(0)).toBe(8);
    expect(b.contiguous(3)).toBe(5);
    expect(b.contiguous(8)).toBe(8);
    expect(b.view(8, 8).toString()).toBe("PASS b\r\n");
  });
});

describe("Reassembly", () => {
  it("stores pieces without overlap and returns them from a position", () => {
    const r = new Reassembly(1000);
    expect(r.insert(10, bytes(10, 10))).toBe(10);
    expect(r.insert(15, bytes(15, 10))).toBe(5); // 15..19 already held
    expect(r.insert(5, bytes(5, 30))).toBe(15); // fills 5..9 and 25..34
    expect(r.bytes).toBe(30);
    expect(r.take(0)).toBeUndefined();
    let pos = 7;
    const got: Buffer[] = [];
    for (let p = r.take(pos); p; p = r.take(pos)) {
      got.push(p);
      pos += p.length;
    }
    expect(Buffer.concat(got)).toEqual(bytes(7, 28));
    expect(r.bytes).toBe(0);
  });

  it("evicts the highest bytes first past its bound", () => {
    const r = new Reassembly(8);
    r.insert(100, bytes(100, 5));
    r.insert(10, bytes(10, 5));
    expect(r.bytes).toBe(8);
    expect(r.highest).toBe(103);
    r.insert(20, bytes(20, 5));
    expect(r.highest).toBe(23);
    expect(r.take(10)).toEqual(bytes(10, 5));
  });
});

describe("RttEstimator (RFC 6298)", () => {
  it("initialises from the first sample, smooths later ones, clamps and backs off", () => {
    const e = new RttEstimator(1000, 200, 3000);
    expect(e.rto).toBe(1000);
    e.sample(100);
    expect([e.srtt, e.rttvar, e.rto]).toEqual([100, 50, 300]);
    e.sample(200);
    expect(e.srtt).toBeCloseTo(112.5);
    expect(e.rttvar).toBeCloseTo(62.5);
    expect(e.rto).toBeCloseTo(362.5);
    e.backoff();
    e.backoff();
    e.backoff();
    expect(e.rto).toBe(2900);
    e.backoff();
    expect(e.rto).toBe(3000);
    e.sample(1); // a valid sample ends the backoff (RFC 6298 5.7)
    expect(e.rto).toBeCloseTo(0.875 * 112.5 + 0.125 + 4 * (0.75 * 62.5 + 0.25 * 111.5));
  });
});

describe("NewReno arithmetic", () => {
  it("uses RFC 5681's initial window", () => {
    expect(initialWindow(536)).toBe(2144);
    expect(initialWindow(1460)).toBe(4380);
    expect(initialWindow(4000)).toBe(8000);
  });

  it("slow start adds at most one SMSS per ACK; congestion avoidance about one SMSS per window", () => {
    const c = new NewReno(1000);
    c.onAck(3000);
    expect(c.cwnd).toBe(5000);
    c.ssthresh = 5000;
    for (let i = 0; i < 5; i++) c.onAck(1000);
    expect(c.cwnd).toBe(6000);
    c.onTimeout(6000, 100, true);
    expect([c.cwnd, c.ssthresh]).toEqual([1000, 3000]);
    c.onTimeout(6000, 100, false);
    expect(c.ssthresh).toBe(3000);
  });
});

describe("NumberQueue", () => {
  it("is a FIFO with indexed reads across compaction", () => {
    const q = new NumberQueue();
    for (let i = 0; i < 5000; i++) q.push(i);
    for (let i = 0; i < 3000; i++) expect(q.shift()).toBe(i);
    expect(q.length).toBe(2000);
    expect(q.at(0)).toBe(3000);
    expect(q.at(1999)).toBe(4999);
    expect(q.at(2000)).toBeUndefined();
    q.clear();
    expect(q.shift()).toBeUndefined();
  });
});
