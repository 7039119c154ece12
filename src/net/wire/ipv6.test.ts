// IPv6 codec: a Linux packet, our own headers round-tripped, and the extension-header walk in every branch.
import { describe, expect, it } from "vitest";
import { parseIp } from "./address.js";
import { IPV6_HEADER_LENGTH, parseIpv6, writeIpv6Header } from "./ipv6.js";
import { randomBytes, seededRandom } from "./test-support.js";

// Linux's ICMPv6 echo reply on ::1 (flow label set by the kernel).
const LINUX_ECHO_REPLY = Buffer.from(
  "6003465a00143a40" + "00000000000000000000000000000001".repeat(2) + "8100323912340002" + Buffer.from("hilftp ping!").toString("hex"),
  "hex",
);
const H6 = parseIp("2001:db8::1")?.bytes ?? Buffer.alloc(16);
const B6 = parseIp("2001:db8::2")?.bytes ?? Buffer.alloc(16);
const TCP = 6;

/** An IPv6 packet whose payload is the given extension headers followed by `upper` bytes of protocol `last`. */
function packetWith(firstNext: number, extensions: Buffer[], upper = Buffer.from("tcp!")): Buffer {
  const payload = Buffer.concat([...extensions, upper]);
  const packet = Buffer.alloc(IPV6_HEADER_LENGTH + payload.length);
  writeIpv6Header(packet, 0, { src: H6, dst: B6, nextHeader: firstNext, payloadLength: payload.length });
  payload.copy(packet, IPV6_HEADER_LENGTH);
  return packet;
}

/** An 8-byte-multiple extension header: next header, length field, then body padded with PadN if needed. */
function ext(next: number, body: number[]): Buffer {
  const b = Buffer.from([next, 0, ...body]);
  if (b.length % 8 !== 0) throw new Error("test header must be a multiple of 8");
  b[1] = b.length / 8 - 1;
  return b;
}

describe("parseIpv6", () => {
  it("reads a Linux packet", () => {
    const r = parseIpv6(LINUX_ECHO_REPLY);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.value.header).toMatchObject({ nextHeader: 58, hopLimit: 64, trafficClass: 0, flowLabel: 0x3465a, payloadLength: 20 });
    expect(r.value.protocol).toBe(58);
    expect(r.value.header.src.equals(parseIp("::1")?.bytes ?? Buffer.alloc(0))).toBe(true);
    expect(r.value.payload.subarray(8).toString()).toBe("hilftp ping!");
  });

  it("reproduces the Linux header and round-trips every field", () => {
    const out = Buffer.alloc(40);
    const lo = parseIp("::1")?.bytes ?? Buffer.alloc(16);
    writeIpv6Header(out, 0, { src: lo, dst: lo, nextHeader: 58, payloadLength: 20, flowLabel: 0x3465a });
    expect(out.equals(LINUX_ECHO_REPLY.subarray(0, 40))).toBe(true);
    const packet = Buffer.alloc(45);
    writeIpv6Header(packet, 0, { src: H6, dst: B6, nextHeader: TCP, payloadLength: 5, hopLimit: 1, trafficClass: 0xab, flowLabel: 0xfffff });
    const r = parseIpv6(packet);
    expect(r.ok && r.value.header).toMatchObject({ src: H6, dst: B6, nextHeader: TCP, hopLimit: 1, trafficClass: 0xab, flowLabel: 0xfffff, payloadLength: 5 });
  });

  it("drops link padding and refuses truncation at every length", () => {
    const padded = Buffer.concat([LINUX_ECHO_REPLY, Buffer.alloc(3)]);
    const r = parseIpv6(padded);
    expect(r.ok && r.value.payload.length).toBe(20);
    for (let length = 0; length < LINUX_ECHO_REPLY.length; length++) {
      expect(parseIpv6(LINUX_ECHO_REPLY.subarray(0, length)), `length ${length}`).toMatchObject({ ok: false, error: "truncated" });
    }
  });

  it("refuses other versions", () => {
    for (const first of [0x40, 0x00, 0x70, 0xf0]) {
      const packet = Buffer.from(LINUX_ECHO_REPLY);
      packet[0] = first;
      expect(parseIpv6(packet)).toMatchObject({ ok: false, error: "bad-version" });
    }
  });

  it("steps over Hop-by-Hop, Destination Options and a finished Routing header", () => {
    const hbh = ext(60, [5, 2, 0, 0, 1, 0]); // Router Alert (skippable) + PadN of 0
    const dest = ext(43, [1, 4, 0, 0, 0, 0]); // PadN only
    const routing = ext(TCP, [4, 0, 0, 0, 0, 0]); // type 4 (SRH), segments left 0
    const r = parseIpv6(packetWith(0, [hbh, dest, routing]));
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.value.protocol).toBe(TCP);
    expect(r.value.header.nextHeader).toBe(0);
    expect(r.value.payload.toString()).toBe("tcp!");
    // Pad1 options and an atomic fragment (RFC 6946) are fine too.
    const pad1 = ext(44, [0, 0, 0, 0, 0, 0]);
    const atomic = Buffer.from([TCP, 0, 0, 0, 0x12, 0x34, 0x56, 0x78]);
    const a = parseIpv6(packetWith(60, [pad1, atomic]));
    expect(a.ok && a.value.protocol).toBe(TCP);
  });

  it("refuses fragments, source routing, unknown must-handle options and misplaced Hop-by-Hop", () => {
    const cases: Array<[string, Buffer, string]> = [
      ["first fragment", packetWith(44, [Buffer.from([TCP, 0, 0, 1, 0, 0, 0, 1])]), "fragment"],
      ["later fragment", packetWith(44, [Buffer.from([TCP, 0, 0, 8, 0, 0, 0, 1])]), "fragment"],
      ["routing with segments left", packetWith(43, [ext(TCP, [4, 1, 0, 0, 0, 0])]), "unsupported"],
      ["option type 0x80 (discard + ICMP)", packetWith(60, [ext(TCP, [0x80, 4, 0, 0, 0, 0])]), "unsupported"],
      ["option type 0x40 (discard)", packetWith(0, [ext(TCP, [0x40, 4, 0, 0, 0, 0])]), "unsupported"],
      ["option overrunning its header", packetWith(60, [ext(TCP, [1, 5, 0, 0, 0, 0])]), "bad-options"],
      ["option without length", packetWith(60, [ext(TCP, [0, 0, 0, 0, 0, 1])]), "bad-options"],
      ["Hop-by-Hop after Destination Options", packetWith(60, [ext(0, [1, 4, 0, 0, 0, 0]), ext(TCP, [1, 4, 0, 0, 0, 0])]), "bad-options"],
      ["extension header cut short", packetWith(60, [Buffer.from([TCP, 1, 1, 4, 0, 0, 0, 0])], Buffer.alloc(0)), "truncated"],
      ["extension header under 8 bytes", packetWith(60, [], Buffer.from([TCP, 0, 1, 0])), "truncated"],
    ];
    for (const [what, packet, error] of cases) expect(parseIpv6(packet), what).toMatchObject({ ok: false, error });
  });

  it("walks a long chain of extension headers to its end", () => {
    const chain = Array.from({ length: 100 }, (_, i) => ext(i === 99 ? TCP : 60, [1, 4, 0, 0, 0, 0]));
    const r = parseIpv6(packetWith(60, chain));
    expect(r.ok && r.value.protocol).toBe(TCP);
  });

  it("never throws on random input", () => {
    const random = seededRandom(8200);
    const nexts = [0, 43, 44, 60, 6, 58, 59];
    for (let round = 0; round < 10_000; round++) {
      const packet = randomBytes(random, Math.floor(random() * 120));
      if (round % 2 === 0 && packet.length >= 40) {
        // Plausible headers with random extension chains, so the walk itself is fuzzed.
        packet[0] = 0x60;
        packet.writeUInt16BE(Math.min(packet.length - 40, Math.floor(random() * 90)), 4);
        packet[6] = nexts[Math.floor(random() * nexts.length)] as number;
        for (let i = 40; i < packet.length; i += 8) if (random() < 0.6) packet[i] = nexts[Math.floor(random() * nexts.length)] as number;
      }
      expect(typeof parseIpv6(packet).ok).toBe("boolean");
    }
  });

  it("refuses programming errors in writeIpv6Header", () => {
    const base = { src: H6, dst: B6, nextHeader: TCP, payloadLength: 0 };
    expect(() => writeIpv6Header(Buffer.alloc(39), 0, base)).toThrow(RangeError);
    expect(() => writeIpv6Header(Buffer.alloc(40), 0, { ...base, flowLabel: 0x100000 })).toThrow(RangeError);
    expect(() => writeIpv6Header(Buffer.alloc(40), 0, { ...base, payloadLength: 65536 })).toThrow(RangeError);
    expect(() => writeIpv6Header(Buffer.alloc(40), 0, { ...base, src: Buffer.alloc(4) })).toThrow(RangeError);
  });
});
