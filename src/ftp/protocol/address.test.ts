import { describe, expect, it } from "vitest";
import {
  formatEprtArg,
  formatEpsvText,
  formatIPv6,
  formatPasvText,
  formatPortArg,
  ipv6Groups,
  parseEprtArg,
  parseEpsvText,
  parsePasvText,
  parsePortArg,
} from "./address.js";

describe("PORT", () => {
  it("formats plain and zero-padded", () => {
    expect(formatPortArg({ host: "127.0.0.1", port: 1025 })).toBe("127,0,0,1,4,1");
    expect(formatPortArg({ host: "127.0.0.1", port: 1025 }, { zeroPad: true })).toBe("127,000,000,001,004,001");
    expect(formatPortArg({ host: "198.51.100.7", port: 49152 }, { zeroPad: true })).toBe("198,051,100,007,192,000");
    expect(formatPortArg({ host: "::ffff:198.51.100.7", port: 0 })).toBe("198,51,100,7,0,0");
  });

  it("throws for non-IPv4 and bad ports", () => {
    expect(() => formatPortArg({ host: "::1", port: 21 })).toThrow(TypeError);
    expect(() => formatPortArg({ host: "localhost", port: 21 })).toThrow(TypeError);
    expect(() => formatPortArg({ host: "127.0.0.1", port: 65536 })).toThrow(TypeError);
    expect(() => formatPortArg({ host: "127.0.0.1", port: -1 })).toThrow(TypeError);
  });

  it("parses with leading zeros and spaces", () => {
    expect(parsePortArg("127,0,0,1,4,1")).toEqual({ host: "127.0.0.1", port: 1025 });
    expect(parsePortArg("001,002,003,005,192,001")).toEqual({ host: "1.2.3.5", port: 49153 });
    expect(parsePortArg("  198,51,100,7,255,255 ")).toEqual({ host: "198.51.100.7", port: 65535 });
    expect(parsePortArg("1, 2, 3, 4, 0, 21")).toEqual({ host: "1.2.3.4", port: 21 });
  });

  it("rejects malformed arguments", () => {
    for (const bad of [
      "",
      "1,2,3,4,5",
      "1,2,3,4,5,6,7",
      "256,0,0,1,4,1",
      "1,2,3,4,5,256",
      "1,2,3,4,5,-6",
      "1,2,3,4,5,6x",
      "1,,2,3,4,5",
      "a,b,c,d,e,f",
      "1.2.3.4,5,6",
      "00000000000000000000000001,2,3,4,5,6x",
    ]) {
      expect(parsePortArg(bad), bad).toBeUndefined();
    }
  });

  it("round-trips", () => {
    for (const port of [0, 1, 255, 256, 1025, 65535]) {
      const hp = { host: "198.51.100.200", port };
      expect(parsePortArg(formatPortArg(hp, { zeroPad: port % 2 === 0 }))).toEqual(hp);
    }
  });
});

describe("PASV text", () => {
  it("formats exactly like NetX", () => {
    expect(formatPasvText({ host: "1.2.3.4", port: 49152 })).toBe("Entering Passive Mode (1,2,3,4,192,0).");
    expect(formatPasvText({ host: "127.0.0.1", port: 50000 })).toBe("Entering Passive Mode (127,0,0,1,195,80).");
  });

  it("parses the common variants", () => {
    const want = { host: "127.0.0.1", port: 1025 };
    expect(parsePasvText("Entering Passive Mode (127,0,0,1,4,1).")).toEqual(want);
    expect(parsePasvText("227 Entering Passive Mode (127,0,0,1,4,1)")).toEqual(want);
    expect(parsePasvText("227 =127,0,0,1,4,1")).toEqual(want);
    expect(parsePasvText("Entering Passive Mode 127,0,0,1,4,1")).toEqual(want);
    expect(parsePasvText("Entering Passive Mode (127, 0, 0, 1, 4, 1)")).toEqual(want);
    expect(parsePasvText("Entering Passive Mode (127,000,000,001,004,001).")).toEqual(want);
  });

  it("skips number runs that are not six valid numbers", () => {
    expect(parsePasvText("227 Mode 999,1,2 then (10,0,0,1,0,21)")).toEqual({ host: "10.0.0.1", port: 21 });
    expect(parsePasvText("2000,1,2,3,4,5,6")).toEqual({ host: "1.2.3.4", port: 5 * 256 + 6 });
  });

  it("returns undefined without six numbers", () => {
    expect(parsePasvText("Entering Passive Mode")).toBeUndefined();
    expect(parsePasvText("(127,0,0,1,4)")).toBeUndefined();
    expect(parsePasvText("(300,0,0,1,4,1)")).toBeUndefined();
    expect(parsePasvText("")).toBeUndefined();
  });

  it("stays fast on hostile text", () => {
    const text = "1,".repeat(50_000);
    expect(parsePasvText(text)).toEqual({ host: "1.1.1.1", port: 257 });
    expect(parsePasvText("9".repeat(100_000))).toBeUndefined();
    expect(parsePasvText("1,1,1,1,1,".repeat(20_000) + "x")).toEqual({ host: "1.1.1.1", port: 257 });
  });
});

describe("IPv6 helpers", () => {
  it("expands and compresses per RFC 5952", () => {
    expect(ipv6Groups("::1")).toEqual([0, 0, 0, 0, 0, 0, 0, 1]);
    expect(ipv6Groups("2001:DB8::1:2")).toEqual([0x2001, 0xdb8, 0, 0, 0, 0, 1, 2]);
    expect(ipv6Groups("::ffff:1.2.3.4")).toEqual([0, 0, 0, 0, 0, 0xffff, 0x102, 0x304]);
    expect(ipv6Groups("1:2:3:4:5:6:1.2.3.4")).toEqual([1, 2, 3, 4, 5, 6, 0x102, 0x304]);
    expect(ipv6Groups("fe80::1%eth0")).toBeUndefined();
    expect(ipv6Groups("1.2.3.4")).toBeUndefined();
    expect(formatIPv6([0x2001, 0xdb8, 0, 0, 1, 0, 0, 0])).toBe("2001:db8:0:0:1::");
    expect(formatIPv6([0x2001, 0xdb8, 0, 1, 1, 1, 1, 1])).toBe("2001:db8:0:1:1:1:1:1");
    expect(formatIPv6([0, 0, 1, 0, 0, 2, 0, 0])).toBe("::1:0:0:2:0:0");
    expect(formatIPv6([0, 0, 0, 0, 0, 0, 0, 0])).toBe("::");
    expect(formatIPv6([0, 0, 0, 0, 0, 0xffff, 0xc633, 0x6407])).toBe("::ffff:198.51.100.7");
  });
});

describe("EPRT", () => {
  it("formats IPv4 and IPv6", () => {
    expect(formatEprtArg({ host: "127.0.0.1", port: 1025 })).toBe("|1|127.0.0.1|1025|");
    expect(formatEprtArg({ host: "::1", port: 1025 })).toBe("|2|::1|1025|");
    expect(formatEprtArg({ host: "2001:DB8:0:0::1", port: 6446 })).toBe("|2|2001:db8::1|6446|");
  });

  it("formats NetX's uncompressed upper-case IPv6", () => {
    expect(formatEprtArg({ host: "2001:db8::a:1", port: 1025 }, { uncompressedUpper: true })).toBe(
      "|2|2001:0DB8:0000:0000:0000:0000:000A:0001|1025|",
    );
    expect(formatEprtArg({ host: "127.0.0.1", port: 1025 }, { uncompressedUpper: true })).toBe("|1|127.0.0.1|1025|");
  });

  it("throws for non-addresses and bad ports", () => {
    expect(() => formatEprtArg({ host: "example.com", port: 21 })).toThrow(TypeError);
    expect(() => formatEprtArg({ host: "::1", port: 0 })).toThrow(TypeError);
  });

  it("parses with any delimiter", () => {
    expect(parseEprtArg("|1|198.51.100.7|1025|")).toEqual({ family: 4, host: "198.51.100.7", port: 1025 });
    expect(parseEprtArg("!2!::1!65535!")).toEqual({ family: 6, host: "::1", port: 65535 });
    expect(parseEprtArg("~1~127.0.0.1~5282~")).toEqual({ family: 4, host: "127.0.0.1", port: 5282 });
    expect(parseEprtArg(" |2|::1|21| ")).toEqual({ family: 6, host: "::1", port: 21 });
  });

  it("canonicalises IPv6 hosts (NetX sends them uncompressed)", () => {
    expect(parseEprtArg("|2|2001:0DB8:0000:0000:0000:0000:000A:0001|1025|")).toEqual({
      family: 6,
      host: "2001:db8::a:1",
      port: 1025,
    });
    expect(parseEprtArg("|2|::FFFF:198.51.100.7|1025|")).toEqual({ family: 6, host: "198.51.100.7", port: 1025 });
  });

  it("round-trips", () => {
    for (const hp of [
      { host: "198.51.100.1", port: 1 },
      { host: "2001:db8::1", port: 2121 },
      { host: "::", port: 40000 },
    ]) {
      const parsed = parseEprtArg(formatEprtArg(hp));
      expect(parsed?.host).toBe(hp.host);
      expect(parsed?.port).toBe(hp.port);
      expect(parseEprtArg(formatEprtArg(hp, { uncompressedUpper: true }))?.host).toBe(hp.host);
    }
  });

  it("rejects invalid arguments", () => {
    for (const bad of [
      "",
      "|1|127.0.0.1|1025",
      "|1|127.0.0.1|1025|x",
      "|3|127.0.0.1|1025|",
      "|1|::1|1025|",
      "|2|127.0.0.1|1025|",
      "|1|256.0.0.1|1025|",
      "|1|127.0.0.01|1025|",
      "|1|127.0.0.1|0|",
      "|1|127.0.0.1|65536|",
      "|1|127.0.0.1|+80|",
      "|1|127.0.0.1||",
      "|2|1:2:3:4:5:6:7:8:9|1025|",
      "|2|1::2::3|1025|",
      "|2|fe80::1%eth0|1025|",
      "|2|gggg::1|1025|",
      "\u00a01\u00a0127.0.0.1\u00a080\u00a0",
      " 1 127.0.0.1 80 ",
      "|1|127.0.0.1|80|1|",
    ]) {
      expect(parseEprtArg(bad), JSON.stringify(bad)).toBeUndefined();
    }
  });
});

describe("EPSV text", () => {
  it("formats", () => {
    expect(formatEpsvText(6446)).toBe("Entering Extended Passive Mode (|||6446|)");
    expect(() => formatEpsvText(0)).toThrow(TypeError);
  });

  it("parses with any delimiter, anywhere", () => {
    expect(parseEpsvText("Entering Extended Passive Mode (|||6446|)")).toBe(6446);
    expect(parseEpsvText("229 Extended (!!!1025!).")).toBe(1025);
    expect(parseEpsvText("(x) then (|||21|)")).toBe(21);
  });

  it("rejects bad ports and shapes", () => {
    for (const bad of ["(|||0|)", "(|||65536|)", "(|||123456|)", "(||6446|)", "(|||6446!)", "(|||6446|", "(|||a|)", "|||6446|", ""]) {
      expect(parseEpsvText(bad), bad).toBeUndefined();
    }
  });

  it("stays linear on hostile text", () => {
    expect(parseEpsvText("(|||".repeat(50_000))).toBeUndefined();
  });
});
