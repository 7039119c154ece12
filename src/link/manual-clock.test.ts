import { describe, expect, it } from "vitest";
import { ManualClock } from "./manual-clock.js";

describe("ManualClock", () => {
  it("runs due timers in time order, ties in scheduling order, at their own time", () => {
    const clock = new ManualClock(100);
    const log: string[] = [];
    clock.setTimeout(() => log.push(`b@${clock.now()}`), 20);
    clock.setTimeout(() => log.push(`a@${clock.now()}`), 10);
    clock.setTimeout(() => log.push(`c@${clock.now()}`), 20);
    clock.advance(15);
    expect(log).toEqual(["a@110"]);
    expect(clock.now()).toBe(115);
    clock.advance(5);
    expect(log).toEqual(["a@110", "b@120", "c@120"]);
  });

  it("runs timers scheduled by timers when they fall due within the same advance", () => {
    const clock = new ManualClock();
    const log: number[] = [];
    clock.setTimeout(() => {
      log.push(clock.now());
      clock.setTimeout(() => log.push(clock.now()), 5);
    }, 5);
    clock.advance(10);
    expect(log).toEqual([5, 10]);
  });

  it("skips cancelled timers and counts the pending ones", () => {
    const clock = new ManualClock();
    let fired = 0;
    const t = clock.setTimeout(() => fired++, 1);
    clock.setTimeout(() => fired++, 2);
    expect(clock.pending).toBe(2);
    t.cancel();
    expect(clock.pending).toBe(1);
    expect(clock.nextAt).toBe(2);
    clock.runAll();
    expect(fired).toBe(1);
    expect(clock.now()).toBe(2);
  });

  it("stops a runaway timer chain instead of looping forever", () => {
    const clock = new ManualClock();
    const again = (): void => void clock.setTimeout(again, 0);
    again();
    expect(() => clock.advance(1, 1000)).toThrow(/more than 1000 timers/);
  });
});
