// Sequence arithmetic must hold across the 2^32 wrap, which is where hand-written comparisons go wrong.
import { describe, expect, it } from "vitest";
import { seqAdd, seqDiff, seqGe, seqGt, seqInWindow, seqLe, seqLt, seqMax, seqMin } from "./seq.js";

describe("sequence arithmetic", () => {
  it("orders numbers across the wrap", () => {
    expect(seqLt(0xffff_fff0, 0x10)).toBe(true);
    expect(seqGt(0x10, 0xffff_fff0)).toBe(true);
    expect(seqLt(0x10, 0xffff_fff0)).toBe(false);
    expect(seqLe(5, 5)).toBe(true);
    expect(seqGe(5, 5)).toBe(true);
    expect(seqLt(5, 5)).toBe(false);
    expect(seqGt(5, 5)).toBe(false);
    expect(seqLt(1, 2)).toBe(true);
    expect(seqGe(0, 0xffff_ffff)).toBe(true);
  });

  it("computes signed differences and wrapped sums", () => {
    expect(seqDiff(0x10, 0xffff_fff0)).toBe(0x20);
    expect(seqDiff(0xffff_fff0, 0x10)).toBe(-0x20);
    expect(seqDiff(7, 7)).toBe(0);
    expect(seqAdd(0xffff_ffff, 1)).toBe(0);
    expect(seqAdd(0xffff_fff0, 0x20)).toBe(0x10);
    expect(seqAdd(0, -1)).toBe(0xffff_ffff);
    expect(seqAdd(100, 0)).toBe(100);
  });

  it("agrees with the RFC definition for numbers less than 2^31 apart", () => {
    const bases = [0, 1, 0x7fff_ffff, 0x8000_0000, 0xffff_fffe, 0xdead_beef];
    const deltas = [1, 2, 1000, 0x7fff_ffff];
    for (const a of bases) {
      for (const d of deltas) {
        const b = seqAdd(a, d);
        expect(seqLt(a, b), `${a} < ${a}+${d}`).toBe(true);
        expect(seqGt(b, a)).toBe(true);
        expect(seqDiff(b, a)).toBe(d);
        expect(seqMax(a, b)).toBe(b);
        expect(seqMin(a, b)).toBe(a);
      }
    }
  });

  it("tests window membership with the wrap inside the window", () => {
    expect(seqInWindow(0xffff_ffff, 0xffff_fff0, 0x20)).toBe(true);
    expect(seqInWindow(0x0f, 0xffff_fff0, 0x20)).toBe(true);
    expect(seqInWindow(0x10, 0xffff_fff0, 0x20)).toBe(false);
    expect(seqInWindow(0xffff_ffef, 0xffff_fff0, 0x20)).toBe(false);
    expect(seqInWindow(5, 5, 0)).toBe(false);
    expect(seqInWindow(5, 5, 1)).toBe(true);
  });
});
