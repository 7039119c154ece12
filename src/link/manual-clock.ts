// A Clock that moves only when told to: tests advance it and the timers that fall due run in
// time order, so shaper and fault timing is asserted exactly instead of slept for.
import type { Clock, Timer } from "./clock.js";

interface Entry {
  readonly at: number;
  readonly seq: number;
  readonly fn: () => void;
  live: boolean;
}

export class ManualClock implements Clock {
  private time: number;
  private seq = 0;
  private entries: Entry[] = [];

  constructor(start = 0) {
    this.time = start;
  }

  now(): number {
    return this.time;
  }

  setTimeout(fn: () => void, ms: number): Timer {
    const entry: Entry = { at: this.time + Math.max(0, ms), seq: this.seq++, fn, live: true };
    this.entries.push(entry);
    return {
      cancel: () => {
        entry.live = false;
      },
    };
  }

  /** Timers scheduled and neither fired nor cancelled. */
  get pending(): number {
    return this.entries.filter((e) => e.live).length;
  }

  /** Time of the next live timer, or undefined. */
  get nextAt(): number | undefined {
    return this.next(Infinity)?.at;
  }

  /** Moves time forward by ms, running every timer due on the way (also ones they schedule). */
  advance(ms: number, maxTimers = 1_000_000): void {
    const target = this.time + ms;
    for (let fired = 0; ; fired++) {
      if (fired >= maxTimers) throw new Error(`ManualClock: more than ${maxTimers} timers in one advance()`);
      const entry = this.next(target);
      if (!entry) break;
      entry.live = false;
      this.time = Math.max(this.time, entry.at);
      entry.fn();
    }
    this.entries = this.entries.filter((e) => e.live);
    this.time = target;
  }

  /** Runs timers until none is left, advancing time to each. */
  runAll(maxTimers = 1_000_000): void {
    for (let fired = 0; ; fired++) {
      if (fired >= maxTimers) throw new Error(`ManualClock: more than ${maxTimers} timers in runAll()`);
      const entry = this.next(Infinity);
      if (!entry) break;
      entry.live = false;
      this.time = Math.max(this.time, entry.at);
      entry.fn();
    }
    this.entries = [];
  }

  private next(limit: number): Entry | undefined {
    let best: Entry | undefined;
    for (const e of this.entries) {
      if (!e.live || e.at > limit) continue;
      if (!best || e.at < best.at || (e.at === best.at && e.seq < best.seq)) best = e;
    }
    return best;
  }
}
