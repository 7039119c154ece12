// The time source the shaper and the fault injector run on. Injected, so tests drive time by
// hand (ManualClock) and never sleep; systemClock is the real one.

export interface Timer {
  cancel(): void;
}

export interface Clock {
  /** Milliseconds, monotonic, fractional allowed. */
  now(): number;
  setTimeout(fn: () => void, ms: number): Timer;
}

export const systemClock: Clock = {
  now: () => performance.now(),
  setTimeout(fn, ms) {
    // Rounded up: a timer that fires early would find its frame not yet due and cost a re-arm.
    const handle = setTimeout(fn, Math.max(0, Math.ceil(ms)));
    return { cancel: () => clearTimeout(handle) };
  },
};
