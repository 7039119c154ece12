// The FTP server and client, unchanged, over two of our stacks joined by SLIP on an in-memory
// byte link: the Network seam carries them end to end, IPv4 and IPv6, with and without faults,
// and ping works both ways.
import { createHash, randomBytes } from "node:crypto";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PassThrough, Writable } from "node:stream";
import { afterEach, describe, expect, it } from "vitest";
import { FtpClient } from "../ftp/client/index.js";
import { FtpServer } from "../ftp/server/index.js";
import { FrameLinkDecorator } from "../link/decorator.js";
import { faults, linkPair, SlipFraming, type FrameLink } from "../link/index.js";
import { SlipNetwork } from "./slip-network.js";
import { Stack } from "./stack.js";
import { IP_PROTO, parseIpPacket, parseTcp } from "./wire/index.js";
import { DEFAULT_TCP_CONFIG, type TcpConfig } from "./tcp/index.js";

const sha = (b: Buffer): string => createHash("sha256").update(b).digest("hex");

interface Pair {
  host: Stack;
  board: Stack;
  /** Only with the `power` option: the board forgets every connection without a word and starts afresh. */
  reboot(): Stack;
  close(): Promise<void>;
}

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
});

/** A board's power switch: while off, nothing it sends leaves and nothing reaches it. */
class PowerSwitch extends FrameLinkDecorator {
  powered = true;
  override send(frame: Buffer): boolean {
    return this.powered ? this.inner.send(frame) : true;
  }
  protected override receive(frame: Buffer): void {
    if (this.powered) this.emit("frame", frame);
  }
}

function tunnel(mtu: number, options: { faults?: Parameters<typeof faults>[1]; tcp?: Partial<TcpConfig>; power?: PowerSwitch[] } = {}): Pair {
  const [a, b] = linkPair({ highWaterMark: 256 * 1024 });
  let la: FrameLink = new SlipFraming(a, { name: "host", maxFrame: mtu + 64 });
  let lb: FrameLink = new SlipFraming(b, { name: "board", maxFrame: mtu + 64 });
  if (options.power) {
    const power = new PowerSwitch(lb);
    options.power.push(power);
    lb = power;
  }
  if (options.faults) {
    la = faults(la, options.faults);
    lb = faults(lb, { ...options.faults, seed: options.faults.seed + 1 });
  }
  const tcp: TcpConfig = { ...DEFAULT_TCP_CONFIG, nagle: false, delayedAckMs: 0, rtoMinMs: 50, rtoInitialMs: 200, ...options.tcp };
  const host = new Stack(la, { mtu, tcp, ipv4: { local: "198.51.100.1", peer: "198.51.100.2" }, ipv6: { local: "2001:db8::1", peer: "2001:db8::2" } });
  const boardStack = (): Stack => new Stack(lb, { mtu, tcp, ipv4: { local: "198.51.100.2", peer: "198.51.100.1" }, ipv6: { local: "2001:db8::2", peer: "2001:db8::1" } });
  const pair: Pair = {
    host,
    board: boardStack(),
    reboot: () => {
      const power = lb as PowerSwitch;
      power.powered = false;
      pair.board.close(); // its RSTs go nowhere: a reset forgets, it does not say goodbye
      pair.board = boardStack();
      power.powered = true;
      return pair.board;
    },
    close: async () => {
      host.close();
      pair.board.close();
      await Promise.all([la.close(), lb.close()]);
    },
  };
  cleanups.push(pair.close);
  return pair;
}

async function ftpOver(pair: Pair, serverHost: string, clientTarget: string, passive: boolean, size: number): Promise<void> {
  const root = await mkdtemp(join(tmpdir(), "hilftp-slip-"));
  await mkdir(join(root, "d"));
  cleanups.push(() => rm(root, { recursive: true, force: true }));
  const server = new FtpServer({ network: new SlipNetwork(pair.board), host: serverHost, port: 21, root, users: { u: "p" }, loginFailDelayMs: 0 });
  await server.listen();
  cleanups.push(() => server.close());
  const client = await FtpClient.connect({ network: new SlipNetwork(pair.host), host: clientTarget, port: 21, user: "u", password: "p", passive });
  const payload = randomBytes(size);
  const src = new PassThrough();
  src.end(payload);
  await client.upload(src, "/d/f.bin");
  expect(sha(await readFile(join(root, "d", "f.bin")))).toBe(sha(payload));
  const sink = new PassThrough();
  const got: Buffer[] = [];
  sink.on("data", (c: Buffer) => got.push(c));
  await client.download("/d/f.bin", sink);
  expect(sha(Buffer.concat(got))).toBe(sha(payload));
  expect((await client.list("/d")).map((e) => e.name)).toEqual(["f.bin"]);
  await client.quit();
}

describe("ping over the tunnel", () => {
  it("echo both ways, IPv4 and IPv6", async () => {
    const p = tunnel(1500);
    expect(await p.host.ping("198.51.100.2")).toBeGreaterThanOrEqual(0);
    expect(await p.board.ping("198.51.100.1")).toBeGreaterThanOrEqual(0);
    expect(await p.host.ping("2001:db8::2")).toBeGreaterThanOrEqual(0);
    expect(p.board.counters.icmpEchoRequests).toBe(2);
  });

  it("MTU below 1280 turns IPv6 off and says why", () => {
    const p = tunnel(296);
    expect(p.host.ipv6Disabled).toMatch(/1280/);
    expect(() => p.host.connect("2001:db8::2", 21)).toThrow(/no route/);
  });

  it("a closed port answers RST: connect is refused", async () => {
    const p = tunnel(1500);
    const net = new SlipNetwork(p.host);
    await expect(net.connect({ host: "198.51.100.2", port: 2121, timeoutMs: 5000 })).rejects.toMatchObject({ code: expect.stringMatching(/ECONNREFUSED|ECONNRESET/) });
    expect(p.board.counters.resetsSent).toBe(1);
  });
});

describe("FTP over SLIP on our stack", () => {
  it.each([
    { mtu: 1500, passive: true },
    { mtu: 1500, passive: false },
    { mtu: 296, passive: true },
    { mtu: 296, passive: false },
  ])("IPv4 MTU $mtu passive=$passive", async ({ mtu, passive }) => {
    await ftpOver(tunnel(mtu), "198.51.100.2", "198.51.100.2", passive, 300_000);
  });

  it.each([true, false])("IPv6 MTU 1500 passive=%s", async (passive) => {
    await ftpOver(tunnel(1500), "2001:db8::2", "2001:db8::2", passive, 300_000);
  });

  it("survives drop 2%, corrupt 1%, reorder 2%", async () => {
    const p = tunnel(576, { faults: { drop: 0.02, corrupt: 0.01, reorder: 0.02, seed: 7 } });
    await ftpOver(p, "198.51.100.2", "198.51.100.2", true, 200_000);
    expect(p.host.tcpTotals.retransmits + p.board.tcpTotals.retransmits + p.host.tcpTotals.fastRetransmits + p.board.tcpTotals.fastRetransmits).toBeGreaterThan(0);
  });
});

describe("a board that restarts mid-transfer", () => {
  it("the client fails the RETR at once with one clear reason, not at its control timeout", async () => {
    const p = tunnel(1500, { power: [] });
    const root = await mkdtemp(join(tmpdir(), "hilftp-slip-"));
    cleanups.push(() => rm(root, { recursive: true, force: true }));
    await writeFile(join(root, "big.bin"), randomBytes(400_000));
    const serve = async (board: Stack): Promise<void> => {
      const server = new FtpServer({ network: new SlipNetwork(board), host: "198.51.100.2", port: 21, root, users: { u: "p" }, loginFailDelayMs: 0 });
      await server.listen();
      cleanups.push(() => server.close());
    };
    await serve(p.board);
    const client = await FtpClient.connect({ network: new SlipNetwork(p.host), host: "198.51.100.2", port: 21, user: "u", password: "p", timeoutMs: 30_000 });
    cleanups.push(async () => client.close());
    let release: () => void = () => undefined;
    const held = new Promise<void>((r) => (release = r));
    let first: () => void = () => undefined;
    const started = new Promise<void>((r) => (first = r));
    // The sink holds its first chunk: the host's window closes and the board waits mid-file.
    const sink = new Writable({
      highWaterMark: 1,
      write(_chunk: Buffer, _e, done) {
        first();
        void held.then(() => done());
      },
    });
    const failed = client.download("/big.bin", sink).then(
      () => new Error("the download completed"),
      (e: unknown) => e as Error,
    );
    await started;
    await serve(p.reboot());
    const t0 = performance.now();
    release(); // the window update meets a board that has no such connection: RST
    const err = await failed;
    expect(performance.now() - t0).toBeLessThan(2_000);
    expect(err.name).toBe("FtpConnectionError");
    expect(err.message).toMatch(/^RETR \/big\.bin: the server reset the data connection after \d+ bytes, then the control connection: it lost the session/);
    // The rebooted board serves a new session.
    const again = await FtpClient.connect({ network: new SlipNetwork(p.host), host: "198.51.100.2", port: 21, user: "u", password: "p" });
    expect((await again.list("/")).map((e) => e.name)).toEqual(["big.bin"]);
    await again.quit();
  });
});

describe("message boundaries (a NetX profile's oneMessagePerSegment)", () => {
  /** Payload sizes of the TCP segments the host sends to `port`, recorded off the host's link. */
  function payloadsTo(p: Pair, port: number): number[] {
    const sizes: number[] = [];
    const link = (p.host as unknown as { link: FrameLink }).link;
    const record = (frame: Buffer): void => {
      const ip = parseIpPacket(frame);
      if (ip.ok && ip.value.protocol === IP_PROTO.TCP) {
        const tcp = parseTcp(ip.value.payload, ip.value.src, ip.value.dst);
        if (tcp.ok && tcp.value.dstPort === port && tcp.value.payload.length > 0) sizes.push(tcp.value.payload.length);
      }
    };
    const send = link.send.bind(link);
    link.send = (frame: Buffer): boolean => {
      record(frame);
      return send(frame);
    };
    const pieces = link.sendPieces?.bind(link);
    if (pieces) {
      link.sendPieces = (head: Buffer, body: Buffer): boolean => {
        record(Buffer.concat([head, body]));
        return pieces(head, body);
      };
    }
    return sizes;
  }

  async function tenWrites(messages: boolean): Promise<number[]> {
    // One segment in flight: what queues behind it shows whether writes may share segments.
    const p = tunnel(1500, { tcp: { messageBoundaries: true, maxSegmentsInFlight: 1 } });
    const got: Buffer[] = [];
    const done = new Promise<void>((resolve) => {
      void new SlipNetwork(p.board).listen({ host: "198.51.100.2", port: 7000, messages }, (c) => {
        c.stream.on("data", (d: Buffer) => got.push(d));
        c.stream.on("end", () => resolve());
      });
    });
    const sizes = payloadsTo(p, 7000);
    await new Promise((r) => setTimeout(r, 10));
    const c = await new SlipNetwork(p.host).connect({ host: "198.51.100.2", port: 7000, messages });
    for (let i = 0; i < 10; i++) c.stream.write(`LINE ${i} ${"x".repeat(91)}\r\n`);
    c.stream.end();
    await done;
    expect(Buffer.concat(got).length).toBe(10 * 100);
    return sizes;
  }

  it("keep each write of a message connection in segments of its own", async () => {
    expect(await tenWrites(true)).toEqual(Array(10).fill(100));
  });

  it("let a byte-stream connection (FTP data) fill its segments", async () => {
    const sizes = await tenWrites(false);
    expect(sizes.reduce((a, b) => a + b, 0)).toBe(1000);
    expect(sizes.length).toBeLessThanOrEqual(3);
  });
});
