import { createSocket, type Socket } from "node:dgram";
import { EventEmitter } from "node:events";
import { afterEach, describe, expect, it } from "vitest";
import { emptyStats, frameLinkPair, type FrameLink, type FrameLinkEvents, type LinkStats } from "../link/index.js";
import { nextFrames } from "../link/test-support.js";
import { UdpRelay } from "./relay.js";

const sockets: Socket[] = [];
afterEach(async () => {
  for (const s of sockets.splice(0)) await new Promise<void>((r) => s.close(() => r()));
});

async function udp(): Promise<Socket> {
  const s = createSocket("udp4");
  sockets.push(s);
  await new Promise<void>((r) => s.bind({ address: "127.0.0.1", port: 0 }, () => r()));
  return s;
}

/** Resolves with the next `n` datagrams `s` receives. */
function datagrams(s: Socket, n: number): Promise<Buffer[]> {
  return new Promise((resolve) => {
    const got: Buffer[] = [];
    const on = (m: Buffer): void => {
      got.push(m);
      if (got.length === n) {
        s.off("message", on);
        resolve(got);
      }
    };
    s.on("message", on);
  });
}

const send = (s: Socket, msg: Buffer, port: number): Promise<void> => new Promise((r, j) => s.send(msg, port, "127.0.0.1", (e) => (e ? j(e) : r())));
const ipv4 = (tag: number, len = 40): Buffer => Buffer.concat([Buffer.from([0x45, tag]), Buffer.alloc(len - 2, tag)]);
const ipv6 = (tag: number): Buffer => Buffer.concat([Buffer.from([0x60, tag]), Buffer.alloc(58, tag)]);

/** A FrameLink whose send() reports backpressure on demand and records what it was given. */
class GatedLink extends EventEmitter<FrameLinkEvents> implements FrameLink {
  readonly name = "gated";
  readonly sent: Buffer[] = [];
  full = false;
  get stats(): LinkStats {
    return emptyStats();
  }
  send(frame: Buffer): boolean {
    this.sent.push(frame);
    return !this.full;
  }
  close(): Promise<void> {
    return Promise.resolve();
  }
}

describe("UdpRelay", () => {
  it("one frame from the link is one datagram to socat, and back, bytes and order kept", async () => {
    const [near, far] = frameLinkPair();
    const ours = await udp();
    const socat = await udp();
    const relay = new UdpRelay(near, ours, { peerPort: socat.address().port });
    relay.start();
    const out = [ipv4(1), ipv6(2), ipv4(3, 296)];
    const gotDatagrams = datagrams(socat, 3);
    for (const f of out) far.send(f);
    expect(await gotDatagrams).toEqual(out);

    const back = [ipv6(7), ipv4(8, 1500)];
    const gotFrames = nextFrames(far, 2);
    for (const d of back) await send(socat, d, ours.address().port);
    expect(await gotFrames).toEqual(back);
    expect(relay.counters).toMatchObject({ toKernel: 3, toKernelBytes: 40 + 60 + 296, toLink: 2, toLinkBytes: 60 + 1500, foreign: 0, notIp: 0 });
    relay.stop();
  });

  it("drops datagrams from any port but socat's", async () => {
    const [near, far] = frameLinkPair();
    const ours = await udp();
    const socat = await udp();
    const intruder = await udp();
    const relay = new UdpRelay(near, ours, { peerPort: socat.address().port });
    relay.start();
    const got = nextFrames(far, 1);
    await send(intruder, ipv4(9), ours.address().port);
    // bounded wait until the intruder's datagram has been seen and dropped
    for (let i = 0; i < 200 && relay.counters.foreign === 0; i++) await new Promise((r) => setTimeout(r, 5));
    expect(relay.counters.foreign).toBe(1);
    await send(socat, ipv4(10), ours.address().port);
    expect(await got).toEqual([ipv4(10)]);
    expect(relay.counters.toLink).toBe(1);
    relay.stop();
  });

  it("drops frames that are not IPv4/IPv6 by version nibble (the TUN would refuse them and socat exit)", async () => {
    const [near, far] = frameLinkPair();
    const ours = await udp();
    const socat = await udp();
    const relay = new UdpRelay(near, ours, { peerPort: socat.address().port });
    relay.start();
    const got = datagrams(socat, 1);
    far.send(Buffer.from([0x05, 0x00, 0x00, 0x14])); // IPv4 with the version bit flipped off
    far.send(Buffer.from([0xe5, 0x00]));
    far.send(ipv4(11));
    expect(await got).toEqual([ipv4(11)]);
    expect(relay.counters.notIp).toBe(2);
    expect(relay.counters.toKernel).toBe(1);
    relay.stop();
  });

  it("queues while the link pushes back, drops beyond the queue, flushes in order on drain", async () => {
    const link = new GatedLink();
    const ours = await udp();
    const socat = await udp();
    const relay = new UdpRelay(link, ours, { peerPort: socat.address().port, queueFrames: 2 });
    relay.start();
    const port = ours.address().port;
    const seen = (n: number): Promise<void> =>
      (async () => {
        for (let i = 0; i < 400 && relay.counters.toLink + relay.queued + relay.counters.queueDrops < n; i++) await new Promise((r) => setTimeout(r, 5));
      })();
    link.full = true;
    await send(socat, ipv4(1), port);
    await seen(1);
    expect(link.sent.map((f) => f[1])).toEqual([1]); // sent, and the link said "full"
    for (const tag of [2, 3, 4]) await send(socat, ipv4(tag), port);
    await seen(4);
    expect(relay.queued).toBe(2);
    expect(relay.counters.queueDrops).toBe(1);
    expect(link.sent.length).toBe(1);
    link.full = false;
    link.emit("drain");
    expect(link.sent.map((f) => f[1])).toEqual([1, 2, 3]);
    expect(relay.queued).toBe(0);
    await send(socat, ipv4(5), port);
    await seen(4 + 1);
    expect(link.sent.map((f) => f[1])).toEqual([1, 2, 3, 5]);
    relay.stop();
  });

  it("stop() detaches: nothing is relayed afterwards", async () => {
    const [near, far] = frameLinkPair();
    const ours = await udp();
    const socat = await udp();
    const relay = new UdpRelay(near, ours, { peerPort: socat.address().port });
    relay.start();
    relay.stop();
    far.send(ipv4(1));
    await new Promise((r) => setImmediate(r));
    expect(relay.counters.toKernel).toBe(0);
    expect(near.listenerCount("frame")).toBe(0);
    expect(ours.listenerCount("message")).toBe(0);
  });
});
