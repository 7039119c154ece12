// ICMP codecs: the echo messages Linux sent and answered, byte for byte, and the error kinds a stack meets.
import { describe, expect, it } from "vitest";
import { finishChecksum, internetChecksum, pseudoHeaderSum, sum16 } from "./checksum.js";
import { parseIp } from "./address.js";
import { icmpEchoLength, parseIcmpv4, parseIcmpv6, writeIcmpEcho } from "./icmp.js";
import { randomBytes, seededRandom } from "./test-support.js";

const DATA = Buffer.from("hilftp ping!");
// Captured on loopback: the v4 request came from a raw socket (checksum by an independent implementation),
// the replies and the v6 request checksum were computed by Linux.
const V4_REQUEST = Buffer.concat([Buffer.from("0800ab8a12340001", "hex"), DATA]);
const V4_REPLY = Buffer.concat([Buffer.from("0000b38a12340001", "hex"), DATA]);
const V6_REQUEST = Buffer.concat([Buffer.from("8000333912340002", "hex"), DATA]);
const V6_REPLY = Buffer.concat([Buffer.from("8100323912340002", "hex"), DATA]);
const LO4 = Buffer.from([127, 0, 0, 1]);
const LO6 = parseIp("::1")?.bytes ?? Buffer.alloc(16);
const H6 = parseIp("2001:db8::1")?.bytes ?? Buffer.alloc(16);
const B6 = parseIp("2001:db8::2")?.bytes ?? Buffer.alloc(16);

function v4(type: number, code: number, rest: number[], data = Buffer.alloc(0)): Buffer {
  const b = Buffer.concat([Buffer.from([type, code, 0, 0, ...rest]), data]);
  b.writeUInt16BE(internetChecksum(b), 2);
  return b;
}

function v6(type: number, code: number, rest: number[], data = Buffer.alloc(0)): Buffer {
  const b = Buffer.concat([Buffer.from([type, code, 0, 0, ...rest]), data]);
  b.writeUInt16BE(finishChecksum(sum16(b, pseudoHeaderSum(H6, B6, 58, b.length))), 2);
  return b;
}

describe("ICMP echo", () => {
  it("parses what Linux sent", () => {
    expect(parseIcmpv4(V4_REPLY)).toMatchObject({ ok: true, value: { kind: "echo-reply", type: 0, code: 0, id: 0x1234, seq: 1, data: DATA } });
    expect(parseIcmpv4(V4_REQUEST)).toMatchObject({ ok: true, value: { kind: "echo-request", id: 0x1234, seq: 1 } });
    expect(parseIcmpv6(V6_REPLY, LO6, LO6)).toMatchObject({ ok: true, value: { kind: "echo-reply", type: 129, id: 0x1234, seq: 2, data: DATA } });
    expect(parseIcmpv6(V6_REQUEST, LO6, LO6)).toMatchObject({ ok: true, value: { kind: "echo-request", type: 128 } });
  });

  it("emits the same bytes as Linux", () => {
    const cases: Array<[Buffer, "echo-request" | "echo-reply", number, Buffer]> = [
      [V4_REQUEST, "echo-request", 1, LO4],
      [V4_REPLY, "echo-reply", 1, LO4],
      [V6_REQUEST, "echo-request", 2, LO6],
      [V6_REPLY, "echo-reply", 2, LO6],
    ];
    for (const [expected, kind, seq, address] of cases) {
      const out = Buffer.alloc(icmpEchoLength(DATA.length));
      expect(writeIcmpEcho(out, 0, { kind, id: 0x1234, seq, data: DATA }, address, address)).toBe(20);
      expect(out.toString("hex"), `${kind} v${address.length === 4 ? 4 : 6}`).toBe(expected.toString("hex"));
    }
  });

  it("binds the ICMPv6 checksum to the addresses", () => {
    expect(parseIcmpv6(V6_REPLY, LO6, H6)).toEqual({ ok: false, error: "bad-checksum" });
    expect(parseIcmpv6(V6_REPLY, LO4, LO4)).toMatchObject({ ok: false, error: "bad-address" });
  });

  it("refuses truncated messages and bad checksums", () => {
    for (let length = 0; length < 8; length++) {
      expect(parseIcmpv4(V4_REPLY.subarray(0, length))).toMatchObject({ ok: false, error: "truncated" });
      expect(parseIcmpv6(V6_REPLY.subarray(0, length), LO6, LO6)).toMatchObject({ ok: false, error: "truncated" });
    }
    for (let bit = 0; bit < V4_REPLY.length * 8; bit++) {
      const a = Buffer.from(V4_REPLY);
      a[bit >> 3] = (a[bit >> 3] as number) ^ (1 << (bit & 7));
      expect(parseIcmpv4(a), `v4 bit ${bit}`).toEqual({ ok: false, error: "bad-checksum" });
      const b = Buffer.from(V6_REPLY);
      b[bit >> 3] = (b[bit >> 3] as number) ^ (1 << (bit & 7));
      expect(parseIcmpv6(b, LO6, LO6), `v6 bit ${bit}`).toEqual({ ok: false, error: "bad-checksum" });
    }
  });

  it("refuses programming errors", () => {
    expect(() => writeIcmpEcho(Buffer.alloc(7), 0, { kind: "echo-request", id: 1, seq: 1 }, LO4, LO4)).toThrow(RangeError);
    expect(() => writeIcmpEcho(Buffer.alloc(8), 0, { kind: "echo-request", id: 65536, seq: 1 }, LO4, LO4)).toThrow(RangeError);
    expect(() => writeIcmpEcho(Buffer.alloc(8), 0, { kind: "echo-request", id: 1, seq: 1 }, LO4, LO6)).toThrow(RangeError);
  });
});

describe("ICMP errors", () => {
  const invoking = Buffer.from("4500003c00000000", "hex");

  it("reports the ICMPv4 kinds, with the next-hop MTU of 'fragmentation needed'", () => {
    expect(parseIcmpv4(v4(3, 3, [0, 0, 0, 0], invoking))).toMatchObject({ ok: true, value: { kind: "unreachable", code: 3, data: invoking } });
    expect(parseIcmpv4(v4(3, 4, [0, 0, 0x01, 0x28], invoking))).toMatchObject({ ok: true, value: { kind: "packet-too-big", mtu: 296 } });
    expect(parseIcmpv4(v4(11, 0, [0, 0, 0, 0]))).toMatchObject({ ok: true, value: { kind: "time-exceeded", type: 11 } });
    expect(parseIcmpv4(v4(13, 0, [1, 2, 3, 4]))).toMatchObject({ ok: true, value: { kind: "other", type: 13, data: Buffer.from([1, 2, 3, 4]) } });
  });

  it("reports the ICMPv6 kinds, with the MTU of Packet Too Big", () => {
    expect(parseIcmpv6(v6(1, 4, [0, 0, 0, 0], invoking), H6, B6)).toMatchObject({ ok: true, value: { kind: "unreachable", code: 4 } });
    expect(parseIcmpv6(v6(2, 0, [0, 0, 0x05, 0x00], invoking), H6, B6)).toMatchObject({ ok: true, value: { kind: "packet-too-big", mtu: 1280 } });
    expect(parseIcmpv6(v6(2, 0, [0x80, 0, 0, 0]), H6, B6)).toMatchObject({ ok: true, value: { kind: "packet-too-big", mtu: 0x8000_0000 } });
    expect(parseIcmpv6(v6(3, 1, [0, 0, 0, 0]), H6, B6)).toMatchObject({ ok: true, value: { kind: "time-exceeded", code: 1 } });
    // A Router Solicitation, as a Linux TUN interface sends when it comes up.
    expect(parseIcmpv6(v6(133, 0, [0, 0, 0, 0]), H6, B6)).toMatchObject({ ok: true, value: { kind: "other", type: 133 } });
  });

  it("never throws on random input", () => {
    const random = seededRandom(4443);
    let accepted = 0;
    for (let round = 0; round < 10_000; round++) {
      const bytes = randomBytes(random, Math.floor(random() * 40));
      if (round % 2 === 0 && bytes.length >= 4) {
        const type = [0, 3, 8, 11, 1, 2, 128, 129][round % 8] as number;
        bytes[0] = type;
        bytes.writeUInt16BE(0, 2);
        const six = type === 1 || type === 2 || type >= 128;
        bytes.writeUInt16BE(six ? finishChecksum(sum16(bytes, pseudoHeaderSum(H6, B6, 58, bytes.length))) : internetChecksum(bytes), 2);
      }
      const a = parseIcmpv4(bytes);
      const b = parseIcmpv6(bytes, H6, B6);
      if (a.ok || b.ok) accepted++;
    }
    expect(accepted).toBeGreaterThan(1000);
  });
});
