import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LinkError } from "./errors.js";
import type { FrameLink } from "./frame-link.js";
import { linkPair } from "./pair.js";
import { readPcap } from "./pcap-format.js";
import { pcapTap } from "./pcap-tap.js";
import { SlipFraming } from "./slip-framing.js";

const run = promisify(execFile);

function checksum(...parts: Buffer[]): number {
  const b = Buffer.concat(parts);
  let sum = 0;
  for (let i = 0; i < b.length; i += 2) sum += (b[i] ?? 0) * 256 + (b[i + 1] ?? 0);
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return ~sum & 0xffff;
}

const v4 = (a: string): Buffer => Buffer.from(a.split(".").map(Number));

/** IPv4 + ICMP echo (type 8 request, 0 reply), checksums filled in. */
function icmpEcho(src: string, dst: string, type: 0 | 8, seq: number): Buffer {
  const icmp = Buffer.concat([Buffer.from([type, 0, 0, 0, 0x12, 0x34, seq >> 8, seq & 0xff]), Buffer.from("hilftp ping")]);
  icmp.writeUInt16BE(checksum(icmp), 2);
  const ip = Buffer.alloc(20);
  ip[0] = 0x45;
  ip.writeUInt16BE(20 + icmp.length, 2);
  ip.writeUInt16BE(seq, 4);
  ip[8] = 64;
  ip[9] = 1;
  v4(src).copy(ip, 12);
  v4(dst).copy(ip, 16);
  ip.writeUInt16BE(checksum(ip), 10);
  return Buffer.concat([ip, icmp]);
}

/** IPv6 + ICMPv6 echo request, checksum over the pseudo-header. */
function icmp6Echo(src: Buffer, dst: Buffer): Buffer {
  const icmp = Buffer.from([128, 0, 0, 0, 0, 1, 0, 1, 0x41, 0x42]);
  const pseudo = Buffer.alloc(40);
  src.copy(pseudo, 0);
  dst.copy(pseudo, 16);
  pseudo.writeUInt32BE(icmp.length, 32);
  pseudo[39] = 58;
  icmp.writeUInt16BE(checksum(pseudo, icmp), 2);
  const ip = Buffer.alloc(40);
  ip[0] = 0x60;
  ip.writeUInt16BE(icmp.length, 4);
  ip[6] = 58;
  ip[7] = 64;
  src.copy(ip, 8);
  dst.copy(ip, 24);
  return Buffer.concat([ip, icmp]);
}

const V6_HOST = Buffer.from("20010db8000000000000000000000001", "hex");
const V6_BOARD = Buffer.from("20010db8000000000000000000000002", "hex");

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "hilftp-pcap-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

function nextFrame(link: FrameLink): Promise<Buffer> {
  return new Promise((resolve) => link.once("frame", (f) => resolve(Buffer.from(f))));
}

describe("pcapTap", () => {
  it("records every frame both ways into a pcap that tshark decodes", async () => {
    const path = join(dir, "ping.pcap");
    const [a, b] = linkPair();
    let t = 1_700_000_000_000;
    const host = pcapTap(new SlipFraming(a), path, { now: () => (t += 1.5) });
    const board = new SlipFraming(b);
    const request = icmpEcho("198.51.100.1", "198.51.100.2", 8, 1);
    const reply = icmpEcho("198.51.100.2", "198.51.100.1", 0, 1);
    const request6 = icmp6Echo(V6_HOST, V6_BOARD);
    board.on("frame", (f) => {
      if (f[0] === 0x45) board.send(reply);
    });
    const gotReply = nextFrame(host);
    host.send(request);
    expect(await gotReply).toEqual(reply);
    const got6 = nextFrame(board);
    host.send(request6);
    expect(await got6).toEqual(request6);
    await host.close();

    const parsed = readPcap(await readFile(path));
    expect(parsed.ok).toBe(true);
    if (!parsed.ok) return;
    expect(parsed.file.linktype).toBe(101);
    expect(parsed.file.records.map((r) => r.data)).toEqual([request, reply, request6]);
    expect(parsed.file.records.map((r) => r.timeMs)).toEqual([1_700_000_000_001.5, 1_700_000_000_003, 1_700_000_000_004.5]);

    const v4Fields = await run("tshark", ["-r", path, "-T", "fields", "-e", "ip.src", "-e", "ip.dst", "-e", "icmp.type"]);
    expect(v4Fields.stdout.replace(/\n$/, "").split("\n")).toEqual(["198.51.100.1\t198.51.100.2\t8", "198.51.100.2\t198.51.100.1\t0", "\t\t"]);
    const v6Fields = await run("tshark", ["-r", path, "-Y", "icmpv6", "-T", "fields", "-e", "ipv6.src", "-e", "ipv6.dst", "-e", "icmpv6.type"]);
    expect(v6Fields.stdout.trim()).toBe("2001:db8::1\t2001:db8::2\t128");
    // and finds the checksums built by hand good (status 1 = Good)
    const checked = await run("tshark", ["-r", path, "-o", "ip.check_checksum:TRUE", "-T", "fields", "-e", "ip.checksum.status", "-e", "icmp.checksum.status", "-e", "icmpv6.checksum.status"]);
    expect(checked.stdout.replace(/\n$/, "").split("\n")).toEqual(["1\t1\t", "1\t1\t", "\t\t1"]);
  }, 60_000 /* three tshark runs; slow on a loaded machine */);

  it("fails at once, with a LinkError naming the file, when the pcap cannot be created", () => {
    const [a] = linkPair();
    const link = new SlipFraming(a);
    const missing = join(dir, "no", "such", "dir.pcap");
    expect(() => pcapTap(link, missing)).toThrow(LinkError);
    expect(() => pcapTap(link, missing)).toThrow(`pcap ${missing}: no such file or socket`);
  });

  it("finishes the file when the link is closed from the other side", async () => {
    const path = join(dir, "remote-close.pcap");
    const [a, b] = linkPair();
    const host = pcapTap(new SlipFraming(a), path);
    const board = new SlipFraming(b);
    const closed = new Promise<void>((resolve) => host.once("close", resolve));
    const got = nextFrame(host);
    board.send(icmpEcho("198.51.100.2", "198.51.100.1", 8, 9));
    await got;
    await board.close();
    await closed;
    const parsed = readPcap(await readFile(path));
    expect(parsed.ok && parsed.file.records.length).toBe(1);
  });
});
