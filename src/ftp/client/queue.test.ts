import { describe, expect, it } from "vitest";
import { TaskQueue } from "./queue.js";

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve = (): void => undefined;
  const promise = new Promise<void>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

describe("TaskQueue", () => {
  it("runs tasks one after another in call order", async () => {
    const q = new TaskQueue();
    const events: string[] = [];
    const gate = deferred();
    const a = q.run(async () => {
      events.push("a start");
      await gate.promise;
      events.push("a end");
      return 1;
    });
    const b = q.run(async () => {
      events.push("b");
      return 2;
    });
    expect(q.length).toBe(1);
    gate.resolve();
    expect(await Promise.all([a, b])).toEqual([1, 2]);
    expect(events).toEqual(["a start", "a end", "b"]);
  });

  it("keeps going after a task fails", async () => {
    const q = new TaskQueue();
    const a = q.run(async () => {
      throw new Error("boom");
    });
    const b = q.run(async () => "ok");
    await expect(a).rejects.toThrow("boom");
    expect(await b).toBe("ok");
  });

  it("rejects a waiting task at once when its signal aborts, and never runs it", async () => {
    const q = new TaskQueue();
    const gate = deferred();
    const a = q.run(() => gate.promise);
    const ac = new AbortController();
    let ran = false;
    const b = q.run(async () => {
      ran = true;
    }, ac.signal);
    const c = q.run(async () => "c");
    ac.abort();
    await expect(b).rejects.toMatchObject({ name: "AbortError" });
    gate.resolve();
    await a;
    expect(await c).toBe("c");
    expect(ran).toBe(false);
  });
});
