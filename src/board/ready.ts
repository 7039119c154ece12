// Waiting for a freshly started board to answer ping, with the host's own stack: a throwaway Stack
// over SLIP on the board's byte streams, echo requests until one is answered or the deadline passes.
// Bytes sent before the board's UART is up are lost (QEMU drops them), so nothing else is sent
// until a ping comes back. The streams are only borrowed: afterwards they are paused, not closed,
// and whatever the board sent since is left in them for the link that takes over.
import { Duplex, type Readable, type Writable } from "node:stream";
import { LinkError } from "../link/errors.js";
import { SlipFraming } from "../link/slip-framing.js";
import { Stack } from "../net/stack.js";
import { DEFAULT_TCP_CONFIG } from "../net/tcp/index.js";
import type { BoardProfile } from "./profile.js";

const MAX_ATTEMPT_MS = 1000;

export interface ReadyOptions {
  /** The link's spec, for messages. */
  readonly name: string;
  /** Its addresses and MTU are what the board was built with. */
  readonly profile: BoardProfile;
  readonly timeoutMs: number;
  /**
   * How long the first echo request waits for its reply (default 50 ms); each later one waits twice
   * as long as the one before, up to 1 s, so a fast board is seen at once and a slow one still is.
   */
  readonly attemptMs?: number;
  readonly signal?: AbortSignal;
  /** Why the board cannot answer any more ("the board exited with code 1"), or undefined while it can. */
  readonly gone?: () => string | undefined;
}

/** Resolves with the milliseconds until the first answer; throws LinkError (TIMEOUT, ABORTED, IO). */
export async function waitForPing(input: Readable, output: Writable, options: ReadyOptions): Promise<number> {
  const { profile, name } = options;
  const started = performance.now();
  const deadline = started + options.timeoutMs;
  const borrowed = new Borrowed(input, output);
  const framing = new SlipFraming(borrowed, { name, maxFrame: profile.mtu + 64, closeTimeoutMs: 100 });
  framing.on("error", () => undefined); // a dying board shows up through `gone`
  const stack = new Stack(framing, {
    mtu: profile.mtu,
    tcp: DEFAULT_TCP_CONFIG,
    ipv4: { local: profile.addresses.hostIpv4, peer: profile.addresses.boardIpv4 },
  });
  let attempts = 0;
  let wait = options.attemptMs ?? 50;
  try {
    for (;;) {
      const why = options.gone?.();
      if (why !== undefined) throw new LinkError(`${name}: ${why}`, "IO");
      if (options.signal?.aborted) throw new LinkError(`${name}: aborted`, "ABORTED");
      const left = deadline - performance.now();
      if (left <= 0) {
        throw new LinkError(`${name}: the board did not answer ping (${profile.addresses.boardIpv4}) within ${options.timeoutMs} ms (${attempts} tries)`, "TIMEOUT");
      }
      attempts++;
      try {
        await stack.ping(profile.addresses.boardIpv4, { timeoutMs: Math.min(wait, Math.max(1, left)), size: 16 });
        return performance.now() - started;
      } catch {
        wait = Math.min(2 * wait, MAX_ATTEMPT_MS);
      }
    }
  } finally {
    stack.close();
    await framing.close();
  }
}

/** A Duplex over someone else's streams: ending or destroying it lets go of them and pauses `input`. */
class Borrowed extends Duplex {
  private released = false;
  private readonly onData = (chunk: Buffer): void => {
    if (!this.push(chunk)) this.input.pause();
  };

  constructor(
    private readonly input: Readable,
    private readonly output: Writable,
  ) {
    super();
    input.on("data", this.onData);
  }

  override _read(): void {
    if (!this.released) this.input.resume();
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    if (this.released || this.output.destroyed || !this.output.writable) {
      callback();
      return;
    }
    this.output.write(chunk, () => callback());
  }

  override _final(callback: (error?: Error | null) => void): void {
    this.release();
    callback();
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    this.release();
    callback(error);
  }

  private release(): void {
    if (this.released) return;
    this.released = true;
    this.input.off("data", this.onData);
    this.input.pause();
  }
}
