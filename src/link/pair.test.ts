import { once } from "node:events";
import { describe, expect, it } from "vitest";
import { linkPair } from "./pair.js";

function collect(stream: NodeJS.ReadableStream): Buffer[] {
  const got: Buffer[] = [];
  stream.on("data", (c: Buffer) => got.push(c));
  return got;
}

describe("linkPair", () => {
  it("carries bytes both ways, in order", async () => {
    const [a, b] = linkPair();
    const atB = collect(b);
    const atA = collect(a);
    a.write(Buffer.from("hello "));
    a.write(Buffer.from("board"));
    b.write(Buffer.from("hi host"));
    a.end();
    b.end();
    await Promise.all([once(a, "close"), once(b, "close")]);
    expect(Buffer.concat(atB).toString()).toBe("hello board");
    expect(Buffer.concat(atA).toString()).toBe("hi host");
  });

  it("does not deliver inside write()", () => {
    const [a, b] = linkPair();
    const atB = collect(b);
    a.write(Buffer.from("x"));
    expect(atB).toHaveLength(0);
  });

  it("holds writes back while the reader does not read, then delivers everything (backpressure)", async () => {
    const [a, b] = linkPair({ highWaterMark: 1024 });
    const chunk = Buffer.alloc(256, 7);
    let accepted = 0;
    for (let i = 0; i < 1000 && a.write(chunk); i++) accepted++;
    expect(accepted).toBeLessThan(1000); // write() said stop well before 256 KB
    // let the queued writes land in b's buffer; with nobody reading, the writer stays blocked
    for (let i = 0; i < 20; i++) await new Promise<void>((r) => setImmediate(r));
    expect(a.writableLength).toBeGreaterThan(0);
    expect(b.readableLength).toBeLessThanOrEqual(1024 + 256);
    const drained = once(a, "drain");
    const got = collect(b);
    await drained;
    a.end();
    await once(b, "end");
    expect(Buffer.concat(got).length).toBe((accepted + 1) * 256);
  });

  it("ending one side ends the other's read side, and both close", async () => {
    const [a, b] = linkPair();
    b.resume();
    a.resume();
    const ended = once(b, "end");
    a.end();
    await ended;
    await Promise.all([once(a, "close"), once(b, "close")]);
    expect(a.destroyed && b.destroyed).toBe(true);
  });

  it("destroying one side closes the other", async () => {
    const [a, b] = linkPair();
    b.resume();
    a.destroy();
    await once(b, "close");
    expect(b.destroyed).toBe(true);
  });
});
