import { describe, expect, it } from "vitest";
import {
  MAX_REPLY_LINE,
  ReplyFormatError,
  ReplyParser,
  formatReply,
  isCompletion,
  isIntermediate,
  isPermanentNegative,
  isPreliminary,
  isTransientNegative,
} from "./reply.js";

describe("formatReply", () => {
  it("formats a single-line rfc reply", () => {
    expect(formatReply(257, '"/" is current directory')).toBe('257 "/" is current directory\r\n');
    expect(formatReply(200, ["Type set"])).toBe("200 Type set\r\n");
  });

  it("formats a multi-line rfc reply with indented middle lines", () => {
    expect(formatReply(211, ["Features:", "MLST type*;size*;", "200 not an end", "End"])).toBe(
      "211-Features:\r\n MLST type*;size*;\r\n 200 not an end\r\n211 End\r\n",
    );
    expect(formatReply(211, ["a", "b"])).toBe("211-a\r\n211 b\r\n");
  });

  it("formats netx style with a space before CRLF and joins arrays", () => {
    expect(formatReply(250, "File Sent", "netx")).toBe("250 File Sent \r\n");
    expect(formatReply(211, ["a", "b", "c"], "netx")).toBe("211 a; b; c \r\n");
  });

  it("throws TypeError for CR or LF in text and for bad codes", () => {
    expect(() => formatReply(200, "a\r\n500 injected")).toThrow(TypeError);
    expect(() => formatReply(200, ["ok", "x\ny"])).toThrow(TypeError);
    expect(() => formatReply(200, "cr\r", "netx")).toThrow(TypeError);
    expect(() => formatReply(20, "x")).toThrow(TypeError);
    expect(() => formatReply(200.5, "x")).toThrow(TypeError);
  });

  it("round-trips through the parser", () => {
    const p = new ReplyParser();
    const lines = ["Features:", " indented", "MDTM", "End"];
    const [r] = p.push(formatReply(211, lines));
    expect(r?.code).toBe(211);
    expect(r?.text).toBe(lines.join("\n"));
    expect(p.pending).toBe(false);
  });
});

describe("reply class helpers", () => {
  it("classifies by first digit", () => {
    expect([150, 226, 331, 421, 550].map(isPreliminary)).toEqual([true, false, false, false, false]);
    expect([150, 226, 331, 421, 550].map(isCompletion)).toEqual([false, true, false, false, false]);
    expect([150, 226, 331, 421, 550].map(isIntermediate)).toEqual([false, false, true, false, false]);
    expect([150, 226, 331, 421, 550].map(isTransientNegative)).toEqual([false, false, false, true, false]);
    expect([150, 226, 331, 421, 550].map(isPermanentNegative)).toEqual([false, false, false, false, true]);
    expect(isPermanentNegative(600)).toBe(false);
    expect(isPreliminary(99)).toBe(false);
  });
});

describe("ReplyParser", () => {
  it("parses one reply", () => {
    const p = new ReplyParser();
    expect(p.push(Buffer.from("220 Welcome\r\n"))).toEqual([{ code: 220, text: "Welcome", lines: ["220 Welcome"] }]);
    expect(p.pending).toBe(false);
  });

  it("joins a reply split across chunks, including between CR and LF", () => {
    const p = new ReplyParser();
    expect(p.push("22")).toEqual([]);
    expect(p.pending).toBe(true);
    expect(p.push("0 Hel")).toEqual([]);
    expect(p.push("lo\r")).toEqual([]);
    const r = p.push("\n");
    expect(r).toEqual([{ code: 220, text: "Hello", lines: ["220 Hello"] }]);
    expect(p.pending).toBe(false);
  });

  it("feeds byte by byte", () => {
    const p = new ReplyParser();
    const wire = Buffer.from("150 Opening\r\n226-Done\r\n more\r\n226 Bye\r\n");
    const got = [];
    for (const b of wire) got.push(...p.push(Buffer.from([b])));
    expect(got.map((r) => [r.code, r.text])).toEqual([
      [150, "Opening"],
      [226, "Done\nmore\nBye"],
    ]);
  });

  it("returns several replies merged into one chunk", () => {
    const p = new ReplyParser();
    const r = p.push("150 Opening data\r\n226 Transfer complete\r\n221 Bye\r\n");
    expect(r.map((x) => x.code)).toEqual([150, 226, 221]);
    expect(r[1]?.text).toBe("Transfer complete");
  });

  it("keeps a multi-line reply open across lines that start with other codes", () => {
    const p = new ReplyParser();
    const r = p.push("211-Status\r\n200 not the end\r\n211-still inside\r\n  indented\r\n211 End\r\n");
    expect(r).toHaveLength(1);
    expect(r[0]?.code).toBe(211);
    expect(r[0]?.text).toBe("Status\n200 not the end\nstill inside\n indented\nEnd");
    expect(r[0]?.lines).toEqual(["211-Status", "200 not the end", "211-still inside", "  indented", "211 End"]);
  });

  it("does not end a multi-line reply on the code without a space", () => {
    const p = new ReplyParser();
    expect(p.push("230-Hi\r\n230x\r\n230\tx\r\n")).toEqual([]);
    expect(p.pending).toBe(true);
    const r = p.push("230 Done\r\n");
    expect(r[0]?.text).toBe("Hi\n230x\n230\tx\nDone");
  });

  it("ends a multi-line reply on the bare code and skips an empty last text", () => {
    const p = new ReplyParser();
    const r = p.push("211-Features\n MDTM\n211\n");
    expect(r[0]?.text).toBe("Features\nMDTM");
    expect(p.pending).toBe(false);
  });

  it("tolerates LF-only line ends and trailing spaces", () => {
    const p = new ReplyParser();
    const r = p.push("250 File Sent \r\n226 ok\n200 \n");
    expect(r.map((x) => x.text)).toEqual(["File Sent", "ok", ""]);
    expect(r[0]?.lines).toEqual(["250 File Sent "]);
  });

  it("accepts a bare code line", () => {
    expect(new ReplyParser().push("200\r\n")).toEqual([{ code: 200, text: "", lines: ["200"] }]);
  });

  it("keeps a bare CR inside a line", () => {
    expect(new ReplyParser().push("200 a\rb\r\n")[0]?.text).toBe("a\rb");
  });

  it("decodes UTF-8 split across chunks", () => {
    const p = new ReplyParser();
    const bytes = Buffer.from('257 "/Grüße" created\r\n');
    const cut = bytes.indexOf(0xc3) + 1;
    expect(p.push(bytes.subarray(0, cut))).toEqual([]);
    expect(p.push(bytes.subarray(cut))[0]?.text).toBe('"/Grüße" created');
  });

  it("throws ReplyFormatError for a line without a code, naming the line", () => {
    const p = new ReplyParser();
    expect(() => p.push("hello there\r\n")).toThrow(ReplyFormatError);
    const bad = `garbage ${"x".repeat(200)}\r\n`;
    try {
      new ReplyParser().push(bad);
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(ReplyFormatError);
      const msg = (err as Error).message;
      expect(msg).toContain("garbage xxx");
      expect(msg.length).toBeLessThan(140);
    }
  });

  it("rejects codes starting with 0, 7-9 and code+other separator", () => {
    for (const line of ["099 x", "700 x", "20 x", "200x", "2a0 x", ""]) {
      expect(() => new ReplyParser().push(`${line}\r\n`), line).toThrow(ReplyFormatError);
    }
  });

  it("reports earlier replies on the error and resumes after the bad line", () => {
    const p = new ReplyParser();
    let caught: unknown;
    try {
      p.push("200 ok\r\nbad line\r\n226 after\r\n");
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(ReplyFormatError);
    expect((caught as ReplyFormatError).replies.map((r) => r.code)).toEqual([200]);
    expect(p.pending).toBe(true);
    expect(p.push("").map((r) => r.code)).toEqual([226]);
    expect(p.pending).toBe(false);
  });

  it("throws for a line over 64 KiB, fed in small chunks, without waiting for LF", () => {
    const p = new ReplyParser();
    const piece = "x".repeat(1000);
    let thrown = false;
    p.push("200 ");
    for (let i = 0; i < 200 && !thrown; i++) {
      try {
        p.push(piece);
      } catch (err) {
        expect(err).toBeInstanceOf(ReplyFormatError);
        thrown = true;
        expect(i * 1000).toBeLessThanOrEqual(MAX_REPLY_LINE + 1000);
      }
    }
    expect(thrown).toBe(true);
    // The parser recovers for the next reply once the bad bytes are gone.
    expect(p.pending).toBe(false);
  });

  it("throws for a complete line over 64 KiB in bytes", () => {
    const line = `200 ${"é".repeat(MAX_REPLY_LINE / 2)}\r\n`;
    expect(() => new ReplyParser().push(Buffer.from(line))).toThrow(/longer than/);
  });

  it("bounds a multi-line reply that never ends", () => {
    const p = new ReplyParser({ maxReplyBytes: 10_000 });
    p.push("211-start\r\n");
    let thrown: unknown;
    for (let i = 0; i < 1000 && thrown === undefined; i++) {
      try {
        p.push(" 200 filler line that is not the end\r\n");
      } catch (err) {
        thrown = err;
      }
    }
    expect(thrown).toBeInstanceOf(ReplyFormatError);
    expect((thrown as Error).message).toContain("211-start");
    // After the error the parser is outside any reply again.
    expect(p.pending).toBe(false);
    expect(p.push("200 ok\r\n")[0]?.code).toBe(200);
  });

  it("accepts a line just under the limit", () => {
    const text = "y".repeat(MAX_REPLY_LINE - 10);
    expect(new ReplyParser().push(`200 ${text}\r\n`)[0]?.text).toBe(text);
  });
});
