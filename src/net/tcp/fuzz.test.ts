// Seeded exploration: random pairs of configurations (host-like and board-like sizes,
// Nagle, delayed ACK, message boundaries, window scale, in-flight limits, lazy
// readers) over a wire with random loss, duplication, reordering and latency. Every
// run must deliver both byte streams intact and end cleanly. A failure names its
// seed, so it can be replayed.
import { describe, expect, it } from "vitest";
import { BackToBack, seededRandom } from "./back-to-back.js";
import { TcpConnection } from "./connection.js";
import { DEFAULT_TCP_CONFIG, type TcpCloseReason, type TcpConfig, type TcpEvents } from "./types.js";

const SEEDS = 60;
const MAX_STEPS = 400_000;
/** A lazy reader takes what it was given every this many ms. */
const LAZY_MS = 50;

interface Side {
  conn: TcpConnection | undefined;
  out: Buffer;
  sent: number;
  received: Buffer[];
  closed: TcpCloseReason | undefined;
  lazy: boolean;
  unread: number;
}

function scenario(seed: number) {
  const r = seededRandom(seed * 7919);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
  const config = (): TcpConfig => ({
    ...DEFAULT_TCP_CONFIG,
    mss: pick([100, 536, 1460]),
    maxSendMss: pick([100, 536, 1460, 9000]),
    receiveWindow: pick([300, 2144, 8192, 65535, 300_000]),
    windowScale: pick([0, 0, 2, 7, 14]),
    sendBuffer: pick([1000, 8192, 65536]),
    maxSegmentsInFlight: pick([1, 2, 4, Infinity]),
    nagle: r() < 0.5,
    delayedAckMs: pick([0, 40, 200]),
    timeWaitMs: pick([0, 100, 2000]),
    rtoMinMs: pick([10, 200]),
    maxRetransmits: 40,
    maxOutOfOrderBytes: pick([0, 1000, 65536]),
    messageBoundaries: r() < 0.3,
    sack: r() < 0.5,
  });
  const cfg = [config(), config()] as const;
  const faults = {
    seed,
    drop: pick([0, 0.01, 0.05, 0.15]),
    duplicate: pick([0, 0.02]),
    reorder: pick([0, 0.05, 0.2]),
    reorderMs: pick([2, 20]),
    latencyMs: pick([0, 1, 30]),
  };
  const bytes = [Math.floor(r() * 20_000), Math.floor(r() * 20_000)];
  let writeSize = pick([1, 50, 1000, 65536]);
  // Message boundaries with tiny writes means tiny segments: correct, but hours of fake time.
  if ((cfg[0].messageBoundaries || cfg[1].messageBoundaries) && writeSize < 1000) writeSize = 1000;
  const isn = [Math.floor(r() * 2 ** 32), Math.floor(r() * 2 ** 32)];
  const lazy = [r() < 0.3, r() < 0.3];
  return { cfg, faults, bytes, writeSize, isn, lazy };
}

function run(seed: number): void {
  const sc = scenario(seed);
  const { cfg } = sc;
  const wire = new BackToBack(sc.faults, [
    { mss: Math.min(cfg[1].mss, cfg[0].maxSendMss), maxSegmentsInFlight: cfg[0].maxSegmentsInFlight },
    { mss: Math.min(cfg[0].mss, cfg[1].maxSendMss), maxSegmentsInFlight: cfg[1].maxSegmentsInFlight },
  ]);
  const sides: Side[] = [0, 1].map((i) => ({
    conn: undefined,
    out: Buffer.from(Array.from({ length: sc.bytes[i]! }, (_, k) => (k * 31 + i * 7) & 0xff)),
    sent: 0,
    received: [],
    closed: undefined,
    lazy: sc.lazy[i]!,
    unread: 0,
  }));
  const pump = (s: Side): void => {
    while (s.sent < s.out.length) {
      const chunk = s.out.subarray(s.sent, Math.min(s.out.length, s.sent + sc.writeSize));
      const n = s.conn!.write(chunk);
      s.sent += n;
      if (n < chunk.length) return;
    }
    s.conn!.close();
  };
  const events = (i: 0 | 1): TcpEvents => {
    const s = sides[i]!;
    return {
      onSegment: (seg) => wire.send(i, seg),
      onData: (d) => {
        s.received.push(Buffer.from(d));
        if (s.lazy) s.unread += d.length;
        else s.conn!.consumed(d.length);
      },
      onEstablished: () => pump(s),
      onWritable: () => pump(s),
      onRemoteClose: () => undefined,
      onClosed: (reason) => {
        s.closed = reason;
      },
    };
  };
  sides[0]!.conn = TcpConnection.connect(cfg[0], wire.clock, events(0), sc.isn[0]!);
  wire.ends[0] = sides[0]!.conn;
  wire.onSynForSide1 = (syn) => (sides[1]!.conn = TcpConnection.accept(cfg[1], wire.clock, events(1), syn, sc.isn[1]!));

  let lastRead = 0;
  let steps = 0;
  for (; steps < MAX_STEPS && !sides.every((s) => s.closed !== undefined); steps++) {
    if (wire.clock.t >= lastRead + LAZY_MS) {
      lastRead = wire.clock.t;
      for (const s of sides) {
        if (s.unread > 0 && s.conn) {
          const n = s.unread;
          s.unread = 0;
          s.conn.consumed(n);
        }
      }
    }
    if (wire.step()) continue;
    const t = wire.nextEvent();
    const readDue = sides.some((s) => s.unread > 0) ? lastRead + LAZY_MS : undefined;
    const next = t === undefined ? readDue : readDue === undefined ? t : Math.min(t, readDue);
    if (next === undefined) break;
    wire.clock.t = Math.max(wire.clock.t, next);
  }
  const what = `seed ${seed}: ${JSON.stringify({ ...sc, closed: sides.map((s) => s.closed), steps, t: wire.clock.t })}`;
  expect(Buffer.concat(sides[1]!.received).equals(sides[0]!.out), what).toBe(true);
  expect(Buffer.concat(sides[0]!.received).equals(sides[1]!.out), what).toBe(true);
  // A TIME-WAIT shorter than the peer's retransmission span may end the other side with
  // a RST from the closed port (after all data arrived); anything else must be normal.
  const reasons = sides.map((s) => s.closed);
  const clean = reasons.every((x) => x === "normal") || (reasons.includes("normal") && reasons.includes("reset"));
  expect(clean, what).toBe(true);
}

describe("seeded random configurations over a faulty wire", () => {
  for (let seed = 1; seed <= SEEDS; seed++) {
    it(`seed ${seed}`, () => run(seed));
  }
});
