// faults(): seeded fault injection on any FrameLink, so the stack above is tested against loss,
// bit errors, duplicates, reordering, delay and stalls, and a failing run replays from its seed.
// Every frame draws the same number of random values whatever the rates, from a generator per
// direction, so the faults in one direction depend only on the seed and that direction's frames.
import { systemClock, type Clock, type Timer } from "./clock.js";
import { FrameLinkDecorator } from "./decorator.js";
import type { FrameLink, LinkStats } from "./frame-link.js";
import { mulberry32, type Random } from "./prng.js";

export interface TimedFault {
  /** Probability per frame, 0..1. */
  readonly rate: number;
  readonly ms: number;
}

export interface FaultOptions {
  /** Probability per frame that it is lost. */
  readonly drop?: number;
  /** Probability per frame that one random bit of it is flipped. */
  readonly corrupt?: number;
  /** Probability per frame that it is delivered twice. */
  readonly duplicate?: number;
  /** Probability per frame that it is held back and delivered after the next frame. */
  readonly reorder?: number;
  /** This frame alone is delivered `ms` later (later frames may overtake it). */
  readonly delay?: TimedFault;
  /** The line freezes for `ms` from this frame on: it and every frame after it wait, in order. */
  readonly stall?: TimedFault;
  readonly seed: number;
  /** Which direction suffers (default both); stack two faults() for different rates per direction. */
  readonly direction?: "both" | "send" | "receive";
  /** Longest a reordered frame waits for a successor before it goes out anyway (default 50 ms). */
  readonly reorderHoldMs?: number;
  readonly clock?: Clock;
}

type FaultCounts = { dropped: number; corrupted: number; duplicated: number; reordered: number; delayed: number; stalled: number };

interface Rates {
  readonly drop: number;
  readonly corrupt: number;
  readonly duplicate: number;
  readonly reorder: number;
  readonly delay: TimedFault;
  readonly stall: TimedFault;
  readonly reorderHoldMs: number;
}

/** One direction: decides per frame, then passes frames on through the stall gate. */
class FaultLane {
  private held: { frame: Buffer; timer: Timer } | undefined;
  private stalledUntil = -Infinity;
  private stallTimer: Timer | undefined;
  private readonly waiting: Buffer[] = [];
  private readonly timers = new Set<Timer>();

  constructor(
    private readonly random: Random,
    private readonly rates: Rates,
    private readonly clock: Clock,
    private readonly counts: FaultCounts,
    private readonly out: (frame: Buffer) => boolean,
  ) {}

  handle(frame: Buffer): boolean {
    const r = this.rates;
    // Always seven draws per frame, in this order, so enabling one fault never shifts the others.
    const rDrop = this.random();
    const rCorrupt = this.random();
    const rDuplicate = this.random();
    const rReorder = this.random();
    const rDelay = this.random();
    const rStall = this.random();
    const rBit = this.random();

    if (rDrop < r.drop) {
      this.counts.dropped++;
      return true;
    }
    let f = frame;
    if (rCorrupt < r.corrupt && f.length > 0) {
      f = Buffer.from(f);
      const bit = Math.floor(rBit * f.length * 8);
      f[bit >> 3] = (f[bit >> 3] ?? 0) ^ (1 << (bit & 7));
      this.counts.corrupted++;
    }
    if (rStall < r.stall.rate) {
      this.counts.stalled++;
      this.startStall(this.clock.now() + r.stall.ms);
    }
    const copies = rDuplicate < r.duplicate ? 2 : 1;
    if (copies === 2) this.counts.duplicated++;
    if (rDelay < r.delay.rate) {
      this.counts.delayed++;
      for (let i = 0; i < copies; i++) this.later(r.delay.ms, () => this.gate(f));
      return true;
    }
    let ok = true;
    let passed = 0;
    const before = this.held;
    for (let i = 0; i < copies; i++) {
      if (i === 0 && rReorder < r.reorder && !this.held) {
        const timer = this.later(r.reorderHoldMs, () => this.releaseHeld(false));
        this.held = { frame: f, timer };
      } else {
        ok = this.gate(f) && ok;
        passed++;
      }
    }
    if (before && passed > 0 && this.held === before) this.releaseHeld(true);
    return ok;
  }

  stop(): void {
    for (const t of this.timers) t.cancel();
    this.timers.clear();
    this.stallTimer?.cancel();
    this.stallTimer = undefined;
    this.held = undefined;
    this.waiting.length = 0;
  }

  private releaseHeld(overtaken: boolean): void {
    const held = this.held;
    if (!held) return;
    this.held = undefined;
    held.timer.cancel();
    this.timers.delete(held.timer);
    if (overtaken) this.counts.reordered++;
    this.gate(held.frame);
  }

  private gate(frame: Buffer): boolean {
    if (this.clock.now() < this.stalledUntil || this.waiting.length > 0) {
      this.waiting.push(frame);
      return true;
    }
    return this.out(frame);
  }

  private startStall(until: number): void {
    if (until <= this.stalledUntil) return;
    this.stalledUntil = until;
    this.stallTimer?.cancel();
    this.stallTimer = this.clock.setTimeout(() => {
      this.stallTimer = undefined;
      // Bounded: frames gated during the flush join the end and go out in this same loop.
      for (let frame = this.waiting.shift(); frame; frame = this.waiting.shift()) this.out(frame);
    }, until - this.clock.now());
  }

  private later(ms: number, fn: () => void): Timer {
    const timer: Timer = this.clock.setTimeout(() => {
      this.timers.delete(timer);
      fn();
    }, ms);
    this.timers.add(timer);
    return timer;
  }
}

class Faults extends FrameLinkDecorator {
  private readonly counts: FaultCounts = { dropped: 0, corrupted: 0, duplicated: 0, reordered: 0, delayed: 0, stalled: 0 };
  private readonly sendLane: FaultLane | undefined;
  private readonly receiveLane: FaultLane | undefined;
  private afterClose = 0;

  constructor(inner: FrameLink, options: FaultOptions, rates: Rates) {
    super(inner);
    const clock = options.clock ?? systemClock;
    const direction = options.direction ?? "both";
    const seed = options.seed >>> 0;
    if (direction !== "receive") {
      this.sendLane = new FaultLane(mulberry32(seed), rates, clock, this.counts, (f) => this.inner.send(f));
    }
    if (direction !== "send") {
      this.receiveLane = new FaultLane(mulberry32(seed ^ 0x9e3779b9), rates, clock, this.counts, (f) => this.emit("frame", f));
    }
  }

  override send(frame: Buffer): boolean {
    if (this.isClosed) {
      this.afterClose++;
      return true;
    }
    return this.sendLane ? this.sendLane.handle(frame) : this.inner.send(frame);
  }

  protected override receive(frame: Buffer): void {
    if (this.receiveLane) this.receiveLane.handle(frame);
    else this.emit("frame", frame);
  }

  protected override ownStats(): Partial<LinkStats> {
    return { ...this.counts, afterClose: this.afterClose };
  }

  protected override stop(): void {
    this.sendLane?.stop();
    this.receiveLane?.stop();
  }
}

function validate(o: FaultOptions): Rates {
  const rate = (name: string, v: number | undefined): number => {
    const x = v ?? 0;
    if (!(x >= 0 && x <= 1)) throw new RangeError(`faults: ${name} must be a probability in 0..1, got ${v}`);
    return x;
  };
  const timed = (name: string, v: TimedFault | undefined): TimedFault => {
    if (!v) return { rate: 0, ms: 0 };
    if (!(v.ms >= 0) || !Number.isFinite(v.ms)) throw new RangeError(`faults: ${name}.ms must be >= 0, got ${v.ms}`);
    return { rate: rate(`${name}.rate`, v.rate), ms: v.ms };
  };
  if (!Number.isInteger(o.seed)) throw new RangeError(`faults: seed must be an integer, got ${o.seed}`);
  const hold = o.reorderHoldMs ?? 50;
  if (!(hold >= 0)) throw new RangeError(`faults: reorderHoldMs must be >= 0, got ${hold}`);
  return {
    drop: rate("drop", o.drop),
    corrupt: rate("corrupt", o.corrupt),
    duplicate: rate("duplicate", o.duplicate),
    reorder: rate("reorder", o.reorder),
    delay: timed("delay", o.delay),
    stall: timed("stall", o.stall),
    reorderHoldMs: hold,
  };
}

/** Wraps a FrameLink with seeded random faults; all rates default to 0 (a pass-through). */
export function faults(link: FrameLink, options: FaultOptions): FrameLink {
  return new Faults(link, options, validate(options));
}
