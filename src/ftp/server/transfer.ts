// Moves bytes between a data connection and a file-system stream with backpressure, counts
// them, aborts on request (ABOR, session end) or when nothing moves for too long, and closes
// the data connection before reporting, so the 226 can follow the close (RFC 959).
import { pipeline } from "node:stream/promises";
import type { Readable, Transform, Writable } from "node:stream";
import type { Connection } from "../../network.js";

export type TransferOutcome =
  | { readonly status: "ok"; readonly bytes: number }
  | { readonly status: "aborted"; readonly bytes: number }
  | { readonly status: "failed"; readonly bytes: number; readonly side: "data" | "file" | "stall"; readonly error: Error };

export interface Transfer {
  readonly done: Promise<TransferOutcome>;
  /** Bytes moved so far (STAT during a transfer). */
  readonly bytes: number;
  abort(): void;
}

interface Plan {
  readonly source: Readable;
  readonly transform?: Transform | undefined;
  readonly sink: Writable;
  /** The stream whose 'data' events count as progress. */
  readonly counted: Readable;
  readonly connection: Connection;
  readonly sending: boolean;
  readonly stallMs: number;
  readonly onProgress?: (() => void) | undefined;
}

class Run implements Transfer {
  bytes = 0;
  readonly done: Promise<TransferOutcome>;
  private readonly controller = new AbortController();
  private reason: "abort" | "stall" | undefined;
  private lastActivity = Date.now();
  private timer: NodeJS.Timeout | undefined;
  private failedSide: "data" | "file" | undefined;

  constructor(private readonly plan: Plan) {
    plan.counted.on("data", (chunk: Buffer) => {
      this.bytes += chunk.length;
      this.lastActivity = Date.now();
      plan.onProgress?.();
    });
    plan.connection.stream.once("error", () => (this.failedSide ??= "data"));
    const fileSide = plan.sending ? plan.source : plan.sink;
    fileSide.once("error", () => (this.failedSide ??= "file"));
    this.armStallTimer(plan.stallMs);
    this.done = this.run();
  }

  abort(): void {
    if (this.reason) return;
    this.reason = "abort";
    this.controller.abort();
  }

  private armStallTimer(ms: number): void {
    this.timer = setTimeout(() => {
      const idle = Date.now() - this.lastActivity;
      if (idle >= this.plan.stallMs) {
        this.reason ??= "stall";
        this.controller.abort();
      } else {
        this.armStallTimer(this.plan.stallMs - idle);
      }
    }, ms);
    this.timer.unref();
  }

  private async run(): Promise<TransferOutcome> {
    const { source, transform, sink, connection } = this.plan;
    const stages: Array<Readable | Writable | Transform> = transform ? [source, transform, sink] : [source, sink];
    try {
      await pipeline(stages as [Readable, ...Writable[]], { signal: this.controller.signal });
      if (this.plan.sending) closeAfterSend(connection, this.plan.stallMs);
      else connection.stream.destroy();
      return { status: "ok", bytes: this.bytes };
    } catch (err) {
      connection.stream.destroy();
      source.destroy();
      sink.destroy();
      if (this.reason === "abort") return { status: "aborted", bytes: this.bytes };
      if (this.reason === "stall") {
        return { status: "failed", bytes: this.bytes, side: "stall", error: new Error(`no data moved for ${this.plan.stallMs} ms`) };
      }
      return { status: "failed", bytes: this.bytes, side: this.failedSide ?? "data", error: err as Error };
    } finally {
      clearTimeout(this.timer);
    }
  }
}

/**
 * pipeline() has ended our side: every byte and our FIN are with the transport, so the client
 * sees the data connection close before the 226 that follows (the order vsftpd keeps, and the
 * one NetX's client needs). The socket itself goes when the peer closes its side, or after
 * `timeoutMs`; not destroying it at once avoids a RST that could cut off data still in flight.
 */
function closeAfterSend(connection: Connection, timeoutMs: number): void {
  const stream = connection.stream;
  if (stream.destroyed) return;
  const timer = setTimeout(() => stream.destroy(), timeoutMs);
  timer.unref();
  stream.once("close", () => clearTimeout(timer));
  stream.on("error", () => undefined);
  // Reading is what notices the peer's FIN; anything it sends now is discarded.
  stream.resume();
}

export function sendTo(
  connection: Connection,
  source: Readable,
  options: { stallMs: number; transform?: Transform | undefined; onProgress?: () => void },
): Transfer {
  return new Run({ source, sink: connection.stream, counted: source, connection, sending: true, ...options });
}

export function receiveFrom(
  connection: Connection,
  sink: Writable,
  options: { stallMs: number; transform?: Transform | undefined; onProgress?: () => void },
): Transfer {
  return new Run({ source: connection.stream, sink, counted: connection.stream, connection, sending: false, ...options });
}
