// IPv4 codec against a header Linux built, plus every way a header can be wrong.
import { describe, expect, it } from "vitest";
import { internetChecksum } from "./checksum.js";
import { IPV4_HEADER_LENGTH, IP_PROTO, parseIpv4, writeIpv4Header } from "./ipv4.js";
import { randomBytes, seededRandom } from "./test-support.js";

// The echo reply Linux sent to 127.0.0.1 (its ICMP code builds it with DF clear and its own ident).
const LINUX_ECHO_REPLY = Buffer.from("4500002826a50000400156 2e7f0000017f000001 0000b38a1234000168696c66747020 70696e6721".replace(/ /g, ""), "hex");
const H4 = Buffer.from([198, 51, 100, 1]);
const B4 = Buffer.from([198, 51, 100, 2]);

function fixChecksum(packet: Buffer): Buffer {
  const headerLength = ((packet[0] as number) & 0x0f) * 4;
  packet.writeUInt16BE(0, 10);
  packet.writeUInt16BE(internetChecksum(packet.subarray(0, Math.min(headerLength, packet.length))), 10);
  return packet;
}

function withPayload(payload: Buffer, fields: Partial<Parameters<typeof writeIpv4Header>[2]> = {}): Buffer {
  const packet = Buffer.alloc(IPV4_HEADER_LENGTH + payload.length);
  writeIpv4Header(packet, 0, { src: H4, dst: B4, protocol: IP_PROTO.TCP, payloadLength: payload.length, ...fields });
  payload.copy(packet, IPV4_HEADER_LENGTH);
  return packet;
}

describe("parseIpv4", () => {
  it("reads a Linux packet", () => {
    const r = parseIpv4(LINUX_ECHO_REPLY);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    const { header, payload } = r.value;
    expect(header).toMatchObject({ protocol: IP_PROTO.ICMP, ttl: 64, tos: 0, ident: 0x26a5, dontFragment: false, headerLength: 20, totalLength: 40 });
    expect([...header.src]).toEqual([127, 0, 0, 1]);
    expect([...header.dst]).toEqual([127, 0, 0, 1]);
    expect(payload.length).toBe(20);
    expect(payload.buffer).toBe(LINUX_ECHO_REPLY.buffer);
  });

  it("round-trips what writeIpv4Header writes", () => {
    const packet = withPayload(Buffer.from("payload"), { ttl: 255, tos: 0xb8, ident: 0xbeef, protocol: IP_PROTO.ICMP });
    const r = parseIpv4(packet);
    expect(r.ok && r.value.header).toMatchObject({ src: H4, dst: B4, protocol: 1, ttl: 255, tos: 0xb8, ident: 0xbeef, dontFragment: true, totalLength: 27 });
    expect(r.ok && r.value.payload.toString()).toBe("payload");
  });

  it("reproduces the Linux header byte for byte", () => {
    const out = Buffer.alloc(20, 0xaa);
    writeIpv4Header(out, 0, { src: Buffer.from([127, 0, 0, 1]), dst: Buffer.from([127, 0, 0, 1]), protocol: 1, payloadLength: 20, ident: 0x26a5, dontFragment: false });
    expect(out.equals(LINUX_ECHO_REPLY.subarray(0, 20))).toBe(true);
  });

  it("drops link padding after the total length and keeps header options out of the payload", () => {
    const padded = Buffer.concat([withPayload(Buffer.from("abc")), Buffer.alloc(5)]);
    const r = parseIpv4(padded);
    expect(r.ok && r.value.payload.toString()).toBe("abc");
    // IHL 6 with one 4-byte option (NOPs + EOL): accepted, skipped.
    const withOption = Buffer.concat([withPayload(Buffer.alloc(0)).subarray(0, 20), Buffer.from([1, 1, 1, 0]), Buffer.from("xy")]);
    withOption[0] = 0x46;
    withOption.writeUInt16BE(26, 2);
    const o = parseIpv4(fixChecksum(withOption));
    expect(o.ok && o.value.header.headerLength).toBe(24);
    expect(o.ok && o.value.payload.toString()).toBe("xy");
  });

  it("refuses truncation at every length", () => {
    for (let length = 0; length < LINUX_ECHO_REPLY.length; length++) {
      const r = parseIpv4(LINUX_ECHO_REPLY.subarray(0, length));
      expect(r, `length ${length}`).toMatchObject({ ok: false, error: "truncated" });
    }
  });

  it("refuses wrong versions, header lengths and total lengths", () => {
    const cases: Array<[string, (p: Buffer) => void, string]> = [
      ["version 6", (p) => (p[0] = 0x65), "bad-version"],
      ["version 0", (p) => (p[0] = 0x05), "bad-version"],
      ["IHL 4", (p) => (p[0] = 0x44), "bad-header-length"],
      ["IHL 15 beyond the packet", (p) => (p[0] = 0x4f), "truncated"],
      ["total length below the header", (p) => p.writeUInt16BE(19, 2), "bad-length"],
      ["total length beyond the packet", (p) => p.writeUInt16BE(41, 2), "truncated"],
      ["more fragments", (p) => p.writeUInt16BE(0x2000, 6), "fragment"],
      ["fragment offset", (p) => p.writeUInt16BE(0x4001, 6), "fragment"],
    ];
    for (const [what, edit, error] of cases) {
      const packet = Buffer.from(LINUX_ECHO_REPLY);
      edit(packet);
      const fixed = (packet[0] as number) >>> 4 === 4 && ((packet[0] as number) & 0x0f) * 4 <= packet.length ? fixChecksum(packet) : packet;
      expect(parseIpv4(fixed), what).toMatchObject({ ok: false, error });
    }
    const reserved = Buffer.from(LINUX_ECHO_REPLY);
    reserved.writeUInt16BE(0x8000, 6); // the reserved ("evil") bit alone is not a fragment
    expect(parseIpv4(fixChecksum(reserved)).ok).toBe(true);
  });

  it("detects every single-bit error in the header", () => {
    for (let bit = 0; bit < 160; bit++) {
      const packet = Buffer.from(LINUX_ECHO_REPLY);
      packet[bit >> 3] = (packet[bit >> 3] as number) ^ (0x80 >> (bit & 7));
      const r = parseIpv4(packet);
      expect(r.ok, `bit ${bit}`).toBe(false);
    }
  });

  it("never throws on random input", () => {
    const random = seededRandom(791);
    let pastChecksum = 0;
    for (let round = 0; round < 10_000; round++) {
      const packet = randomBytes(random, Math.floor(random() * 80));
      // Half the inputs look like IPv4 with a valid checksum, to get past the first checks.
      if (round % 2 === 0 && packet.length >= 20) {
        packet[0] = 0x40 | ((packet[0] as number) & 0x0f);
        fixChecksum(packet);
      }
      const r = parseIpv4(packet);
      if (round % 2 === 0 && (r.ok || r.error !== "bad-checksum")) pastChecksum++;
      expect(typeof r.ok).toBe("boolean");
    }
    expect(pastChecksum).toBeGreaterThan(1000);
  });
});

describe("writeIpv4Header", () => {
  it("writes at an offset and refuses programming errors", () => {
    const out = Buffer.alloc(30, 0xee);
    expect(writeIpv4Header(out, 5, { src: H4, dst: B4, protocol: 6, payloadLength: 5 })).toBe(20);
    expect(out[4]).toBe(0xee);
    expect(out[25]).toBe(0xee);
    expect(parseIpv4(out.subarray(5)).ok).toBe(true);
    const base = { src: H4, dst: B4, protocol: 6, payloadLength: 0 };
    expect(() => writeIpv4Header(Buffer.alloc(19), 0, base)).toThrow(RangeError);
    expect(() => writeIpv4Header(Buffer.alloc(20), 0, { ...base, payloadLength: 65516 })).toThrow(RangeError);
    expect(() => writeIpv4Header(Buffer.alloc(20), 0, { ...base, ttl: 256 })).toThrow(RangeError);
    expect(() => writeIpv4Header(Buffer.alloc(20), 0, { ...base, src: Buffer.alloc(16) })).toThrow(RangeError);
  });
});
