import { describe, expect, it } from "vitest";
import { formatMdtm, parseMdtm } from "./time.js";

describe("formatMdtm", () => {
  it("formats in UTC with zero padding", () => {
    expect(formatMdtm(new Date(Date.UTC(2024, 3, 2, 8, 5, 0)))).toBe("20240402080500");
    expect(formatMdtm(new Date(Date.UTC(1999, 11, 31, 23, 59, 59, 999)))).toBe("19991231235959");
    expect(formatMdtm(new Date(0))).toBe("19700101000000");
  });

  it("throws for invalid dates", () => {
    expect(() => formatMdtm(new Date(Number.NaN))).toThrow(TypeError);
    expect(() => formatMdtm(new Date(Date.UTC(10000, 0, 1)))).toThrow(TypeError);
  });
});

describe("parseMdtm", () => {
  it("parses plain, with code, with spaces and with a fraction", () => {
    const want = Date.UTC(2024, 3, 2, 8, 5, 0);
    expect(parseMdtm("20240402080500")?.getTime()).toBe(want);
    expect(parseMdtm("213 20240402080500")?.getTime()).toBe(want);
    expect(parseMdtm(" 20240402080500 ")?.getTime()).toBe(want);
    expect(parseMdtm("20240402080500.123")?.getTime()).toBe(want + 123);
    expect(parseMdtm("20240402080500.5")?.getTime()).toBe(want + 500);
    expect(parseMdtm("20240402080500.123456")?.getTime()).toBe(want + 123);
  });

  it("validates ranges", () => {
    for (const bad of [
      "20241302080500",
      "20240002080500",
      "20240231080500",
      "20230229080500",
      "20240400080500",
      "20240402240500",
      "20240402086000",
      "20240402080561",
      "2024040208050",
      "202404020805000",
      "20240402080500.",
      "20240402080500.12a",
      "2024-04-02 08:05",
      "",
      "550 Could not get file modification time.",
    ]) {
      expect(parseMdtm(bad), bad).toBeUndefined();
    }
    expect(parseMdtm("20240229000000")?.getTime()).toBe(Date.UTC(2024, 1, 29));
  });

  it("reads a leap second as the last millisecond of the minute", () => {
    expect(parseMdtm("20161231235960")?.getTime()).toBe(Date.UTC(2016, 11, 31, 23, 59, 59, 999));
  });

  it("keeps years below 100", () => {
    expect(parseMdtm("00500101000000")?.getUTCFullYear()).toBe(50);
  });

  it("round-trips", () => {
    for (const t of [0, 1_700_000_000_000, Date.UTC(2038, 0, 19, 3, 14, 8)]) {
      expect(parseMdtm(formatMdtm(new Date(t)))?.getTime()).toBe(t);
    }
  });
});
