import { describe, expect, it } from "vitest";
import { BackToBack, seededRandom, type WireFaults } from "./back-to-back.js";
import { seqDiff } from "../wire/seq.js";
import type { TcpSegment } from "../wire/tcp.js";
import { TcpConnection } from "./connection.js";
import { DEFAULT_TCP_CONFIG, type TcpConfig, type TcpEvents } from "./types.js";

const MiB = 1024 * 1024;

function pattern(bytes: number, seed: number): Buffer {
  const r = seededRandom(seed);
  const b = Buffer.allocUnsafe(bytes);
  for (let i = 0; i + 4 <= bytes; i += 4) b.writeUInt32LE(Math.floor(r() * 2 ** 32), i);
  for (let i = bytes & ~3; i < bytes; i++) b[i] = i & 0xff;
  return b;
}

interface Side {
  conn: TcpConnection | undefined;
  out: Buffer;
  sent: number;
  received: Buffer[];
  closed: string | undefined;
  remoteClosed: boolean;
}

/** Both sides send `bytes` to each other at once, then close; returns what each received. */
function exchange(
  faults: WireFaults,
  config: [Partial<TcpConfig>, Partial<TcpConfig>],
  bytes: number,
  writeSize = 65536,
  onSend?: BackToBack["onSend"],
) {
  const cfg = config.map((c) => ({ ...DEFAULT_TCP_CONFIG, ...c })) as [TcpConfig, TcpConfig];
  const wire = new BackToBack(faults, [
    { mss: Math.min(cfg[1].mss, cfg[0].maxSendMss), maxSegmentsInFlight: cfg[0].maxSegmentsInFlight },
    { mss: Math.min(cfg[0].mss, cfg[1].maxSendMss), maxSegmentsInFlight: cfg[1].maxSegmentsInFlight },
  ]);
  wire.onSend = onSend;
  const sides = [0, 1].map((i): Side => ({
    conn: undefined,
    out: pattern(bytes, faults.seed * 2 + i),
    sent: 0,
    received: [],
    closed: undefined,
    remoteClosed: false,
  })) as [Side, Side];
  const pump = (s: Side): void => {
    const c = s.conn;
    if (!c) return;
    while (s.sent < s.out.length) {
      const chunk = s.out.subarray(s.sent, Math.min(s.out.length, s.sent + writeSize));
      const n = c.write(chunk);
      s.sent += n;
      if (n < chunk.length) return;
    }
    c.close();
  };
  const events = (i: 0 | 1): TcpEvents => {
    const s = sides[i];
    return {
      onSegment: (seg) => wire.send(i, seg),
      onData: (d) => {
        s.received.push(Buffer.from(d));
        s.conn!.consumed(d.length);
      },
      onEstablished: () => pump(s),
      onWritable: () => pump(s),
      onRemoteClose: () => {
        s.remoteClosed = true;
      },
      onClosed: (reason) => {
        s.closed = reason;
      },
    };
  };
  sides[0].conn = TcpConnection.connect(cfg[0], wire.clock, events(0), 0xfffff000); // wraps early
  wire.ends[0] = sides[0].conn;
  wire.onSynForSide1 = (syn) => {
    sides[1].conn = TcpConnection.accept(cfg[1], wire.clock, events(1), syn, 0x7ffffff0);
    return sides[1].conn;
  };
  const steps = wire.run(() => sides[0].closed !== undefined && sides[1].closed !== undefined, 20_000_000);
  return { sides, wire, steps };
}

function expectIntact(r: ReturnType<typeof exchange>): void {
  const [a, b] = r.sides;
  expect(a.closed).toBe("normal");
  expect(b.closed).toBe("normal");
  expect(a.remoteClosed && b.remoteClosed).toBe(true);
  const gotB = Buffer.concat(b.received);
  const gotA = Buffer.concat(a.received);
  expect(gotB.length).toBe(a.out.length);
  expect(gotA.length).toBe(b.out.length);
  expect(gotB.equals(a.out)).toBe(true);
  expect(gotA.equals(b.out)).toBe(true);
}

describe("back to back over a simulated wire", () => {
  it("moves 5 MiB each way intact on a clean wire", () => {
    const r = exchange({ seed: 1 }, [{}, {}], 5 * MiB);
    expectIntact(r);
    expect(r.wire.counts.dropped).toBe(0);
    expect(r.sides[0].conn!.stats.retransmits).toBe(0);
  });

  it("moves 5 MiB each way intact through 2% drop, 1% duplication and 2% reordering", () => {
    const r = exchange({ seed: 7, drop: 0.02, duplicate: 0.01, reorder: 0.02, reorderMs: 5 }, [{}, {}], 5 * MiB);
    expectIntact(r);
    expect(r.wire.counts.dropped).toBeGreaterThan(100);
    const st = r.sides[0].conn!.stats;
    expect(st.fastRetransmits + st.retransmits).toBeGreaterThan(0);
    expect(st.outOfOrder + r.sides[1].conn!.stats.outOfOrder).toBeGreaterThan(0);
  });

  it("keeps board limits (MSS 536, window 2144, 4 segments in flight) through loss and reordering", () => {
    const board: Partial<TcpConfig> = {
      mss: 536,
      maxSendMss: 536,
      receiveWindow: 2144,
      windowScale: 0,
      maxSegmentsInFlight: 4,
      maxOutOfOrderBytes: 2144,
      sendBuffer: 8192,
    };
    const r = exchange({ seed: 11, drop: 0.03, duplicate: 0.01, reorder: 0.03, reorderMs: 8 }, [{ maxSegmentsInFlight: 4 }, board], 1 * MiB, 4096);
    expectIntact(r);
    expect(r.wire.counts.maxInFlight[1]).toBeLessThanOrEqual(4);
    expect(r.wire.counts.maxInFlight[0]).toBeLessThanOrEqual(4);
    expect(r.sides[0].conn!.sendMss).toBe(536);
  });

  it("survives 10% loss both ways with delayed ACK and Nagle off", () => {
    const r = exchange({ seed: 3, drop: 0.1, reorder: 0.05 }, [{ nagle: false }, { delayedAckMs: 0, nagle: false }], 512 * 1024, 1000);
    expectIntact(r);
  });

  it("keeps message boundaries for small writes end to end", () => {
    const lengths = new Set<number>();
    let misaligned = 0;
    const r = exchange({ seed: 5, drop: 0.02, reorder: 0.02 }, [{ messageBoundaries: true, nagle: false }, {}], 64 * 1024, 100, (from, seg) => {
      if (from !== 0 || seg.payload.length === 0) return;
      lengths.add(seg.payload.length);
      if (seqDiff(seg.seq, 0xfffff000 + 1) % 100 !== 0) misaligned++;
    });
    expectIntact(r);
    expect([...lengths].sort((x, y) => x - y)).toEqual([36, 100]); // 65536 = 655 x 100 + 36
    expect(misaligned).toBe(0);
  });
});

describe("wired directly, with no queue between the two", () => {
  it("survives re-entrant calls: each side's output is the other's input within the same call", () => {
    const cfg: TcpConfig = { ...DEFAULT_TCP_CONFIG, delayedAckMs: 0 };
    const clock = { t: 0, now: () => clock.t };
    const got: Buffer[][] = [[], []];
    const closed: string[] = [];
    const conns: (TcpConnection | undefined)[] = [undefined, undefined];
    const toSeg = (seg: Parameters<TcpEvents["onSegment"]>[0]) => ({ ...seg, srcPort: 1, dstPort: 2, urgent: 0, payload: Buffer.from(seg.payload) });
    const events = (i: 0 | 1): TcpEvents => ({
      onSegment: (seg) => {
        const other = conns[1 - i];
        if (other) other.handle(toSeg(seg));
        else if (i === 0) conns[1] = TcpConnection.accept(cfg, clock, events(1), toSeg(seg), 77);
        else early.push(toSeg(seg)); // the SYN-ACK, before connect() has returned
      },
      onData: (d) => {
        got[i]!.push(Buffer.from(d));
        conns[i]!.consumed(d.length);
        // The server answers every request from inside onData, and closes after the third.
        if (i === 1) {
          conns[1]!.write(Buffer.from(`re:${d.toString()}`));
          if (got[1]!.length === 3) conns[1]!.close();
        }
      },
      onEstablished: () => undefined,
      onRemoteClose: () => {
        if (i === 0) conns[0]!.close();
      },
      onWritable: () => undefined,
      onClosed: (reason) => closed.push(`${i}:${reason}`),
    });
    const early: TcpSegment[] = [];
    conns[0] = TcpConnection.connect({ ...cfg, nagle: false, timeWaitMs: 0 }, clock, events(0), 5);
    for (const seg of early.splice(0)) conns[0].handle(seg);
    expect(conns[0].state).toBe("ESTABLISHED");
    for (const req of ["a", "b", "c"]) conns[0].write(Buffer.from(req));
    expect(Buffer.concat(got[1]!).toString()).toBe("abc");
    expect(Buffer.concat(got[0]!).toString()).toBe("re:are:bre:c");
    // The server closed first: it waits in TIME-WAIT, the client's LAST-ACK was answered.
    expect(conns[0].state).toBe("CLOSED");
    expect(conns[1]!.state).toBe("TIME-WAIT");
    clock.t = cfg.timeWaitMs;
    conns[1]!.tick();
    expect(closed).toEqual(["0:normal", "1:normal"]);
  });
});
