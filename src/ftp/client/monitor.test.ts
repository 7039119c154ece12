// The monitor is driven by fake timers (performance.now included), so these tests are
// deterministic and make no assertions about real elapsed time.
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { TransferMonitor, type TransferProgress } from "./monitor.js";

beforeEach(() => {
  vi.useFakeTimers({ toFake: ["setInterval", "clearInterval", "setTimeout", "clearTimeout", "performance"] });
});
afterEach(() => {
  vi.useRealTimers();
});

describe("TransferMonitor", () => {
  it("reports at most every 100 ms while bytes move, and once more at the end", () => {
    const reports: TransferProgress[] = [];
    const m = new TransferMonitor({
      startedAt: performance.now(),
      total: 5000,
      stallMs: 30_000,
      onProgress: (p) => reports.push(p),
      waitingOnPeer: () => true,
      onStall: () => undefined,
    });
    for (let i = 0; i < 100; i++) {
      m.bytes += 10;
      vi.advanceTimersByTime(10);
    }
    // 1000 ms of traffic: no more than one report per 100 ms.
    expect(reports.length).toBeGreaterThan(0);
    expect(reports.length).toBeLessThanOrEqual(10);
    m.bytes = 5000;
    m.finish();
    expect(reports.at(-1)).toMatchObject({ bytes: 5000, total: 5000 });
    const count = reports.length;
    vi.advanceTimersByTime(1000);
    expect(reports.length).toBe(count);
  });

  it("does not report when nothing moved, and survives a throwing callback", () => {
    let calls = 0;
    const m = new TransferMonitor({
      startedAt: performance.now(),
      stallMs: 30_000,
      onProgress: () => {
        calls++;
        throw new Error("broken progress bar");
      },
      waitingOnPeer: () => true,
      onStall: () => undefined,
    });
    m.bytes = 1;
    vi.advanceTimersByTime(500);
    expect(calls).toBe(1);
    m.finish();
    expect(calls).toBe(2);
  });

  it("declares a stall after stallMs without bytes while waiting on the peer", () => {
    let stalls = 0;
    const m = new TransferMonitor({
      startedAt: performance.now(),
      stallMs: 1000,
      waitingOnPeer: () => true,
      onStall: () => stalls++,
    });
    m.bytes = 100;
    vi.advanceTimersByTime(900);
    expect(stalls).toBe(0);
    vi.advanceTimersByTime(1200);
    expect(stalls).toBe(1);
    vi.advanceTimersByTime(5000);
    expect(stalls).toBe(1);
    m.stop();
  });

  it("a slow local side (not waiting on the peer) is never a stall", () => {
    let stalls = 0;
    const m = new TransferMonitor({
      startedAt: performance.now(),
      stallMs: 1000,
      waitingOnPeer: () => false,
      onStall: () => stalls++,
    });
    vi.advanceTimersByTime(10_000);
    expect(stalls).toBe(0);
    m.stop();
  });
});
