import { describe, expect, it } from "vitest";
import { LineReader, formatCommand, parseCommand, type LineEvent } from "./command.js";

describe("parseCommand", () => {
  it("upper-cases the verb and keeps the argument as sent", () => {
    expect(parseCommand("retr My File.txt")).toEqual({ verb: "RETR", arg: "My File.txt" });
    expect(parseCommand("Mkd /def")).toEqual({ verb: "MKD", arg: "/def" });
    expect(parseCommand("NOOP")).toEqual({ verb: "NOOP", arg: "" });
  });

  it("returns undefined for empty and blank lines", () => {
    expect(parseCommand("")).toBeUndefined();
    expect(parseCommand("   ")).toBeUndefined();
  });

  it("trims leading spaces of the argument but keeps trailing ones", () => {
    expect(parseCommand("TYPE  I")).toEqual({ verb: "TYPE", arg: "I" });
    expect(parseCommand("STOR name ending in space ")).toEqual({ verb: "STOR", arg: "name ending in space " });
    expect(parseCommand("CDUP ")).toEqual({ verb: "CDUP", arg: "" });
    expect(parseCommand("  USER bob")).toEqual({ verb: "USER", arg: "bob" });
  });

  it("returns verbs with non-letters for the server to refuse", () => {
    expect(parseCommand("X-1 a")).toEqual({ verb: "X-1", arg: "a" });
    expect(parseCommand("\u00ffABOR")).toEqual({ verb: "\u0178ABOR", arg: "" });
  });
});

describe("formatCommand", () => {
  it("formats with and without an argument", () => {
    expect(formatCommand("RETR", "a b.txt")).toBe("RETR a b.txt\r\n");
    expect(formatCommand("PASV")).toBe("PASV\r\n");
    expect(formatCommand("PASV", "")).toBe("PASV\r\n");
  });

  it("refuses CR, LF and NUL anywhere (command injection through file names)", () => {
    expect(() => formatCommand("DELE", "x\r\nRMD /")).toThrow(TypeError);
    expect(() => formatCommand("DELE", "x\nRMD /")).toThrow(TypeError);
    expect(() => formatCommand("DELE", "x\0y")).toThrow(TypeError);
    expect(() => formatCommand("NO\rOP")).toThrow(TypeError);
    expect(() => formatCommand("")).toThrow(TypeError);
    expect(() => formatCommand("RE TR", "x")).toThrow(TypeError);
  });

  it("round-trips through parseCommand", () => {
    const wire = formatCommand("STOR", "dir/file with spaces ");
    expect(parseCommand(wire.slice(0, -2))).toEqual({ verb: "STOR", arg: "dir/file with spaces " });
  });
});

function lines(events: LineEvent[]): string[] {
  return events.map((e) => (e.kind === "line" ? e.line : `<overflow ${e.bytes}>`));
}

describe("LineReader", () => {
  it("splits CRLF and LF lines and keeps partial lines between pushes", () => {
    const r = new LineReader(512);
    expect(lines(r.push(Buffer.from("USER bob\r\nPA")))).toEqual(["USER bob"]);
    expect(lines(r.push(Buffer.from("SS secret\r")))).toEqual([]);
    expect(lines(r.push(Buffer.from("\nSYST\nNOOP\r\n")))).toEqual(["PASS secret", "SYST", "NOOP"]);
  });

  it("works byte by byte", () => {
    const r = new LineReader(512);
    const out: LineEvent[] = [];
    for (const b of Buffer.from("CWD /a\r\nPWD\r\n")) out.push(...r.push(Buffer.from([b])));
    expect(lines(out)).toEqual(["CWD /a", "PWD"]);
  });

  it("keeps a bare CR as data and empty lines as empty", () => {
    const r = new LineReader(512);
    expect(lines(r.push(Buffer.from("a\rb\r\n\r\n\n")))).toEqual(["a\rb", "", ""]);
  });

  it("strips Telnet IP and DM before ABOR", () => {
    const r = new LineReader(512);
    const chunk = Buffer.concat([Buffer.from([0xff, 0xf4, 0xff, 0xf2]), Buffer.from("ABOR\r\n")]);
    expect(lines(r.push(chunk))).toEqual(["ABOR"]);
  });

  it("turns IAC IAC into 0xFF and drops WILL/WONT/DO/DONT with their option", () => {
    const r = new LineReader(512);
    const chunk = Buffer.from([
      0xff, 0xfb, 0x01, // IAC WILL ECHO
      0x41, 0xff, 0xff, 0x42, // A, IAC IAC, B
      0xff, 0xfe, 0x0a, // IAC DONT <option that happens to be LF>
      0x43, 0x0d, 0x0a,
    ]);
    const [e] = r.push(chunk);
    expect(e?.kind).toBe("line");
    // 0xFF alone is not UTF-8: the data byte survives as U+FFFD in the decoded line.
    expect(e?.kind === "line" && e.line).toBe("A\uFFFDBC");
  });

  it("carries Telnet state across chunks", () => {
    const r = new LineReader(512);
    expect(r.push(Buffer.from([0x4e, 0xff]))).toEqual([]);
    expect(r.push(Buffer.from([0xfd]))).toEqual([]);
    expect(lines(r.push(Buffer.from([0x18, 0x4f, 0x4f, 0x50, 0x0a])))).toEqual(["NOOP"]);
  });

  it("decodes UTF-8 split across chunks and replaces invalid bytes", () => {
    const r = new LineReader(512);
    const bytes = Buffer.from("RETR Grüße\r\n");
    const cut = bytes.indexOf(0xc3) + 1;
    expect(r.push(bytes.subarray(0, cut))).toEqual([]);
    expect(lines(r.push(bytes.subarray(cut)))).toEqual(["RETR Grüße"]);
    expect(lines(r.push(Buffer.from([0x41, 0xc3, 0x28, 0x0a])))).toEqual(["A\uFFFD("]);
  });

  it("accepts a line of exactly maxLineBytes, with CRLF split after the limit", () => {
    const r = new LineReader(8);
    expect(lines(r.push(Buffer.from("12345678\r")))).toEqual([]);
    expect(lines(r.push(Buffer.from("\n")))).toEqual(["12345678"]);
    expect(lines(r.push(Buffer.from("123456789\n")))).toEqual(["<overflow 9>"]);
    expect(lines(r.push(Buffer.from("12345678\r\n")))).toEqual(["12345678"]);
  });

  it("reports one overflow for a 100 KiB line in small chunks, storing at most the limit", () => {
    const max = 1024;
    const r = new LineReader(max);
    const events: LineEvent[] = [];
    const piece = Buffer.alloc(100, 0x61);
    for (let i = 0; i < 1024; i++) {
      events.push(...r.push(piece));
      // Reaching into the private state is the only way to prove the bound without timing.
      const buffered = (r as unknown as { length: number }).length;
      expect(buffered).toBeLessThanOrEqual(max + 1);
    }
    expect(events).toEqual([{ kind: "overflow", bytes: 1100 }]);
    expect(lines(r.push(Buffer.from("tail of the long line\r\nNOOP\r\n")))).toEqual(["NOOP"]);
  });

  it("reports overflow for a long line contained in one chunk", () => {
    const r = new LineReader(4);
    expect(lines(r.push(Buffer.from("toolong\r\nok\r\n")))).toEqual(["<overflow 7>", "ok"]);
  });

  it("reset drops the partial line and Telnet state", () => {
    const r = new LineReader(16);
    r.push(Buffer.from([0x41, 0xff]));
    r.reset();
    expect(lines(r.push(Buffer.from([0x42, 0x0a])))).toEqual(["B"]);
    r.push(Buffer.from("x".repeat(40)));
    r.reset();
    expect(lines(r.push(Buffer.from("QUIT\r\n")))).toEqual(["QUIT"]);
  });

  it("rejects a non-positive limit", () => {
    expect(() => new LineReader(0)).toThrow(TypeError);
  });
});
