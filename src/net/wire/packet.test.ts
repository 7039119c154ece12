// Whole packets: what the stack builds parses back, matches Linux byte for byte where the fields agree, and
// Wireshark's own dissectors (tshark, checksum validation on) decode it with good checksums and our values.
import { describe, expect, it } from "vitest";
import { parseIp } from "./address.js";
import { TCP_FLAGS, parseTcp, type TcpSegmentInit } from "./tcp.js";
import { parseIcmpv4, parseIcmpv6 } from "./icmp.js";
import { IP_PROTO } from "./ipv4.js";
import { writeIpv6Header } from "./ipv6.js";
import { buildIcmpEchoPacket, buildIpTcpPacket, ipTcpPacketLength, parseIpPacket, writeIpTcpHeaders, writeIpTcpPacket } from "./packet.js";
import { randomBytes, seededRandom, tsharkFields } from "./test-support.js";

const { SYN, ACK, PSH, FIN, RST } = TCP_FLAGS;
const H4 = Buffer.from([198, 51, 100, 1]);
const B4 = Buffer.from([198, 51, 100, 2]);
const H6 = parseIp("2001:db8::1")?.bytes ?? Buffer.alloc(16);
const B6 = parseIp("2001:db8::2")?.bytes ?? Buffer.alloc(16);
const LO4 = Buffer.from([127, 0, 0, 1]);
const LO6 = parseIp("::1")?.bytes ?? Buffer.alloc(16);
const PING = Buffer.from("hilftp ping!");

function pattern(length: number): Buffer {
  const b = Buffer.alloc(length);
  for (let i = 0; i < length; i++) b[i] = (i * 7 + 3) & 0xff;
  return b;
}

describe("buildIpTcpPacket and parseIpPacket", () => {
  it("round-trips over IPv4 and IPv6 in one allocation", () => {
    const tcp: TcpSegmentInit = { srcPort: 21, dstPort: 50000, seq: 0xfffffff0, ack: 77, flags: ACK | PSH, window: 4096, options: { timestamp: [1, 2] }, payload: pattern(1001) };
    for (const [src, dst, family] of [[H4, B4, 4], [H6, B6, 6]] as const) {
      const packet = buildIpTcpPacket({ src, dst, ttl: 30, tcp });
      expect(packet.length).toBe(ipTcpPacketLength(family, tcp.options, 1001));
      const ip = parseIpPacket(packet);
      expect(ip.ok).toBe(true);
      if (!ip.ok) return;
      expect(ip.value).toMatchObject({ family, protocol: IP_PROTO.TCP, ttl: 30 });
      expect(ip.value.src.equals(src) && ip.value.dst.equals(dst)).toBe(true);
      const seg = parseTcp(ip.value.payload, ip.value.src, ip.value.dst);
      expect(seg.ok && seg.value).toMatchObject({ srcPort: 21, dstPort: 50000, seq: 0xfffffff0, ack: 77, flags: ACK | PSH, window: 4096, options: { timestamp: [1, 2] } });
      expect(seg.ok && seg.value.payload.equals(pattern(1001))).toBe(true);
      expect(seg.ok && seg.value.payload.buffer).toBe(packet.buffer);
    }
  });

  it("builds echo packets identical to the ones Linux sent", () => {
    const v4 = buildIcmpEchoPacket({ src: LO4, dst: LO4, ident: 0x26a5, dontFragment: false, echo: { kind: "echo-reply", id: 0x1234, seq: 1, data: PING } });
    expect(v4.toString("hex")).toBe("4500002826a50000400156 2e7f0000017f000001 0000b38a12340001".replace(/ /g, "") + PING.toString("hex"));
    const v6 = buildIcmpEchoPacket({ src: LO6, dst: LO6, flowLabel: 0x3465a, echo: { kind: "echo-reply", id: 0x1234, seq: 2, data: PING } });
    expect(v6.toString("hex")).toBe("6003465a00143a40" + LO6.toString("hex").repeat(2) + "8100323912340002" + PING.toString("hex"));
    const ip = parseIpPacket(v6);
    expect(ip.ok && ip.value.protocol).toBe(IP_PROTO.ICMPV6);
    if (ip.ok) expect(parseIcmpv6(ip.value.payload, ip.value.src, ip.value.dst)).toMatchObject({ ok: true, value: { kind: "echo-reply", seq: 2 } });
  });

  it("reports the upper protocol after IPv6 extension headers, and refuses non-IP", () => {
    const packet = Buffer.alloc(40 + 8 + 4);
    writeIpv6Header(packet, 0, { src: H6, dst: B6, nextHeader: 60, payloadLength: 12 });
    packet.set([IP_PROTO.TCP, 0, 1, 4, 0, 0, 0, 0], 40);
    const r = parseIpPacket(packet);
    expect(r.ok && r.value.protocol).toBe(IP_PROTO.TCP);
    expect(r.ok && r.value.payload.length).toBe(4);
    expect(parseIpPacket(Buffer.alloc(0))).toMatchObject({ ok: false, error: "truncated" });
    expect(parseIpPacket(Buffer.from([0x50, 0, 0, 0]))).toMatchObject({ ok: false, error: "bad-version" });
    expect(parseIpPacket(Buffer.from([0x45]))).toMatchObject({ ok: false, error: "truncated" });
  });

  it("writes into a reused buffer at an offset, the same bytes as a built packet", () => {
    const init = { src: H6, dst: B6, tcp: { srcPort: 20, dstPort: 40001, seq: 5, ack: 6, flags: ACK, window: 100, payload: pattern(77) } };
    const scratch = Buffer.alloc(300, 0xc0);
    const n = writeIpTcpPacket(scratch, 1, init);
    expect(n).toBe(40 + 20 + 77);
    expect(scratch[0]).toBe(0xc0);
    expect(scratch[n + 1]).toBe(0xc0);
    expect(scratch.subarray(1, n + 1).equals(buildIpTcpPacket(init))).toBe(true);
    expect(() => writeIpTcpPacket(Buffer.alloc(136), 0, init)).toThrow(RangeError);
  });

  it("never throws on random input, and accepts random packets that are well formed", () => {
    const random = seededRandom(1055);
    for (let round = 0; round < 10_000; round++) {
      const packet = randomBytes(random, Math.floor(random() * 100));
      if (round % 3 === 0 && packet.length > 0) packet[0] = (round % 2 === 0 ? 0x45 : 0x60) | ((packet[0] as number) & 0x0f);
      expect(typeof parseIpPacket(packet).ok).toBe("boolean");
    }
    for (let round = 0; round < 200; round++) {
      const six = round % 2 === 1;
      const payload = randomBytes(random, Math.floor(random() * 200));
      const packet = buildIpTcpPacket({ src: six ? H6 : H4, dst: six ? B6 : B4, tcp: { srcPort: 1 + round, dstPort: 21, seq: Math.floor(random() * 2 ** 32), ack: Math.floor(random() * 2 ** 32), flags: ACK, window: round, payload } });
      const ip = parseIpPacket(packet);
      const tcp = ip.ok ? parseTcp(ip.value.payload, ip.value.src, ip.value.dst) : ip;
      expect(tcp.ok && tcp.value.payload.equals(payload), `round ${round}`).toBe(true);
    }
  });

  it("refuses mixed address families", () => {
    expect(() => buildIpTcpPacket({ src: H4, dst: B6, tcp: { srcPort: 1, dstPort: 2, seq: 0, ack: 0, flags: SYN, window: 0 } })).toThrow(RangeError);
    expect(() => buildIcmpEchoPacket({ src: Buffer.alloc(5), dst: Buffer.alloc(5), echo: { kind: "echo-request", id: 0, seq: 0 } })).toThrow(RangeError);
  });
});

describe("tshark decodes what we emit", () => {
  it("finds good checksums and our field values in every packet, and a bad one where we broke it", () => {
    const syn = { srcPort: 40000, dstPort: 21, seq: 0x01020304, ack: 0, flags: SYN, window: 1460 };
    const packets = [
      buildIpTcpPacket({ src: H4, dst: B4, tcp: { ...syn, options: { mss: 256, windowScale: 3, sackPermitted: true, timestamp: [5, 0] } } }),
      buildIpTcpPacket({ src: B4, dst: H4, tcp: { srcPort: 21, dstPort: 40000, seq: 0xfffffffe, ack: 0x01020305, flags: SYN | ACK, window: 2048, options: { mss: 536 } } }),
      buildIpTcpPacket({ src: H4, dst: B4, tcp: { srcPort: 40000, dstPort: 21, seq: 0x01020305, ack: 0xffffffff, flags: ACK | PSH, window: 1460, options: { timestamp: [6, 5] }, payload: pattern(1447) } }),
      buildIpTcpPacket({ src: H4, dst: B4, tcp: { srcPort: 40000, dstPort: 21, seq: 0x010208ac, ack: 0xffffffff, flags: FIN | ACK, window: 1460, options: { sack: [[100, 200], [300, 400]] } } }),
      buildIpTcpPacket({ src: H6, dst: B6, ttl: 255, tcp: { ...syn, options: { mss: 1220, windowScale: 0 } } }),
      buildIpTcpPacket({ src: B6, dst: H6, tcp: { srcPort: 21, dstPort: 40000, seq: 9, ack: 10, flags: ACK | PSH, window: 65535, payload: Buffer.from("220 hilftp ready\r\n") } }),
      buildIpTcpPacket({ src: B6, dst: H6, tcp: { srcPort: 21, dstPort: 40000, seq: 0, ack: 10, flags: RST | ACK, window: 0 } }),
      buildIcmpEchoPacket({ src: H4, dst: B4, echo: { kind: "echo-request", id: 7, seq: 1, data: pattern(33) } }),
      buildIcmpEchoPacket({ src: B4, dst: H4, echo: { kind: "echo-reply", id: 7, seq: 1, data: pattern(33) } }),
      buildIcmpEchoPacket({ src: H6, dst: B6, echo: { kind: "echo-request", id: 8, seq: 65535, data: pattern(57) } }),
      buildIcmpEchoPacket({ src: B6, dst: H6, echo: { kind: "echo-reply", id: 8, seq: 65535, data: pattern(57) } }),
    ];
    const broken = Buffer.from(packets[2] as Buffer);
    broken[broken.length - 1] = (broken[broken.length - 1] as number) ^ 0x01;
    packets.push(broken);
    const fields = [
      "ip.checksum.status", "ipv6.src", "tcp.checksum.status", "icmp.checksum.status", "icmpv6.checksum.status",
      "tcp.srcport", "tcp.seq_raw", "tcp.ack_raw", "tcp.flags", "tcp.window_size_value", "tcp.len", "tcp.options.mss_val",
      "tcp.options.wscale.shift", "tcp.options.sack_perm", "tcp.options.timestamp.tsval", "tcp.options.sack_le",
      "icmp.seq", "icmpv6.echo.sequence_number", "_ws.expert.message", "_ws.malformed",
    ] as const;
    const rows = tsharkFields(packets, fields).map((row) => Object.fromEntries(fields.map((f, i) => [f, row[i] ?? ""])));
    expect(rows).toHaveLength(packets.length);
    const GOOD = "1";
    const BAD = "0";
    const expected: Array<Partial<Record<(typeof fields)[number], string>>> = [
      { "ip.checksum.status": GOOD, "tcp.checksum.status": GOOD, "tcp.seq_raw": String(0x01020304), "tcp.flags": "0x0002", "tcp.options.mss_val": "256", "tcp.options.wscale.shift": "3", "tcp.options.timestamp.tsval": "5", "tcp.window_size_value": "1460" },
      { "ip.checksum.status": GOOD, "tcp.checksum.status": GOOD, "tcp.seq_raw": "4294967294", "tcp.ack_raw": String(0x01020305), "tcp.flags": "0x0012", "tcp.options.mss_val": "536" },
      { "ip.checksum.status": GOOD, "tcp.checksum.status": GOOD, "tcp.len": "1447", "tcp.flags": "0x0018", "tcp.options.timestamp.tsval": "6" },
      { "ip.checksum.status": GOOD, "tcp.checksum.status": GOOD, "tcp.flags": "0x0011", "tcp.options.sack_le": "100,300" },
      { "ipv6.src": "2001:db8::1", "tcp.checksum.status": GOOD, "tcp.options.mss_val": "1220", "tcp.options.wscale.shift": "0" },
      { "ipv6.src": "2001:db8::2", "tcp.checksum.status": GOOD, "tcp.len": "18" },
      { "tcp.checksum.status": GOOD, "tcp.flags": "0x0014" },
      { "ip.checksum.status": GOOD, "icmp.checksum.status": GOOD, "icmp.seq": "1" },
      { "ip.checksum.status": GOOD, "icmp.checksum.status": GOOD },
      { "icmpv6.checksum.status": GOOD, "icmpv6.echo.sequence_number": "65535" },
      { "icmpv6.checksum.status": GOOD },
      { "ip.checksum.status": GOOD, "tcp.checksum.status": BAD },
    ];
    expected.forEach((want, i) => expect(rows[i], `packet ${i + 1}`).toMatchObject(want));
    rows.forEach((row, i) => {
      expect(row["_ws.malformed"], `packet ${i + 1} malformed`).toBe("");
      // Expert info may remark on the connection (SYN, FIN, RST); it must not complain about the encoding.
      const remarks = row["_ws.expert.message"] ?? "";
      if (i < rows.length - 1) expect(remarks, `packet ${i + 1}`).not.toMatch(/checksum|malformed|bogus|invalid|incorrect|illegal|wrong/i);
      else expect(remarks).toMatch(/checksum/i);
    });
    expect(rows[6]?.["_ws.expert.message"]).toMatch(/Connection reset/);
    // The codec agrees with tshark about the broken one.
    const ip = parseIpPacket(broken);
    expect(ip.ok && parseTcp(ip.value.payload, ip.value.src, ip.value.dst)).toEqual({ ok: false, error: "bad-checksum" });
    const echo = parseIpPacket(packets[7] as Buffer);
    expect(echo.ok && parseIcmpv4(echo.value.payload)).toMatchObject({ ok: true, value: { kind: "echo-request", id: 7 } });
  });
});

describe("writeIpTcpHeaders", () => {
  it("writes the headers of buildIpTcpPacket, checksums covering a payload it does not copy", () => {
    const rand = seededRandom(5);
    const head = Buffer.alloc(200, 0xee);
    for (const [src, dst] of [[H4, B4], [H6, B6]] as const) {
      for (const length of [0, 1, 2, 3, 536, 1001, 1460]) {
        // An odd byteOffset too: the payload's alignment must not change the sum.
        const payload = randomBytes(rand, length + 1).subarray(1);
        const options = length % 2 === 0 ? { mss: 1460, windowScale: 3 } : undefined;
        const tcp: TcpSegmentInit = { srcPort: 20, dstPort: 40000, seq: 99, ack: 7, flags: ACK | PSH, window: 512, options, payload };
        const n = writeIpTcpHeaders(head, 3, { src, dst, tcp });
        const whole = buildIpTcpPacket({ src, dst, tcp });
        expect(n).toBe(whole.length - length);
        expect(Buffer.concat([head.subarray(3, 3 + n), payload]).equals(whole)).toBe(true);
      }
    }
    expect(() => writeIpTcpHeaders(Buffer.alloc(39), 0, { src: H4, dst: B4, tcp: { srcPort: 1, dstPort: 2, seq: 0, ack: 0, flags: ACK, window: 0 } })).toThrow(RangeError);
  });
});
