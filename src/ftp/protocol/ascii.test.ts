import { Readable } from "node:stream";
import { describe, expect, it } from "vitest";
import { fromNetworkAscii, toNetworkAscii } from "./ascii.js";
import type { Transform } from "node:stream";

async function through(t: Transform, chunks: string[]): Promise<string> {
  const out: Buffer[] = [];
  t.on("data", (b: Buffer) => out.push(b));
  const done = new Promise((r) => t.once("end", r));
  Readable.from(chunks.map((c) => Buffer.from(c, "latin1"))).pipe(t);
  await done;
  return Buffer.concat(out).toString("latin1");
}

describe("TYPE A line endings", () => {
  it("LF becomes CRLF, an existing CRLF stays, even when CR and LF are in different chunks", async () => {
    expect(await through(toNetworkAscii(), ["a\nb\n"])).toBe("a\r\nb\r\n");
    expect(await through(toNetworkAscii(), ["a\r\nb\r", "\nc\n", "\n"])).toBe("a\r\nb\r\nc\r\n\r\n");
    expect(await through(toNetworkAscii(), ["no newline"])).toBe("no newline");
  });

  it("CRLF becomes LF; a lone CR is kept; a CR split from its LF is joined", async () => {
    expect(await through(fromNetworkAscii(), ["a\r\nb\r\n"])).toBe("a\nb\n");
    expect(await through(fromNetworkAscii(), ["a\r", "\nb\rc\r"])).toBe("a\nb\rc\r");
    expect(await through(fromNetworkAscii(), ["\r", "x"])).toBe("\rx");
  });

  it("round trip over every split point of a mixed text", async () => {
    const text = "l1\nl2\r\n\nend\r";
    for (let cut = 0; cut <= text.length; cut++) {
      const wire = await through(toNetworkAscii(), [text.slice(0, cut), text.slice(cut)]);
      expect(wire).toBe("l1\r\nl2\r\n\r\nend\r");
      for (let cut2 = 0; cut2 <= wire.length; cut2++) {
        expect(await through(fromNetworkAscii(), [wire.slice(0, cut2), wire.slice(cut2)])).toBe("l1\nl2\n\nend\r");
      }
    }
  });
});
