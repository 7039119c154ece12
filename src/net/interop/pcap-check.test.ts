// checkPcap() on captures made here from our own wire codecs: what it must flag (a frame over
// the MTU, a SYN whose MSS is over MTU-40 / MTU-60) and what it must leave out (a SYN the link
// corrupted). Needs tshark (scripts/test-deps.sh).
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { pcapGlobalHeader, pcapRecord } from "../../link/index.js";
import { buildIpTcpPacket, parseIp, TCP_FLAGS, type TcpOptions } from "../wire/index.js";
import { BOARD4, BOARD6, HOST4, HOST6 } from "./harness.js";
import { checkPcap } from "./pcap-check.js";

let dir = "";
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "hilftp-pcap-check-"));
});
afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

const ip = (text: string): Buffer => parseIp(text)!.bytes;

function segment(src: string, dst: string, flags: number, options: TcpOptions = {}, payload = 0, seq = 1000, ack = 1, window = 1024): Buffer {
  const [srcPort, dstPort] = src === BOARD4 || src === BOARD6 ? [21, 40000] : [40000, 21];
  return buildIpTcpPacket({
    src: ip(src),
    dst: ip(dst),
    tcp: { srcPort, dstPort, seq, ack: flags & TCP_FLAGS.ACK ? ack : 0, flags, window, options, payload: Buffer.alloc(payload, 0x55) },
  });
}

/** The same ACK with a window chosen so its checksum is 0x0000, then written as 0xffff, as Linux does (RFC 1624). */
function ackWithFfffChecksum(src: string, dst: string, seq: number, ack: number): Buffer {
  for (let window = 0; window <= 0xffff; window++) {
    const frame = segment(src, dst, ACK, {}, 0, seq, ack, window);
    if (frame.readUInt16BE(20 + 16) === 0) {
      frame.writeUInt16BE(0xffff, 20 + 16);
      return frame;
    }
  }
  throw new Error("no window gives checksum 0x0000");
}

async function capture(name: string, frames: Buffer[]): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, Buffer.concat([pcapGlobalHeader(), ...frames.map((f, i) => pcapRecord(f, 1_700_000_000_000 + i))]));
  return path;
}

const SYN = TCP_FLAGS.SYN;
const SYNACK = TCP_FLAGS.SYN | TCP_FLAGS.ACK;
const ACK = TCP_FLAGS.ACK;

describe("checkPcap", () => {
  it("passes a capture within MTU 296 and counts the SYNs of each side", async () => {
    const path = await capture("good.pcap", [
      segment(HOST4, BOARD4, SYN, { mss: 256 }),
      segment(BOARD4, HOST4, SYNACK, { mss: 256 }),
      segment(HOST4, BOARD4, ACK, {}, 256), // 20 + 20 + 256 = 296: exactly the MTU
    ]);
    const r = await checkPcap(path, 296);
    expect(r).toMatchObject({ frames: 3, largest: 296, oversize: [], badMss: [] });
    expect(r.synsChecked[4]).toEqual({ ours: 1, kernel: 1 });
  }, 30_000);

  it("flags a frame over the MTU and SYNs whose MSS does not fit, IPv4 and IPv6", async () => {
    const path = await capture("bad.pcap", [
      segment(BOARD4, HOST4, SYNACK, { mss: 1460 }), // MTU 1280 allows 1240
      segment(HOST6, BOARD6, SYN, { mss: 1240 }), // IPv6 allows 1220
      segment(BOARD6, HOST6, SYNACK, { mss: 1220 }),
      segment(HOST4, BOARD4, ACK, {}, 1241), // 1281 bytes
    ]);
    const r = await checkPcap(path, 1280);
    expect(r.oversize).toEqual(["frame 4: 1281 bytes"]);
    expect(r.badMss).toEqual([`frame 1: IPv4 MSS 1460 from ${BOARD4}, limit 1240`, `frame 2: IPv6 MSS 1240 from ${HOST6}, limit 1220`]);
    expect(r.synsChecked[6]).toEqual({ ours: 1, kernel: 1 });
  }, 30_000);

  it("counts our segments in flight per connection: distinct ends above the highest ACK, retransmissions once", async () => {
    const isn = 0xffff_ff00; // our sequence numbers wrap inside the capture
    const out = (off: number, len: number): Buffer => segment(BOARD4, HOST4, ACK, {}, len, (isn + off) >>> 0, 501);
    const ackOf = (off: number): Buffer => segment(HOST4, BOARD4, ACK, {}, 0, 501, (isn + off) >>> 0);
    const path = await capture("flight.pcap", [
      segment(HOST4, BOARD4, SYN, { mss: 256 }, 0, 500),
      segment(BOARD4, HOST4, SYNACK, { mss: 256 }, 0, isn, 501),
      ackOf(1),
      out(1, 200),
      out(201, 200),
      out(401, 200), // three out
      out(1, 200), // a retransmission: still three
      ackWithFfffChecksum(HOST4, BOARD4, 501, (isn + 201) >>> 0), // tshark says "Bad"; every stack takes it
      out(601, 200),
      out(801, 200), // four out, ending at 401, 601, 801 and 1001
      ackOf(1001),
      out(1001, 1), // a one-octet window probe the peer does not take
      out(1001, 200), // the window opened: the probe's octet goes again inside a full segment
      out(1201, 200),
      out(1401, 200),
      out(1601, 200), // four out: the probe no longer counts
    ]);
    const r = await checkPcap(path, 296);
    expect(r.maxOursInFlight).toBe(4);
  }, 30_000);

  it("a SYN without MSS is flagged; a SYN with a bad checksum is left out", async () => {
    const corrupted = segment(HOST4, BOARD4, SYN, { mss: 9000 });
    corrupted[corrupted.length - 1]! ^= 0x01; // last option byte: the MSS value, checksum now wrong
    const path = await capture("mixed.pcap", [corrupted, segment(BOARD4, HOST4, SYNACK)]);
    const r = await checkPcap(path, 296);
    expect(r.badMss).toEqual([`frame 2: IPv4 MSS (none) from ${BOARD4}, limit 256`]);
    expect(r.synsChecked[4]).toEqual({ ours: 1, kernel: 0 });
  }, 30_000);
});
