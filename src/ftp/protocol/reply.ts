// FTP replies (RFC 959 section 4.2): formatting for the server and an incremental parser
// for the client that copes with replies split across or merged into TCP segments,
// multi-line replies, LF-only line ends and the trailing space NetX Duo puts before CRLF.
import { StringDecoder } from "node:string_decoder";

export interface Reply {
  readonly code: number;
  /**
   * All text lines joined with "\n", without code prefixes and separators. Middle lines of a
   * multi-line reply lose the one leading space formatReply adds (so text round-trips);
   * an empty last line ("211 End" written as "211") adds nothing.
   */
  readonly text: string;
  /** The raw lines without their line ends. */
  readonly lines: readonly string[];
}

export type ReplyStyle = "rfc" | "netx";

/** Longest reply line the parser accepts; a longer one means a broken or hostile peer. */
export const MAX_REPLY_LINE = 64 * 1024;

/** Default cap on one whole multi-line reply: STAT of a big directory is long, an endless one is hostile. */
export const MAX_REPLY_BYTES = 4 * 1024 * 1024;

/** A reply line that is not FTP. `replies` holds the replies completed earlier in the same push. */
export class ReplyFormatError extends Error {
  override readonly name = "ReplyFormatError";
  constructor(
    message: string,
    readonly replies: readonly Reply[] = [],
  ) {
    super(message);
  }
}

function checkLine(text: string): void {
  if (text.includes("\r") || text.includes("\n")) {
    throw new TypeError(`reply text must not contain CR or LF: ${JSON.stringify(truncate(text))}`);
  }
}

function checkCode(code: number): void {
  if (!Number.isInteger(code) || code < 100 || code > 699) {
    throw new TypeError(`reply code must be an integer 100..699, got ${code}`);
  }
}

/**
 * One reply as it goes on the wire. A multi-line reply indents its middle lines by one space
 * so none of them can be mistaken for the end line (RFC 959 4.2); NetX Duo has no multi-line
 * replies, so the netx style joins the lines with "; " and ends with " \r\n" like NetX does.
 */
export function formatReply(code: number, text: string | readonly string[], style: ReplyStyle = "rfc"): string {
  checkCode(code);
  const lines = typeof text === "string" ? [text] : text;
  for (const line of lines) checkLine(line);
  if (style === "netx") return `${code} ${lines.join("; ")} \r\n`;
  if (lines.length <= 1) return `${code} ${lines[0] ?? ""}\r\n`;
  let out = `${code}-${lines[0]}\r\n`;
  const last = lines.length - 1;
  for (let i = 1; i < last; i++) out += ` ${lines[i]}\r\n`;
  return `${out}${code} ${lines[last]}\r\n`;
}

export function isPreliminary(code: number): boolean {
  return code >= 100 && code < 200;
}
export function isCompletion(code: number): boolean {
  return code >= 200 && code < 300;
}
export function isIntermediate(code: number): boolean {
  return code >= 300 && code < 400;
}
export function isTransientNegative(code: number): boolean {
  return code >= 400 && code < 500;
}
export function isPermanentNegative(code: number): boolean {
  return code >= 500 && code < 600;
}

function truncate(line: string): string {
  return line.length > 80 ? `${line.slice(0, 80)}...` : line;
}

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

/** The code of a line that starts "ddd" followed by end, space or '-'; -1 otherwise. 6xx is RFC 2228. */
function lineCode(line: string): number {
  if (line.length < 3) return -1;
  const a = line.charCodeAt(0);
  const b = line.charCodeAt(1);
  const c = line.charCodeAt(2);
  if (a < 49 || a > 54 || !isDigit(b) || !isDigit(c)) return -1;
  if (line.length > 3) {
    const sep = line.charCodeAt(3);
    if (sep !== 32 && sep !== 45) return -1;
  }
  return (a - 48) * 100 + (b - 48) * 10 + (c - 48);
}

/**
 * Incremental reply parser: push whatever the control connection delivered, get the replies
 * completed so far. Inside a multi-line reply only "<same code><space>" (or the bare code) ends
 * it; lines starting with other codes are text. On a malformed line push() throws
 * ReplyFormatError; the rest of that chunk stays buffered for the next push.
 */
export class ReplyParser {
  private readonly decoder = new StringDecoder("utf8");
  private partial = "";
  /** Text not yet split into lines (the remainder after a throw). */
  private backlog = "";
  private multiCode = -1;
  private multiLines: string[] = [];
  private multiTexts: string[] = [];
  /** Characters held in multiLines; characters never exceed bytes, so this bounds memory. */
  private multiSize = 0;
  private readonly maxReplyBytes: number;

  constructor(options?: { maxReplyBytes?: number }) {
    this.maxReplyBytes = options?.maxReplyBytes ?? MAX_REPLY_BYTES;
  }

  get pending(): boolean {
    return this.partial.length > 0 || this.backlog.length > 0 || this.multiCode !== -1;
  }

  push(chunk: Buffer | string): Reply[] {
    let s: string;
    if (typeof chunk === "string") {
      // A string after bytes: finish any half UTF-8 sequence first (becomes U+FFFD).
      s = this.decoder.end() + chunk;
    } else {
      s = this.decoder.write(chunk);
    }
    if (this.backlog.length > 0) {
      s = this.backlog + s;
      this.backlog = "";
    }
    const out: Reply[] = [];
    let start = 0;
    for (;;) {
      const lf = s.indexOf("\n", start);
      if (lf === -1) {
        if (start < s.length) this.partial += s.slice(start);
        if (this.partial.length > MAX_REPLY_LINE) {
          const head = this.partial;
          this.partial = "";
          throw new ReplyFormatError(`reply line longer than ${MAX_REPLY_LINE} bytes: ${JSON.stringify(truncate(head))}`, out);
        }
        return out;
      }
      let end = lf;
      if (end > start && s.charCodeAt(end - 1) === 13) end--;
      let line = s.slice(start, end);
      if (this.partial.length > 0) {
        line = this.partial + line;
        this.partial = "";
        // The CR may have ended the previous chunk.
        if (end === start && line.charCodeAt(line.length - 1) === 13) line = line.slice(0, -1);
      }
      start = lf + 1;
      try {
        this.line(line, out);
      } catch (err) {
        if (start < s.length) this.backlog = s.slice(start);
        throw err;
      }
    }
  }

  private line(line: string, out: Reply[]): void {
    // Characters are at most bytes, so only a long-looking line needs the exact byte count.
    if (line.length > MAX_REPLY_LINE / 3 && Buffer.byteLength(line) > MAX_REPLY_LINE) {
      this.abandonMulti();
      throw new ReplyFormatError(`reply line longer than ${MAX_REPLY_LINE} bytes: ${JSON.stringify(truncate(line))}`, out);
    }
    const code = lineCode(line);
    if (this.multiCode !== -1) {
      this.multiSize += line.length + 2;
      if (this.multiSize > this.maxReplyBytes) {
        const first = this.multiLines[0] ?? "";
        this.abandonMulti();
        throw new ReplyFormatError(`multi-line reply longer than ${this.maxReplyBytes} bytes: ${JSON.stringify(truncate(first))}`, out);
      }
      this.multiLines.push(line);
      if (code === this.multiCode && line.charCodeAt(3) !== 45) {
        const last = line.slice(4).trimEnd();
        if (last.length > 0) this.multiTexts.push(last);
        out.push({ code, text: this.multiTexts.join("\n"), lines: this.multiLines });
        this.abandonMulti();
        return;
      }
      let text: string;
      if (code === this.multiCode) text = line.slice(4);
      else if (line.charCodeAt(0) === 32) text = line.slice(1);
      else text = line;
      this.multiTexts.push(text.trimEnd());
      return;
    }
    if (code === -1) {
      throw new ReplyFormatError(`not an FTP reply line: ${JSON.stringify(truncate(line))}`, out);
    }
    if (line.charCodeAt(3) === 45) {
      this.multiCode = code;
      this.multiSize = line.length + 2;
      this.multiLines = [line];
      this.multiTexts = [line.slice(4).trimEnd()];
      return;
    }
    out.push({ code, text: line.slice(4).trimEnd(), lines: [line] });
  }

  private abandonMulti(): void {
    this.multiCode = -1;
    this.multiLines = [];
    this.multiTexts = [];
    this.multiSize = 0;
  }
}
