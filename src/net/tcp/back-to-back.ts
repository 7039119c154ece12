// Test support: two TCP endpoints wired back to back through a simulated link that
// drops, duplicates and reorders segments from a seeded generator, on a fake clock.
// Every segment goes through the real codecs (writeTcp/parseTcp), so what the state
// machine emits must also be a well-formed header. The wire checks the device
// limits as it goes: payload <= the sender's MSS, unacknowledged segments <= the
// sender's maxSegmentsInFlight.
import { mulberry32 as seededRandom } from "../../link/prng.js";
import { parseTcp, tcpHeaderLength, TCP_FLAGS, writeTcp, type TcpSegment } from "../wire/tcp.js";
import { seqDiff } from "../wire/seq.js";
import { listenerResponse } from "./listener.js";
import { FakeClock } from "./script.js";
import type { OutSegment } from "./types.js";

export interface WireFaults {
  seed: number;
  /** Probability each segment is lost. */
  drop?: number;
  /** Probability each segment is delivered twice. */
  duplicate?: number;
  /** Probability each segment is held back by up to reorderMs (so later ones overtake it). */
  reorder?: number;
  reorderMs?: number;
  /** One-way delay in ms. */
  latencyMs?: number;
}

/** One side of the wire: whatever consumes segments and has timers (a TcpConnection, or a socket's). */
export interface WireEnd {
  /** "CLOSED" makes the wire answer as a closed port would (listenerResponse). */
  readonly state?: string;
  handle(seg: TcpSegment): void;
  tick(): void;
  nextDeadline(): number | undefined;
}

interface InFlight {
  at: number;
  order: number;
  to: 0 | 1;
  bytes: Buffer;
}

const ADDR: readonly [Buffer, Buffer] = [Buffer.from([198, 51, 100, 1]), Buffer.from([198, 51, 100, 2])];
const PORT = [40000, 21] as const;

/** mulberry32 (the fault injector's): small, fast, good enough to make a failing run replayable from its seed. */
export { seededRandom };

export interface WireLimits {
  mss: number;
  maxSegmentsInFlight: number;
}

export class BackToBack {
  readonly clock = new FakeClock();
  readonly ends: [WireEnd | undefined, WireEnd | undefined] = [undefined, undefined];
  /** Side 1 has no end until the first SYN arrives: then this makes one (a listener). */
  onSynForSide1: ((syn: TcpSegment) => WireEnd) | undefined;
  /** Sees every segment as sent (and whether the wire lost it): for tests that check what a side emits. */
  onSend: ((from: 0 | 1, seg: OutSegment, dropped: boolean) => void) | undefined;
  readonly counts = { sent: 0, dropped: 0, duplicated: 0, reordered: 0, delivered: 0, maxInFlight: [0, 0] };
  private readonly queue: InFlight[] = [];
  private order = 0;
  private readonly random: () => number;
  /** Per sender: end seq -> start seq of data segments the other side has not acknowledged (as far as the sender knows). */
  private readonly unacked = [new Map<number, number>(), new Map<number, number>()];

  constructor(
    private readonly faults: WireFaults,
    private readonly limits: readonly [WireLimits, WireLimits],
  ) {
    this.random = seededRandom(faults.seed);
  }

  /** What side `from` transmits (wire its onSegment here). */
  send(from: 0 | 1, seg: OutSegment): void {
    this.counts.sent++;
    const lim = this.limits[from];
    if (seg.payload.length > lim.mss) throw new Error(`side ${from} sent ${seg.payload.length} bytes > MSS ${lim.mss}`);
    const len = seg.payload.length + (seg.flags & TCP_FLAGS.FIN ? 1 : 0);
    if (len > 0 && !(seg.flags & TCP_FLAGS.SYN)) {
      // Keyed by end: a retransmission after a partial ACK starts later but is the same
      // segment. A withdrawn zero-window probe is replaced by the segment from its start.
      const u = this.unacked[from]!;
      const end = (seg.seq + len) >>> 0;
      for (const [e, start] of u) if (start === seg.seq && e !== end) u.delete(e);
      u.set(end, seg.seq);
      if (u.size > lim.maxSegmentsInFlight) {
        const held = [...u].map(([e, b]) => `${b}-${e}`).join(" ");
        throw new Error(`side ${from}: ${u.size} segments unacknowledged > ${lim.maxSegmentsInFlight} (seq ${seg.seq} len ${len}; ${held})`);
      }
      if (u.size > this.counts.maxInFlight[from]!) this.counts.maxInFlight[from] = u.size;
    }
    const bytes = Buffer.allocUnsafe(tcpHeaderLength(seg.options) + seg.payload.length);
    const to = (1 - from) as 0 | 1;
    writeTcp(bytes, 0, { ...seg, srcPort: PORT[from], dstPort: PORT[to] }, ADDR[from], ADDR[to]);
    const dropped = this.random() < (this.faults.drop ?? 0);
    this.onSend?.(from, seg, dropped);
    if (dropped) {
      this.counts.dropped++;
      return;
    }
    const copies = this.random() < (this.faults.duplicate ?? 0) ? 2 : 1;
    if (copies === 2) this.counts.duplicated++;
    for (let i = 0; i < copies; i++) {
      let at = this.clock.now() + (this.faults.latencyMs ?? 1);
      if (this.random() < (this.faults.reorder ?? 0)) {
        at += 1 + Math.floor(this.random() * (this.faults.reorderMs ?? 5));
        this.counts.reordered++;
      }
      this.enqueue({ at, order: this.order++, to, bytes });
    }
  }

  /** Earliest time anything happens: a delivery or a timer. */
  nextEvent(): number | undefined {
    let t = this.queue[0]?.at;
    for (const e of this.ends) {
      const d = e?.nextDeadline();
      if (d !== undefined && (t === undefined || d < t)) t = d;
    }
    return t;
  }

  /** Deliver everything due now and run due timers; returns whether anything happened. */
  step(): boolean {
    const now = this.clock.now();
    let busy = false;
    while (this.queue.length > 0 && this.queue[0]!.at <= now) {
      const p = this.queue.shift()!;
      this.deliver(p);
      busy = true;
    }
    for (const e of this.ends) {
      const d = e?.nextDeadline();
      if (e && d !== undefined && d <= now) {
        e.tick();
        busy = true;
      }
    }
    return busy;
  }

  /** Synchronous driver: steps and advances the clock until done() or the step budget runs out. */
  run(done: () => boolean, maxSteps: number): number {
    for (let i = 0; i < maxSteps; i++) {
      if (done()) return i;
      if (this.step()) continue;
      const t = this.nextEvent();
      if (t === undefined) return i;
      this.clock.t = Math.max(this.clock.t, t);
    }
    throw new Error(`back-to-back run did not finish in ${maxSteps} steps (t=${this.clock.t} ms)`);
  }

  /**
   * Asynchronous driver for streams on top (TcpSocket): between steps it yields to the
   * event loop so stream callbacks run, and moves the fake clock only when nothing is
   * left to do at the current time.
   */
  async drive(done: () => boolean, maxSteps: number): Promise<number> {
    const settle = () => new Promise<void>((resolve) => setImmediate(resolve));
    for (let i = 0; i < maxSteps; i++) {
      if (done()) return i;
      if (this.step()) {
        if (i % 16 === 0) await settle();
        continue;
      }
      await settle();
      await settle();
      if (done() || this.step()) continue;
      const t = this.nextEvent();
      if (t !== undefined) this.clock.t = Math.max(this.clock.t, t);
    }
    throw new Error(`back-to-back drive did not finish in ${maxSteps} steps (t=${this.clock.t} ms)`);
  }

  private deliver(p: InFlight): void {
    const parsed = parseTcp(p.bytes, ADDR[(1 - p.to) as 0 | 1], ADDR[p.to]);
    if (!parsed.ok) throw new Error(`a side emitted a segment the codec refuses: ${parsed.error} ${parsed.detail ?? ""}`);
    const seg = parsed.value;
    this.counts.delivered++;
    if (seg.flags & TCP_FLAGS.ACK) {
      // The receiver of this ACK now knows these bytes arrived.
      const u = this.unacked[p.to]!;
      for (const end of u.keys()) if (seqDiff(end, seg.ack) <= 0) u.delete(end);
    }
    let end = this.ends[p.to];
    if (!end && p.to === 1 && this.onSynForSide1 && seg.flags & TCP_FLAGS.SYN && !(seg.flags & TCP_FLAGS.ACK)) {
      end = this.onSynForSide1(seg);
      this.ends[1] = end;
      return;
    }
    if (end?.state === "CLOSED") {
      const rst = listenerResponse(seg);
      if (rst) this.send(p.to, rst);
      return;
    }
    end?.handle(seg);
  }

  private enqueue(p: InFlight): void {
    let lo = 0;
    let hi = this.queue.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      const q = this.queue[mid]!;
      if (q.at < p.at || (q.at === p.at && q.order < p.order)) lo = mid + 1;
      else hi = mid;
    }
    this.queue.splice(lo, 0, p);
  }
}
