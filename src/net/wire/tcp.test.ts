// TCP codec: real Linux segments parse to the expected fields, what we emit parses back (and matches Linux
// byte for byte where the layout is the same), and every kind of malformed segment is refused, never thrown.
import { describe, expect, it } from "vitest";
import { finishChecksum, pseudoHeaderSum, sum16 } from "./checksum.js";
import { parseIp } from "./address.js";
import {
  TCP_FLAGS,
  formatTcpFlags,
  parseTcp,
  tcpFlagsProblem,
  tcpHeaderLength,
  tcpSegmentLength,
  writeTcp,
  type TcpSegment,
  type TcpSegmentInit,
} from "./tcp.js";
import { randomBytes, seededRandom } from "./test-support.js";

const { FIN, SYN, RST, PSH, ACK, URG, ECE, CWR } = TCP_FLAGS;
const LO = Buffer.from([127, 0, 0, 1]);
const H4 = Buffer.from([198, 51, 100, 1]);
const B4 = Buffer.from([198, 51, 100, 2]);
const H6 = parseIp("2001:db8::1")?.bytes ?? Buffer.alloc(16);
const B6 = parseIp("2001:db8::2")?.bytes ?? Buffer.alloc(16);

// Captured from Linux 6.x on loopback (127.0.0.1:53398 -> 127.0.0.1:40000). Loopback leaves the TCP checksum
// half-done, so the field holds the value computed for these bytes by an independent implementation.
const LINUX_SYN = Buffer.from("d0969c40ca87ce8b00000000a002ffd75e0e0000020 4ffd704020 80adc980f6d000000000103030a".replace(/ /g, ""), "hex");
const LINUX_SYN_ACK = Buffer.from("9c40d096d1531edeca87ce8ca012ffcbf8ec0000020 4ffd704020 80a43913159dc980f6d0103030a".replace(/ /g, ""), "hex");
const LINUX_DATA = Buffer.from("d0969c40ca87ce8cd1531edf80180040dd8c00000101080adc980f6d4391315968656c6c6f", "hex");

/** Recomputes the checksum after a test has edited a segment, so the edit itself is what gets judged. */
function fixChecksum(seg: Buffer, src: Buffer, dst: Buffer): Buffer {
  seg.writeUInt16BE(0, 16);
  seg.writeUInt16BE(finishChecksum(sum16(seg, pseudoHeaderSum(src, dst, 6, seg.length))), 16);
  return seg;
}

function parsed(buf: Buffer, src: Buffer, dst: Buffer): TcpSegment {
  const r = parseTcp(buf, src, dst);
  if (!r.ok) throw new Error(`parse failed: ${r.error} ${r.detail ?? ""}`);
  return r.value;
}

function emit(seg: TcpSegmentInit, src: Buffer, dst: Buffer): Buffer {
  const out = Buffer.alloc(tcpHeaderLength(seg.options) + (seg.payload?.length ?? 0));
  expect(writeTcp(out, 0, seg, src, dst)).toBe(out.length);
  return out;
}

describe("parseTcp on real Linux segments", () => {
  it("reads a SYN with MSS, SACK-permitted, timestamp and window scale", () => {
    const s = parsed(LINUX_SYN, LO, LO);
    expect(s).toMatchObject({ srcPort: 53398, dstPort: 40000, seq: 0xca87ce8b, ack: 0, flags: SYN, window: 0xffd7, urgent: 0 });
    expect(s.options).toEqual({ mss: 65495, sackPermitted: true, timestamp: [0xdc980f6d, 0], windowScale: 10 });
    expect(s.payload.length).toBe(0);
    expect(tcpSegmentLength(s)).toBe(1);
  });

  it("reads the SYN-ACK", () => {
    const s = parsed(LINUX_SYN_ACK, LO, LO);
    expect(s).toMatchObject({ srcPort: 40000, dstPort: 53398, seq: 0xd1531ede, ack: 0xca87ce8c, flags: SYN | ACK, window: 0xffcb });
    expect(s.options).toEqual({ mss: 65495, sackPermitted: true, timestamp: [0x43913159, 0xdc980f6d], windowScale: 10 });
  });

  it("reads a data segment as a view of the packet", () => {
    const s = parsed(LINUX_DATA, LO, LO);
    expect(s.flags).toBe(PSH | ACK);
    expect(s.options).toEqual({ timestamp: [0xdc980f6d, 0x43913159] });
    expect(s.payload.toString()).toBe("hello");
    expect(s.payload.buffer).toBe(LINUX_DATA.buffer);
    expect(s.payload.byteOffset).toBe(LINUX_DATA.byteOffset + 32);
    expect(tcpSegmentLength(s)).toBe(5);
  });

  it("emits the data segment byte for byte as Linux did", () => {
    const s = parsed(LINUX_DATA, LO, LO);
    expect(emit({ ...s }, LO, LO).equals(LINUX_DATA)).toBe(true);
  });
});

describe("writeTcp round trips", () => {
  it("round-trips every option over IPv4 and IPv6", () => {
    const seg: TcpSegmentInit = {
      srcPort: 21,
      dstPort: 49152,
      seq: 0xffff_fffe,
      ack: 0x8000_0001,
      flags: SYN | ACK | ECE,
      window: 65535,
      urgent: 0,
      options: { mss: 536, windowScale: 7, sackPermitted: true, timestamp: [0xffff_ffff, 1] },
      payload: Buffer.from("x"),
    };
    for (const [src, dst] of [[H4, B4], [H6, B6]] as const) {
      const wire = emit(seg, src, dst);
      expect(wire.length).toBe(20 + 24 + 1);
      const back = parsed(wire, src, dst);
      expect({ ...back, payload: back.payload.toString() }).toEqual({ ...seg, payload: "x" });
    }
  });

  it("emits no options as a bare 20-byte header and shares an empty payload", () => {
    const wire = emit({ srcPort: 1, dstPort: 2, seq: 3, ack: 4, flags: ACK, window: 5 }, H4, B4);
    expect(wire.length).toBe(20);
    expect(wire[12]).toBe(5 << 4);
    const back = parsed(wire, H4, B4);
    expect(back.options).toEqual({});
    expect(back.payload.length).toBe(0);
  });

  it("keeps as many SACK blocks as fit in 40 option bytes", () => {
    const sack: Array<readonly [number, number]> = [[10, 20], [30, 40], [50, 60], [70, 80]];
    expect(tcpHeaderLength({ sack })).toBe(20 + 4 + 32);
    expect(tcpHeaderLength({ sack, timestamp: [1, 2] })).toBe(20 + 12 + 4 + 24);
    expect(tcpHeaderLength({ sack, timestamp: [1, 2], mss: 1, windowScale: 1, sackPermitted: true })).toBe(20 + 24 + 12);
    const wire = emit({ srcPort: 1, dstPort: 2, seq: 3, ack: 4, flags: ACK, window: 5, options: { sack, timestamp: [1, 2] } }, H6, B6);
    expect(parsed(wire, H6, B6).options).toEqual({ timestamp: [1, 2], sack: sack.slice(0, 3) });
  });

  it("writes at an offset into a larger buffer and does not copy a payload already in place", () => {
    const packet = Buffer.alloc(100, 0xee);
    const payload = packet.subarray(30 + 20, 30 + 20 + 10);
    payload.fill(0x41);
    const n = writeTcp(packet, 30, { srcPort: 7, dstPort: 8, seq: 1, ack: 2, flags: ACK | PSH, window: 9, payload }, H4, B4);
    expect(n).toBe(30);
    expect(packet[29]).toBe(0xee);
    expect(packet[60]).toBe(0xee);
    expect(parsed(packet.subarray(30, 60), H4, B4).payload.toString()).toBe("A".repeat(10));
  });

  it("refuses programming errors with RangeError", () => {
    const base = { srcPort: 1, dstPort: 2, seq: 3, ack: 4, flags: ACK, window: 5 };
    expect(() => writeTcp(Buffer.alloc(19), 0, base, H4, B4)).toThrow(RangeError);
    expect(() => writeTcp(Buffer.alloc(30), 11, base, H4, B4)).toThrow(RangeError);
    expect(() => writeTcp(Buffer.alloc(20), 0, { ...base, window: 65536 }, H4, B4)).toThrow(RangeError);
    expect(() => writeTcp(Buffer.alloc(20), 0, { ...base, srcPort: -1 }, H4, B4)).toThrow(RangeError);
    expect(() => writeTcp(Buffer.alloc(40), 0, { ...base, options: { windowScale: 15 } }, H4, B4)).toThrow(RangeError);
    expect(() => writeTcp(Buffer.alloc(20), 0, base, H4, B6)).toThrow(RangeError);
  });
});

describe("parseTcp refuses malformed segments", () => {
  it("reports truncation at every length below the header", () => {
    for (let length = 0; length < LINUX_SYN.length; length++) {
      const r = parseTcp(LINUX_SYN.subarray(0, length), LO, LO);
      expect(r.ok, `length ${length}`).toBe(false);
      // Up to the data offset's length the header itself is missing; after that the checksum no longer holds.
      if (!r.ok && length < 40) expect(r.error, `length ${length}`).toBe("truncated");
      if (!r.ok && length >= 40) expect(r.error).toBe("bad-checksum");
    }
  });

  it("detects every single-bit error, including in the pseudo header", () => {
    for (let bit = 0; bit < LINUX_DATA.length * 8; bit++) {
      const copy = Buffer.from(LINUX_DATA);
      copy[bit >> 3] = (copy[bit >> 3] as number) ^ (1 << (bit & 7));
      const r = parseTcp(copy, LO, LO);
      expect(r.ok, `bit ${bit}`).toBe(false);
    }
    const r = parseTcp(LINUX_DATA, LO, Buffer.from([127, 0, 0, 2]));
    expect(r).toEqual({ ok: false, error: "bad-checksum" });
  });

  it("refuses a data offset below 5 and a header longer than the segment", () => {
    const small = fixChecksum(Buffer.from(LINUX_DATA), LO, LO);
    small[12] = 4 << 4;
    expect(parseTcp(fixChecksum(small, LO, LO), LO, LO)).toMatchObject({ ok: false, error: "bad-header-length" });
    const long = Buffer.from(LINUX_SYN.subarray(0, 36));
    expect(parseTcp(fixChecksum(long, LO, LO), LO, LO)).toMatchObject({ ok: false, error: "truncated" });
  });

  it("refuses port 0 and mismatched addresses", () => {
    const zero = Buffer.from(LINUX_DATA);
    zero.writeUInt16BE(0, 2);
    expect(parseTcp(fixChecksum(zero, LO, LO), LO, LO)).toMatchObject({ ok: false, error: "bad-address" });
    expect(parseTcp(LINUX_DATA, LO, H6)).toMatchObject({ ok: false, error: "bad-address" });
    expect(parseTcp(LINUX_DATA, Buffer.alloc(5), Buffer.alloc(5))).toMatchObject({ ok: false, error: "bad-address" });
  });

  it("judges flag combinations", () => {
    const good = [SYN, SYN | ACK, SYN | ECE | CWR, SYN | ACK | ECE, RST, RST | ACK, ACK, ACK | PSH, FIN | ACK, FIN | ACK | PSH, ACK | URG, SYN | PSH, RST | PSH];
    const bad = [0, FIN, PSH, URG, FIN | PSH | URG, SYN | FIN, SYN | FIN | ACK, SYN | RST, SYN | RST | ACK, RST | FIN, RST | FIN | ACK, ECE, CWR];
    for (const flags of good) {
      expect(tcpFlagsProblem(flags), formatTcpFlags(flags)).toBeUndefined();
      const wire = emit({ srcPort: 1, dstPort: 2, seq: 0, ack: 0, flags, window: 0 }, H4, B4);
      expect(parseTcp(wire, H4, B4).ok, formatTcpFlags(flags)).toBe(true);
    }
    for (const flags of bad) {
      const wire = emit({ srcPort: 1, dstPort: 2, seq: 0, ack: 0, flags, window: 0 }, H4, B4);
      expect(parseTcp(wire, H4, B4), formatTcpFlags(flags)).toMatchObject({ ok: false, error: "bad-flags" });
    }
  });

  it("refuses malformed options and skips unknown ones", () => {
    const withOptions = (options: number[]): Buffer => {
      const padded = [...options];
      while (padded.length % 4 !== 0) padded.push(0);
      const seg = Buffer.concat([Buffer.from(LINUX_DATA.subarray(0, 20)), Buffer.from(padded)]);
      seg[12] = (5 + padded.length / 4) << 4;
      return fixChecksum(seg, LO, LO);
    };
    const bad: Array<[string, number[]]> = [
      ["MSS length 3", [2, 3, 5, 0]],
      ["MSS length 5", [2, 5, 5, 0, 0]],
      ["length 0", [30, 0, 1, 1]],
      ["length 1", [30, 1, 1, 1]],
      ["past the header", [1, 1, 30, 6]],
      ["no length byte", [1, 1, 1, 30]],
      ["window scale length 4", [3, 4, 1, 1]],
      ["SACK-permitted length 3", [4, 3, 1, 1]],
      ["SACK length 2", [5, 2, 1, 1]],
      ["SACK length 9", [5, 9, 0, 0, 0, 0, 0, 0, 0]],
      ["timestamp length 8", [8, 8, 0, 0, 0, 0, 0, 0]],
    ];
    for (const [what, options] of bad) {
      expect(parseTcp(withOptions(options), LO, LO), what).toMatchObject({ ok: false, error: "bad-options" });
    }
    expect(parsed(withOptions([30, 4, 9, 9, 2, 4, 1, 0]), LO, LO).options).toEqual({ mss: 256 });
    // Nothing after EOL is read, however odd it looks.
    expect(parsed(withOptions([2, 4, 2, 0, 0, 30, 0, 9]), LO, LO).options).toEqual({ mss: 512 });
    // RFC 7323 §2.3: a shift above 14 is used as 14.
    expect(parsed(withOptions([3, 3, 15]), LO, LO).options).toEqual({ windowScale: 14 });
    expect(parsed(withOptions([5, 18, 0, 0, 0, 1, 0, 0, 0, 2, 0xff, 0xff, 0xff, 0xff, 0, 0, 0, 3]), LO, LO).options).toEqual({
      sack: [[1, 2], [0xffff_ffff, 3]],
    });
  });

  it("never throws on random input (10k seeded buffers, and 10k segments with a valid checksum)", () => {
    const random = seededRandom(9293);
    let accepted = 0;
    for (let round = 0; round < 10_000; round++) {
      const buf = randomBytes(random, Math.floor(random() * 80));
      const six = random() < 0.5;
      const r = parseTcp(buf, six ? H6 : H4, six ? B6 : B4);
      expect(typeof r.ok).toBe("boolean");
    }
    // Random headers with a correct checksum get past the checksum and exercise the flag and option checks.
    for (let round = 0; round < 10_000; round++) {
      const buf = randomBytes(random, 20 + Math.floor(random() * 60));
      buf[12] = Math.min(15, 5 + Math.floor(random() * ((buf.length - 20) / 4 + 1))) << 4;
      const r = parseTcp(fixChecksum(buf, H4, B4), H4, B4);
      if (r.ok) accepted++;
      else expect(["truncated", "bad-flags", "bad-options", "bad-address"]).toContain(r.error);
    }
    expect(accepted).toBeGreaterThan(0);
  });
});

describe("helpers", () => {
  it("formats flags and counts sequence space", () => {
    expect(formatTcpFlags(SYN | ACK)).toBe("SYN|ACK");
    expect(formatTcpFlags(0)).toBe("none");
    expect(tcpSegmentLength({ flags: SYN | FIN, payload: Buffer.alloc(3) })).toBe(5);
    expect(tcpSegmentLength({ flags: ACK })).toBe(0);
  });
});
