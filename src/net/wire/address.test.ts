// Address text <-> bytes: strict parsing (no octal-looking IPv4, no stray colons) and RFC 5952 output.
import { describe, expect, it } from "vitest";
import { seededRandom } from "./test-support.js";
import { formatIp, isIpv4Mapped, parseIp, sameIp } from "./address.js";

function bytes(hex: string): Buffer {
  return Buffer.from(hex.replace(/[^0-9a-f]/gi, ""), "hex");
}

describe("parseIp", () => {
  it("parses IPv4", () => {
    expect(parseIp("198.51.100.7")).toEqual({ family: 4, bytes: Buffer.from([198, 51, 100, 7]) });
    expect(parseIp("0.0.0.0")?.bytes).toEqual(Buffer.from([0, 0, 0, 0]));
    expect(parseIp("255.255.255.255")?.bytes).toEqual(Buffer.from([255, 255, 255, 255]));
  });

  it("refuses malformed IPv4", () => {
    for (const text of ["", "1.2.3", "1.2.3.4.5", "256.1.1.1", "01.2.3.4", "1.2.3.-4", "1.2.3.4 ", "a.b.c.d", "1..3.4", "1.2.3.1000"]) {
      expect(parseIp(text), text).toBeUndefined();
    }
  });

  it("parses IPv6 in its full, compressed and dotted forms", () => {
    expect(parseIp("2001:db8::1")).toEqual({ family: 6, bytes: bytes("20010db8000000000000000000000001") });
    expect(parseIp("::")?.bytes).toEqual(Buffer.alloc(16));
    expect(parseIp("::1")?.bytes).toEqual(bytes("00000000000000000000000000000001"));
    expect(parseIp("fe80::")?.bytes).toEqual(bytes("fe800000000000000000000000000000"));
    expect(parseIp("2001:DB8:0:0:1:0:0:1")?.bytes).toEqual(bytes("20010db8000000000001000000000001"));
    expect(parseIp("::ffff:198.51.100.1")?.bytes).toEqual(bytes("00000000000000000000ffffc6336401"));
    expect(parseIp("64:ff9b::198.51.100.1")?.bytes).toEqual(bytes("0064ff9b0000000000000000c6336401"));
    expect(parseIp("1:2:3:4:5:6:198.51.100.1")?.bytes).toEqual(bytes("000100020003000400050006c6336401"));
    expect(parseIp("1:2:3:4:5:6:7::")?.bytes).toEqual(bytes("00010002000300040005000600070000"));
  });

  it("refuses malformed IPv6", () => {
    const bad = [
      ":", ":::", "1:::2", "1::2::3", "1:2:3:4:5:6:7", "1:2:3:4:5:6:7:8:9", "12345::", "g::1", ":1::", "1::2:",
      "1.2.3.4::", "::1.2.3", "::256.1.1.1", "fe80::1%eth0", "[::1]", "1:2:3:4:5:6:7:1.2.3.4", "1:2:3:4:5:6:7:8::",
    ];
    for (const text of bad) expect(parseIp(text), text).toBeUndefined();
  });
});

describe("parseIp on random text", () => {
  it("never throws and only accepts what formats back to an equivalent address", () => {
    const random = seededRandom(4291);
    const alphabet = "0123456789abcdefABCDEF:.%[] x";
    let accepted = 0;
    for (let round = 0; round < 10_000; round++) {
      let text = "";
      const length = Math.floor(random() * 24);
      for (let i = 0; i < length; i++) text += alphabet[Math.floor(random() * alphabet.length)];
      const parsed = parseIp(text);
      if (parsed) {
        accepted++;
        expect(parseIp(formatIp(parsed.bytes))?.bytes.equals(parsed.bytes), text).toBe(true);
      }
    }
    expect(accepted).toBeGreaterThan(0);
  });
});

describe("formatIp", () => {
  it("formats IPv4 dotted", () => {
    expect(formatIp(Buffer.from([198, 51, 100, 2]))).toBe("198.51.100.2");
  });

  it("follows RFC 5952", () => {
    const cases: Array<[string, string]> = [
      ["20010db8000000000000000000000001", "2001:db8::1"], // longest run compressed, lower case
      ["20010db8000000010001000100010001", "2001:db8:0:1:1:1:1:1"], // a single zero group stays (4.2.2)
      ["20010db8000000000001000000000001", "2001:db8::1:0:0:1"], // first of two equal runs (4.2.3)
      ["20010db8000000000000000100000000", "2001:db8::1:0:0"], // longest run wins over an earlier shorter one
      ["00000000000000000000000000000000", "::"],
      ["00000000000000000000000000000001", "::1"],
      ["fe800000000000000000000000000000", "fe80::"],
      ["00000000000000000000ffffc6336401", "::ffff:198.51.100.1"],
      ["2001abcd00ff000a000b000c000d000e", "2001:abcd:ff:a:b:c:d:e"],
    ];
    for (const [hex, text] of cases) expect(formatIp(bytes(hex)), hex).toBe(text);
  });

  it("describes a buffer of the wrong length instead of throwing", () => {
    expect(formatIp(Buffer.from([1, 2, 3]))).toBe("<3-byte address 010203>");
  });

  it("round-trips through parseIp", () => {
    for (const text of ["2001:db8::1", "::", "::1", "2001:db8:0:1:1:1:1:1", "fe80::1:2", "198.51.100.200", "::ffff:198.51.100.1"]) {
      const parsed = parseIp(text);
      expect(parsed, text).toBeDefined();
      if (parsed) expect(formatIp(parsed.bytes)).toBe(text);
    }
  });
});

describe("sameIp and isIpv4Mapped", () => {
  it("compares bytes and lengths", () => {
    const a = Buffer.from([198, 51, 100, 1]);
    expect(sameIp(a, Buffer.from([198, 51, 100, 1]))).toBe(true);
    expect(sameIp(a, Buffer.from([198, 51, 100, 2]))).toBe(false);
    expect(sameIp(a, bytes("00000000000000000000ffffc6336401"))).toBe(false);
    // A view into a larger packet compares like a standalone buffer.
    const packet = Buffer.from([9, 9, 198, 51, 100, 1, 9]);
    expect(sameIp(packet.subarray(2, 6), a)).toBe(true);
  });

  it("recognises IPv4-mapped addresses", () => {
    expect(isIpv4Mapped(bytes("00000000000000000000ffffc6336401"))).toBe(true);
    expect(isIpv4Mapped(bytes("0000000000000000000000000c6336401".slice(1)))).toBe(false);
    expect(isIpv4Mapped(Buffer.from([198, 51, 100, 1]))).toBe(false);
  });
});
