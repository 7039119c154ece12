import { describe, expect, it } from "vitest";
import { emptyStats } from "./frame-link.js";
import { goodput, lineCount } from "./line-limit.js";

describe("line limit", () => {
  it("115200 baud moves 11520 bytes/s; the limit scales by payload over wire bytes", () => {
    const g = goodput(10_000, 1, 10_800, 115_200);
    expect(g.rawLimit).toBe(11_520);
    expect(g.limit).toBeCloseTo((11_520 * 10_000) / 10_800, 6);
    expect(g.ofLimit).toBeCloseTo(10_000 / g.limit, 9);
    expect(g.overhead).toBeCloseTo(1.08, 9);
  });

  it("counts one direction between two snapshots", () => {
    const a = { ...emptyStats(), framesIn: 2, bytesIn: 100, wireBytesIn: 110, framesOut: 5, bytesOut: 50, wireBytesOut: 60 };
    const b = { ...a, framesIn: 12, bytesIn: 5_100, wireBytesIn: 5_300, framesOut: 9, bytesOut: 250, wireBytesOut: 270 };
    expect(lineCount(a, b, "in")).toEqual({ frames: 10, ipBytes: 5_000, wireBytes: 5_190 });
    expect(lineCount(a, b, "out")).toEqual({ frames: 4, ipBytes: 200, wireBytes: 210 });
  });

  it("refuses a transfer that took no time or moved nothing", () => {
    expect(() => goodput(0, 1, 1, 115_200)).toThrow(RangeError);
    expect(() => goodput(1, 0, 1, 115_200)).toThrow(/positive/);
  });
});
