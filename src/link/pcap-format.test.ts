import { describe, expect, it } from "vitest";
import { LINKTYPE_RAW, pcapGlobalHeader, pcapRecord, readPcap } from "./pcap-format.js";

describe("pcap format", () => {
  it("writes the classic global header: magic a1b2c3d4, v2.4, snaplen 65535, LINKTYPE_RAW", () => {
    expect(pcapGlobalHeader().toString("hex")).toBe("d4c3b2a1" + "0200" + "0400" + "00000000" + "00000000" + "ffff0000" + "65000000");
    expect(LINKTYPE_RAW).toBe(101);
  });

  it("writes a record with µs timestamp, captured and original lengths", () => {
    const r = pcapRecord(Buffer.from("abcdef"), 1_700_000_000_123.456, 4);
    expect(r.readUInt32LE(0)).toBe(1_700_000_000);
    expect(r.readUInt32LE(4)).toBe(123_456);
    expect(r.readUInt32LE(8)).toBe(4);
    expect(r.readUInt32LE(12)).toBe(6);
    expect(r.subarray(16).toString()).toBe("abcd");
  });

  it("reads back what it wrote", () => {
    const file = Buffer.concat([pcapGlobalHeader(), pcapRecord(Buffer.from([1, 2, 3]), 1000.5), pcapRecord(Buffer.alloc(0), 2000)]);
    const got = readPcap(file);
    expect(got.ok).toBe(true);
    if (!got.ok) return;
    expect(got.file.linktype).toBe(101);
    expect(got.file.snaplen).toBe(65535);
    expect(got.file.records.map((r) => [r.timeMs, r.originalLength, [...r.data]])).toEqual([
      [1000.5, 3, [1, 2, 3]],
      [2000, 0, []],
    ]);
  });

  it("reads big-endian files too", () => {
    const h = Buffer.alloc(24);
    h.writeUInt32BE(0xa1b2c3d4, 0);
    h.writeUInt16BE(2, 4);
    h.writeUInt16BE(4, 6);
    h.writeUInt32BE(65535, 16);
    h.writeUInt32BE(101, 20);
    const r = Buffer.alloc(16 + 2);
    r.writeUInt32BE(3, 0);
    r.writeUInt32BE(5, 4);
    r.writeUInt32BE(2, 8);
    r.writeUInt32BE(2, 12);
    const got = readPcap(Buffer.concat([h, r]));
    expect(got.ok && got.file.records[0]?.timeMs).toBe(3000.005);
  });

  it("returns an error for short, foreign or truncated input instead of throwing", () => {
    const whole = Buffer.concat([pcapGlobalHeader(), pcapRecord(Buffer.alloc(10), 0)]);
    expect(readPcap(Buffer.alloc(10))).toEqual({ ok: false, error: "file is 10 bytes, shorter than a pcap header" });
    expect(readPcap(Buffer.alloc(24))).toMatchObject({ ok: false, error: expect.stringMatching(/bad magic/) });
    expect(readPcap(whole.subarray(0, 30))).toMatchObject({ ok: false, error: expect.stringMatching(/truncated record header/) });
    expect(readPcap(whole.subarray(0, whole.length - 1))).toMatchObject({ ok: false, error: expect.stringMatching(/claims 10 bytes/) });
  });
});
