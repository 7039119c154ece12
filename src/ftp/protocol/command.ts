// FTP commands (RFC 959 section 5.3): parsing and formatting one command line, and the
// LineReader that turns control-connection bytes into lines. The reader keeps partial lines
// between TCP chunks, strips Telnet IAC sequences (clients send IAC IP IAC DM before ABOR)
// and keeps memory bounded however long a line a hostile peer sends.

export interface Command {
  /** Upper-cased. May contain non-letters; the server answers those with 500. */
  readonly verb: string;
  /** Everything after the first space, leading spaces removed, trailing ones kept; "" when absent. */
  readonly arg: string;
}

/** One control line (without CRLF) as a command; undefined for a blank line. */
export function parseCommand(line: string): Command | undefined {
  let i = 0;
  const n = line.length;
  while (i < n && line.charCodeAt(i) === 32) i++;
  if (i === n) return undefined;
  const sp = line.indexOf(" ", i);
  if (sp === -1) return { verb: line.slice(i).toUpperCase(), arg: "" };
  let a = sp + 1;
  // RFC 959 has exactly one space, but "TYPE  I" from sloppy clients should still mean I;
  // trailing spaces stay because a file name may end in them.
  while (a < n && line.charCodeAt(a) === 32) a++;
  return { verb: line.slice(i, sp).toUpperCase(), arg: line.slice(a) };
}

function hasControl(text: string): boolean {
  return text.includes("\r") || text.includes("\n") || text.includes("\0");
}

/** "VERB arg\r\n". Refuses CR, LF and NUL so a file name cannot smuggle in a second command. */
export function formatCommand(verb: string, arg?: string): string {
  if (verb.length === 0 || verb.includes(" ") || hasControl(verb)) {
    throw new TypeError(`invalid FTP command verb: ${JSON.stringify(verb)}`);
  }
  if (arg === undefined || arg.length === 0) return `${verb}\r\n`;
  if (hasControl(arg)) {
    throw new TypeError(`FTP command argument must not contain CR, LF or NUL: ${JSON.stringify(arg)}`);
  }
  return `${verb} ${arg}\r\n`;
}

export type LineEvent =
  | { readonly kind: "line"; readonly line: string }
  /** A line exceeded the limit; `bytes` is how many of its bytes had arrived when that was seen. */
  | { readonly kind: "overflow"; readonly bytes: number };

const IAC = 0xff;
const WILL = 251;
const DONT = 254;

// Telnet parser states.
const DATA = 0;
/** After IAC. */
const COMMAND = 1;
/** After IAC WILL/WONT/DO/DONT: the option byte follows. */
const OPTION = 2;

/**
 * Splits control-connection bytes into lines on LF (a CR right before the LF is dropped, a
 * bare CR is data), decoding UTF-8 with U+FFFD for invalid bytes. A line longer than
 * maxLineBytes (excluding CRLF) yields one overflow event as soon as that is certain, and the
 * rest of it up to the next LF is dropped without being stored.
 */
export class LineReader {
  private pieces: Buffer[] = [];
  private length = 0;
  private overflowing = false;
  private telnet = DATA;

  constructor(private readonly maxLineBytes: number) {
    if (!Number.isInteger(maxLineBytes) || maxLineBytes < 1) {
      throw new TypeError(`maxLineBytes must be a positive integer, got ${maxLineBytes}`);
    }
  }

  reset(): void {
    this.pieces = [];
    this.length = 0;
    this.overflowing = false;
    this.telnet = DATA;
  }

  push(chunk: Buffer): LineEvent[] {
    const data = this.telnet === DATA && chunk.indexOf(IAC) === -1 ? chunk : this.stripTelnet(chunk);
    const out: LineEvent[] = [];
    let start = 0;
    const n = data.length;
    while (start <= n) {
      const lf = data.indexOf(10, start);
      if (lf !== -1 && this.length === 0 && !this.overflowing) {
        // Whole line inside this chunk: decode straight from it, no copy.
        this.emit(data, start, lf, out);
        start = lf + 1;
        continue;
      }
      const end = lf === -1 ? n : lf;
      if (!this.overflowing && end > start) this.take(data, start, end, out);
      if (lf === -1) break;
      this.endLine(out);
      start = lf + 1;
    }
    return out;
  }

  /** Adds data[start, end) to the current line, or notices that the line is too long. */
  private take(data: Buffer, start: number, end: number, out: LineEvent[]): void {
    const total = this.length + (end - start);
    // One byte over the limit may still be the CR of CRLF; two over cannot.
    if (total > this.maxLineBytes + 1) {
      this.overflowing = true;
      out.push({ kind: "overflow", bytes: total });
      this.pieces = [];
      this.length = 0;
      return;
    }
    // Copy: a view would pin the whole chunk (up to 64 KiB) for a few bytes of partial line.
    this.pieces.push(Buffer.from(data.subarray(start, end)));
    this.length = total;
  }

  private endLine(out: LineEvent[]): void {
    if (this.overflowing) {
      this.overflowing = false;
      return;
    }
    const line = this.pieces.length === 1 ? (this.pieces[0] as Buffer) : Buffer.concat(this.pieces, this.length);
    const len = this.length;
    this.pieces = [];
    this.length = 0;
    this.emit(line, 0, len, out);
  }

  /** Emits buf[start, end) as a line (minus a final CR), or as an overflow if too long. */
  private emit(buf: Buffer, start: number, end: number, out: LineEvent[]): void {
    if (end > start && buf[end - 1] === 13) end--;
    const len = end - start;
    if (len > this.maxLineBytes) out.push({ kind: "overflow", bytes: len });
    else out.push({ kind: "line", line: buf.toString("utf8", start, end) });
  }

  /** The chunk without Telnet commands; IAC IAC is one 0xFF data byte. State spans chunks. */
  private stripTelnet(chunk: Buffer): Buffer {
    const out = Buffer.allocUnsafe(chunk.length);
    let m = 0;
    let state = this.telnet;
    for (let i = 0; i < chunk.length; i++) {
      const b = chunk[i] as number;
      if (state === DATA) {
        if (b === IAC) state = COMMAND;
        else out[m++] = b;
      } else if (state === COMMAND) {
        if (b === IAC) {
          out[m++] = IAC;
          state = DATA;
        } else if (b >= WILL && b <= DONT) {
          state = OPTION;
        } else {
          state = DATA;
        }
      } else {
        state = DATA;
      }
    }
    this.telnet = state;
    return out.subarray(0, m);
  }
}
