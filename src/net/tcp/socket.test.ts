import { createHash } from "node:crypto";
import { Readable, Writable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { describe, expect, it } from "vitest";
import { BackToBack, seededRandom, type WireFaults } from "./back-to-back.js";
import { TcpError } from "./errors.js";
import { TcpSocket } from "./socket.js";
import { DEFAULT_TCP_CONFIG, type TcpCloseReason, type TcpConfig } from "./types.js";

const MiB = 1024 * 1024;
const STEPS = 5_000_000;

function chunks(total: number, size: number, seed: number): Buffer[] {
  const r = seededRandom(seed);
  const out: Buffer[] = [];
  for (let done = 0; done < total; done += size) {
    const b = Buffer.allocUnsafe(Math.min(size, total - done));
    for (let i = 0; i < b.length; i++) b[i] = (r() * 256) | 0;
    out.push(b);
  }
  return out;
}

function sha(bufs: Buffer[]): string {
  const h = createHash("sha256");
  for (const b of bufs) h.update(b);
  return h.digest("hex");
}

class Collector extends Writable {
  readonly parts: Buffer[] = [];
  override _write(chunk: Buffer, _enc: BufferEncoding, cb: () => void): void {
    this.parts.push(chunk);
    cb();
  }
}

/** A client socket and (once its SYN arrives) a server socket on the two ends of a simulated wire. */
function pair(faults: WireFaults, config: Partial<TcpConfig> = {}, serverConfig: Partial<TcpConfig> = config) {
  const cfg: TcpConfig = { ...DEFAULT_TCP_CONFIG, ...config };
  const scfg: TcpConfig = { ...DEFAULT_TCP_CONFIG, ...serverConfig };
  const wire = new BackToBack(faults, [
    { mss: Math.min(scfg.mss, cfg.maxSendMss), maxSegmentsInFlight: cfg.maxSegmentsInFlight },
    { mss: Math.min(cfg.mss, scfg.maxSendMss), maxSegmentsInFlight: scfg.maxSegmentsInFlight },
  ]);
  const closed: { client?: TcpCloseReason; server?: TcpCloseReason } = {};
  const client = TcpSocket.connect(cfg, wire.clock, 0x12345678, {
    onSegment: (seg) => wire.send(0, seg),
    onClosed: (r) => {
      closed.client = r;
    },
  });
  wire.ends[0] = client.connection;
  let server: TcpSocket | undefined;
  const accepted = new Promise<TcpSocket>((resolve) => {
    wire.onSynForSide1 = (syn) => {
      server = TcpSocket.accept(scfg, wire.clock, syn, 0x9abcdef0, {
        onSegment: (seg) => wire.send(1, seg),
        onClosed: (r) => {
          closed.server = r;
        },
      });
      resolve(server);
      return server.connection;
    };
  });
  return { wire, client, accepted, closed, server: () => server };
}

describe("TcpSocket over a back-to-back wire", () => {
  it("echoes 5 MiB through stream.pipeline over a lossy wire, then both ends close cleanly", async () => {
    const p = pair({ seed: 21, drop: 0.01, reorder: 0.01, duplicate: 0.005 });
    const data = chunks(5 * MiB, 64 * 1024, 99);
    let connected = false;
    p.client.on("connect", () => {
      connected = true;
    });
    void p.accepted.then((server) => {
      server.pipe(server); // echo; our 'end' ends it (allowHalfOpen false)
    });
    const sink = new Collector();
    let done = false;
    const transfer = pipeline(Readable.from(data), p.client, sink).then(() => {
      done = true;
    });
    await p.wire.drive(() => done && p.closed.client !== undefined && p.closed.server !== undefined, STEPS);
    await transfer;
    expect(connected).toBe(true);
    expect(sink.parts.reduce((n, b) => n + b.length, 0)).toBe(5 * MiB);
    expect(sha(sink.parts)).toBe(sha(data));
    expect(p.closed).toEqual({ client: "normal", server: "normal" });
    expect(p.wire.counts.dropped).toBeGreaterThan(0);
  }, 60_000);

  it("shrinks the advertised window when the application does not read, and recovers when it does", async () => {
    const p = pair({ seed: 4 }, { receiveWindow: 32 * 1024, windowScale: 0, sendBuffer: 16 * 1024 });
    const server = p.accepted;
    let serverSocket: TcpSocket | undefined;
    void server.then((s) => {
      serverSocket = s;
      s.pause();
    });
    const data = chunks(256 * 1024, 8 * 1024, 5);
    let written = false;
    const writer = pipeline(Readable.from(data), p.client).then(() => {
      written = true;
    });
    // Run until the sender is stuck: the server's buffer holds the whole window, the client probes.
    await p.wire.drive(() => p.client.connection.stats.zeroWindowProbes >= 2, STEPS);
    expect(written).toBe(false);
    expect(serverSocket!.readableLength).toBe(32 * 1024);
    expect(p.client.connection.bufferedAmount).toBe(16 * 1024);
    const sink = new Collector();
    let read = false;
    const reader = pipeline(serverSocket!, sink).then(() => {
      read = true;
    });
    await p.wire.drive(() => read && written, STEPS);
    await Promise.all([writer, reader]);
    expect(sha(sink.parts)).toBe(sha(data));
  }, 60_000);

  it("emits 'end' on the peer's FIN and keeps writing while half-open when allowed", async () => {
    const cfg = { ...DEFAULT_TCP_CONFIG };
    const wire = new BackToBack({ seed: 8 }, [
      { mss: 1460, maxSegmentsInFlight: Infinity },
      { mss: 1460, maxSegmentsInFlight: Infinity },
    ]);
    const client = TcpSocket.connect(cfg, wire.clock, 1, { onSegment: (s) => wire.send(0, s), allowHalfOpen: true });
    wire.ends[0] = client.connection;
    let server: TcpSocket | undefined;
    wire.onSynForSide1 = (syn) => {
      server = TcpSocket.accept(cfg, wire.clock, syn, 2, { onSegment: (s) => wire.send(1, s) });
      return server.connection;
    };
    client.end("QUIT\r\n");
    await wire.drive(() => server !== undefined && server.established, STEPS);
    const got: Buffer[] = [];
    server!.on("data", (d: Buffer) => got.push(d));
    let ended = false;
    server!.on("end", () => {
      ended = true;
      server!.end("221 bye\r\n");
    });
    const reply: Buffer[] = [];
    client.on("data", (d: Buffer) => reply.push(d));
    let clientEnded = false;
    client.on("end", () => {
      clientEnded = true;
    });
    await wire.drive(() => clientEnded, STEPS);
    expect(ended).toBe(true);
    expect(Buffer.concat(got).toString()).toBe("QUIT\r\n");
    expect(Buffer.concat(reply).toString()).toBe("221 bye\r\n");
  });

  it("emits 'end' on the peer's FIN while paused with nothing buffered, as net.Socket does", async () => {
    const { wire, client, server: serverOf } = pair({ seed: 3 }, {}, {});
    await wire.drive(() => serverOf()?.established === true, STEPS);
    const server = serverOf()!;
    client.pause(); // as pipe() leaves a source whose destination has finished
    let ended = false;
    client.on("end", () => {
      ended = true;
    });
    server.end();
    await wire.drive(() => ended, STEPS);
    expect(ended).toBe(true);
    expect(client.readableFlowing).toBe(false);
  });

  it("fails connect with ECONNREFUSED when the port answers RST", async () => {
    const wire = new BackToBack({ seed: 1 }, [
      { mss: 1460, maxSegmentsInFlight: Infinity },
      { mss: 1460, maxSegmentsInFlight: Infinity },
    ]);
    const client = TcpSocket.connect(DEFAULT_TCP_CONFIG, wire.clock, 1, { onSegment: (s) => wire.send(0, s) });
    wire.ends[0] = client.connection;
    wire.ends[1] = { state: "CLOSED", handle: () => undefined, tick: () => undefined, nextDeadline: () => undefined };
    const err = new Promise<unknown>((resolve) => client.on("error", resolve));
    await wire.drive(() => client.destroyed, STEPS);
    const e = await err;
    expect(e).toBeInstanceOf(TcpError);
    expect((e as TcpError).code).toBe("ECONNREFUSED");
  });

  it("fails with ETIMEDOUT when nothing answers", async () => {
    const wire = new BackToBack({ seed: 1, drop: 1 }, [
      { mss: 1460, maxSegmentsInFlight: Infinity },
      { mss: 1460, maxSegmentsInFlight: Infinity },
    ]);
    const client = TcpSocket.connect({ ...DEFAULT_TCP_CONFIG, maxRetransmits: 3 }, wire.clock, 1, { onSegment: (s) => wire.send(0, s) });
    wire.ends[0] = client.connection;
    const err = new Promise<unknown>((resolve) => client.on("error", resolve));
    await wire.drive(() => client.destroyed, STEPS);
    expect(((await err) as TcpError).code).toBe("ETIMEDOUT");
  });

  it("destroy() resets the connection: the peer sees ECONNRESET", async () => {
    const p = pair({ seed: 2 });
    await p.wire.drive(() => p.server()?.established === true && p.client.established, STEPS);
    const server = p.server()!;
    const err = new Promise<unknown>((resolve) => server.on("error", resolve));
    p.client.destroy();
    await p.wire.drive(() => server.destroyed, STEPS);
    expect(((await err) as TcpError).code).toBe("ECONNRESET");
    expect(p.closed).toEqual({ client: "aborted", server: "reset" });
  });

  it("'finish' waits until the peer acknowledged everything", async () => {
    const p = pair({ seed: 3, latencyMs: 50 });
    await p.wire.drive(() => p.client.established, STEPS);
    let finished = false;
    p.client.on("finish", () => {
      finished = true;
    });
    p.client.end(Buffer.alloc(10_000, 1));
    await new Promise((r) => setImmediate(r));
    expect(finished).toBe(false);
    await p.wire.drive(() => finished, STEPS);
    expect(p.client.connection.bufferedAmount).toBe(0);
    expect(p.client.connection.state).toBe("FIN-WAIT-2");
  });
});
