// One data transfer (RETR, STOR, APPE, LIST, MLSD, NLST) as a small state machine:
// set up the data channel, REST, send the command, expect 1xx, pipe the bytes, and
// finish only when BOTH the data stream is done (every byte delivered to the local
// Writable, or flushed to the server) AND the final reply arrived, in either order.
// Cancellation sends ABOR and resynchronises the control connection with NOOP so the
// client stays usable.
import type { Readable, Transform, Writable } from "node:stream";
import type { Connection } from "../../network.js";
import { pipeline } from "node:stream/promises";
import type { Reply } from "../protocol/reply.js";
import type { ControlConnection } from "./control.js";
import type { DataChannel } from "./data.js";
import { abortError, FtpConnectionError, FtpError, FtpTimeoutError, throwIfAborted } from "./errors.js";
import { TransferMonitor, type TransferProgress } from "./monitor.js";

export interface TransferResult {
  /** Bytes that crossed the data connection. */
  readonly bytes: number;
  readonly elapsedMs: number;
  /** The final reply (226, 250, ...). */
  readonly reply: Reply;
}

/** What a transfer needs from the client that runs it. */
export interface TransferSession {
  readonly control: ControlConnection;
  readonly timeoutMs: number;
  readonly dataTimeoutMs: number;
  openData(signal?: AbortSignal): Promise<DataChannel>;
}

interface PlanBase {
  readonly verb: string;
  readonly arg?: string;
  /** REST offset sent right before the command when > 0. */
  readonly rest?: number;
  /** When REST is refused: "append" sends APPE instead (resumed upload); otherwise FtpError. */
  readonly restRefused?: "throw" | "append";
  readonly transform?: () => Transform;
  readonly total?: number;
  readonly signal?: AbortSignal;
  readonly onProgress?: (p: TransferProgress) => void;
}

/**
 * The local end is opened only after the server accepted the command (1xx), so a
 * refused RETR leaves no empty local file behind.
 */
export type TransferPlan =
  | (PlanBase & { readonly direction: "download"; readonly open: () => Writable })
  | (PlanBase & { readonly direction: "upload"; readonly open: () => Readable });

/** Replies read while resynchronising after ABOR before giving up on the connection. */
const MAX_SYNC_REPLIES = 8;
const SIZE_IN_TEXT = /\((\d+) bytes\)/i;

export async function runTransfer(session: TransferSession, plan: TransferPlan): Promise<TransferResult> {
  const startedAt = performance.now();
  throwIfAborted(plan.signal);
  const data = await session.openData(plan.signal);
  let verb = plan.verb;
  try {
    if (plan.rest !== undefined && plan.rest > 0) {
      const reply = await session.control.request("REST", String(plan.rest));
      if (reply.code !== 350) {
        if (plan.restRefused !== "append" || reply.code < 400) {
          throw FtpError.fromReply(reply, session.control.lastCommand);
        }
        verb = "APPE";
      }
    }
    // Nothing was started on the server yet: no ABOR needed.
    throwIfAborted(plan.signal);
  } catch (err) {
    data.close();
    throw err;
  }
  return new Transfer(session, plan, data, startedAt).run(verb);
}

class Transfer {
  private aborted = false;
  /** ABOR went out (cancel, or a failure before the data flowed): the replies need resync. */
  private aborSent = false;
  private repliesSinceAbort = 0;
  private firstError: Error | undefined;
  private monitor: TransferMonitor | undefined;
  private readonly control: ControlConnection;

  constructor(
    private readonly session: TransferSession,
    private readonly plan: TransferPlan,
    private readonly data: DataChannel,
    private readonly startedAt: number,
  ) {
    this.control = session.control;
  }

  async run(verb: string): Promise<TransferResult> {
    const signal = this.plan.signal;
    const onAbort = (): void => this.abort();
    let result: TransferResult | undefined;
    try {
      this.control.send(verb, this.plan.arg);
      signal?.addEventListener("abort", onAbort, { once: true });
      if (signal?.aborted) this.abort();
      result = await this.exchange();
    } catch (err) {
      this.fail(err as Error);
    } finally {
      signal?.removeEventListener("abort", onAbort);
      this.monitor?.stop();
      this.data.close();
    }
    if (this.aborSent) await this.resync();
    if (this.aborted) throw abortError(signal as AbortSignal);
    if (this.firstError || result === undefined) throw this.firstError ?? new Error("transfer ended without result");
    return result;
  }

  private async exchange(): Promise<TransferResult> {
    const first = await this.readReply(this.session.timeoutMs);
    if (this.aborted) throw this.firstError;
    if (first.code >= 300) throw FtpError.fromReply(first, this.control.lastCommand);
    // Some servers skip the 1xx for an empty transfer: then `first` is already the final reply.
    const early = first.code >= 200 ? first : undefined;
    let connection: Connection;
    let local: Readable | Writable;
    let transform: Transform | undefined;
    try {
      connection = await this.data.connection();
      local = this.plan.open();
      transform = this.plan.transform?.();
    } catch (err) {
      // The server accepted the command and still owes its final reply: have it finish now.
      this.fail(err as Error);
      if (!early) this.sendAbor();
      throw err;
    }
    const middle = transform ? [transform] : [];
    const total = this.plan.total ?? sizeFromText(first.text);
    const download = this.plan.direction === "download";
    const wire = connection.stream;
    const monitor = new TransferMonitor({
      startedAt: this.startedAt,
      stallMs: this.session.dataTimeoutMs,
      ...(total !== undefined ? { total } : {}),
      ...(this.plan.onProgress ? { onProgress: this.plan.onProgress } : {}),
      // Download: a paused socket means the local side pushed back. Upload: only a
      // full socket buffer means we wait for the server.
      waitingOnPeer: download ? () => wire.readableFlowing !== false : () => wire.writableNeedDrain,
      onStall: () =>
        this.fail(new FtpTimeoutError("data", this.session.dataTimeoutMs, `data connection of ${this.control.lastCommand}`)),
    });
    this.monitor = monitor;

    const piped = pipeline(download ? [wire, ...middle, local] : [local, ...middle, wire]);
    // Counting is the only per-chunk work; the monitor does the rest from a timer.
    const counted = download ? wire : (transform ?? (local as Readable));
    counted.on("data", (chunk: Buffer) => {
      monitor.bytes += chunk.length;
    });

    let finalTimer: NodeJS.Timeout | undefined;
    // Bytes moved when the server reset the data connection; see sessionLost().
    let resetAfter: number | undefined;
    const pipeSettled = piped.then(
      () => undefined,
      (err: Error) => {
        if (this.firstError === undefined && isReset(err)) {
          resetAfter = monitor.bytes;
          this.fail(new FtpConnectionError(`data connection of ${this.control.lastCommand} reset by the server after ${resetAfter} bytes`, { cause: err }));
          // A live server now sends its 4xx; a rebooted board has forgotten the session and
          // answers the probe with RST, so the wait below ends now, not at the control timeout.
          this.control.probe();
        } else this.fail(err);
      },
    );
    // While bytes flow the final reply may take as long as they do; once the data side
    // is done it gets the control timeout.
    void pipeSettled.then(() => {
      monitor.stop();
      if (early) return;
      finalTimer = setTimeout(() => {
        this.control.fail(
          new FtpTimeoutError("control", this.session.timeoutMs, `waiting for the final reply to ${this.control.lastCommand}`),
        );
      }, this.session.timeoutMs);
    });
    let final: Reply | undefined = early;
    const finalSettled = early
      ? Promise.resolve()
      : this.readFinal().then(
          (reply) => {
            final = reply;
            if (reply.code < 200 || reply.code > 299) this.fail(FtpError.fromReply(reply, this.control.lastCommand));
          },
          (err: Error) => {
            if (resetAfter !== undefined && isReset(err.cause)) this.firstError = sessionLost(this.control.lastCommand, "data", resetAfter, err);
            else if (this.firstError === undefined && isReset(err.cause)) {
              // The control connection went first (a timer of ours met the rebooted board before the data did).
              this.fail(sessionLost(this.control.lastCommand, "control", monitor.bytes, err));
            } else this.fail(err);
          },
        );
    await Promise.all([pipeSettled, finalSettled]);
    if (finalTimer) clearTimeout(finalTimer);
    if (this.firstError) throw this.firstError;
    if (final === undefined) throw new Error("transfer ended without a final reply");
    monitor.finish();
    return { bytes: monitor.bytes, elapsedMs: performance.now() - this.startedAt, reply: final };
  }

  private async readReply(timeoutMs: number | null): Promise<Reply> {
    const reply = await this.control.read(timeoutMs);
    if (this.aborSent) this.repliesSinceAbort++;
    return reply;
  }

  private async readFinal(): Promise<Reply> {
    for (let i = 0; i < MAX_SYNC_REPLIES; i++) {
      const reply = await this.readReply(null);
      if (reply.code >= 200) return reply;
    }
    throw new FtpConnectionError(`too many preliminary replies to ${this.control.lastCommand}`);
  }

  private fail(err: Error): void {
    this.firstError ??= err;
    this.data.close();
  }

  private abort(): void {
    if (this.aborted) return;
    this.aborted = true;
    this.fail(abortError(this.plan.signal as AbortSignal));
    this.sendAbor();
  }

  private sendAbor(): void {
    if (this.aborSent) return;
    this.aborSent = true;
    try {
      this.control.send("ABOR");
    } catch {
      // Control already closed: nothing to tell the server.
    }
  }

  /**
   * After ABOR the server sends some of: the transfer's 1xx, its final reply (426, 226,
   * 250, 550...), and ABOR's own reply (226, 225, or 500/502 from servers without ABOR).
   * Which ones depends on the server and on timing, so instead of guessing, NOOP's 200
   * marks the end of them. NOOP goes out only after a reply arrived, so it never shares
   * a packet with ABOR (NetX reads one command per packet).
   */
  private async resync(): Promise<void> {
    if (this.control.closed) return;
    try {
      if (this.repliesSinceAbort === 0) await this.control.read();
      // Whatever already arrived belongs to the transfer or to ABOR.
      this.control.discardPending();
      this.control.send("NOOP");
      for (let i = 0; i < MAX_SYNC_REPLIES; i++) {
        const reply = await this.control.read();
        if (reply.code === 200) return;
      }
      this.control.fail(new FtpConnectionError("no reply to NOOP after ABOR"));
    } catch {
      // Timeout or close: the control connection is closed; the AbortError stands.
    }
  }
}

function isReset(err: unknown): boolean {
  return (err as NodeJS.ErrnoException | undefined)?.code === "ECONNRESET";
}

/**
 * The connections of a transfer reset one after the other (whichever first): the server's end forgot
 * the session, as a board does when it restarts.
 */
function sessionLost(command: string, first: "data" | "control", bytes: number, cause: Error): FtpConnectionError {
  const what =
    first === "data"
      ? `the server reset the data connection after ${bytes} bytes, then the control connection`
      : `the server reset the control connection after ${bytes} bytes of data`;
  return new FtpConnectionError(`${command}: ${what}: it lost the session (did the board restart?)`, { cause });
}

function sizeFromText(text: string): number | undefined {
  const m = SIZE_IN_TEXT.exec(text);
  return m?.[1] === undefined ? undefined : Number(m[1]);
}
