// ProcessLink: a ByteLink to a board that a process of ours runs (the native target on its stdio,
// QEMU behind a socket). Bytes go to `output` and come from `input`; destroying the link stops the
// process (by PID, through `stop`) and 'close' follows its exit, so closing a tunnel leaves nothing
// running. If the board ends on its own, the link errors with why (exit code, stderr) and closes.
// Reading from `input` starts only when the link is read: bytes a caller left unread in `input`
// (after a readiness probe, say) are delivered, not lost.
import { Duplex, type Readable, type Writable } from "node:stream";
import { LinkError } from "./errors.js";

/** How long after EOF from the board the link waits for the process's exit status. */
const END_GRACE_MS = 2000;

export interface ProcessLinkOptions {
  /** The link's spec, for messages. */
  readonly name: string;
  /** Bytes from the board. */
  readonly input: Readable;
  /** Bytes to the board. */
  readonly output: Writable;
  /** Stops whatever runs the board; the link closes once it resolves. */
  readonly stop: () => Promise<void>;
  /** Resolves once the board's process has exited, for whatever reason. */
  readonly exited: Promise<unknown>;
  /**
   * For a board that exits when its input ends (the native target on stdio): after end(), how
   * long it gets to do so before `stop` signals it (default 0: stop at once).
   */
  readonly exitOnEofMs?: number;
  /**
   * Resolves when the board stops without being asked, with why ("the board exited with code 2:
   * ..."). The link then fails with a LinkError "<name>: <why>".
   */
  readonly ended: Promise<string>;
  /** The PID of the board's process, for callers that check nothing is left running. */
  readonly pid: number;
  /** Milliseconds from starting the board's process to its first ping answer. */
  readonly readyMs: number;
}

export class ProcessLink extends Duplex {
  readonly name: string;
  readonly pid: number;
  readonly readyMs: number;
  private readonly input: Readable;
  private readonly output: Writable;
  private readonly stopBoard: () => Promise<void>;
  private readonly exited: Promise<unknown>;
  private readonly exitOnEofMs: number;
  private reading = false;
  private eofSent = false;
  private shuttingDown = false;
  private readonly onData = (chunk: Buffer): void => {
    if (!this.push(chunk)) this.input.pause();
  };
  private readonly onEnd = (): void => {
    // EOF from the board is its process ending: give `ended` a moment to say why, unless we are closing.
    if (this.shuttingDown) {
      this.push(null);
      return;
    }
    setTimeout(() => {
      if (!this.destroyed) this.destroy(new LinkError(`${this.name}: the board closed the link`, "IO"));
    }, END_GRACE_MS).unref();
  };

  constructor(options: ProcessLinkOptions) {
    super({ allowHalfOpen: false });
    this.name = options.name;
    this.pid = options.pid;
    this.readyMs = options.readyMs;
    this.input = options.input;
    this.output = options.output;
    this.stopBoard = options.stop;
    this.exited = options.exited;
    this.exitOnEofMs = options.exitOnEofMs ?? 0;
    this.input.on("error", () => undefined);
    this.output.on("error", () => undefined);
    void options.ended.then((why) => {
      if (this.shuttingDown || this.destroyed) return;
      this.destroy(new LinkError(`${this.name}: ${why}`, "IO"));
    });
  }

  override _read(): void {
    if (!this.reading) {
      this.reading = true;
      this.input.on("data", this.onData);
      this.input.once("end", this.onEnd);
    }
    this.input.resume();
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    if (this.output.destroyed || !this.output.writable) {
      callback(); // the board is gone; `ended` reports it
      return;
    }
    // Completes when the bytes reached the pipe or socket, so a board that stops reading pushes back.
    this.output.write(chunk, () => callback());
  }

  override _final(callback: (error?: Error | null) => void): void {
    this.shuttingDown = true;
    this.eofSent = true;
    this.output.end();
    callback();
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    this.shuttingDown = true;
    this.input.off("data", this.onData);
    this.input.destroy();
    this.output.destroy();
    // A board told EOF (the native target on stdio) ends by itself; a signal is for one that does not.
    const grace = this.eofSent ? this.exitOnEofMs : 0;
    const settled = grace > 0 ? Promise.race([this.exited, new Promise((r) => setTimeout(r, grace).unref())]) : Promise.resolve();
    settled.then(() => this.stopBoard()).then(
      () => callback(error),
      (stopError: unknown) => callback(error ?? (stopError instanceof Error ? stopError : new Error(String(stopError)))),
    );
  }
}
