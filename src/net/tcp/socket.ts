// TcpSocket: a Node Duplex over one TcpConnection, so stream code (pipeline, the
// FTP sessions) uses the user-space stack like a net.Socket. Backpressure both ways:
// _write completes only when the connection took every byte, and the advertised
// window shrinks while the application leaves data unread in the readable buffer.
// The socket knows nothing of IP or ports: the owner wires onSegment to the
// interface and feeds arriving segments to `connection.handle()`.
// Chunks of 4 KiB or more are sent from the writer's memory until acknowledged (no
// copy, see send-buffer.ts): as with any Node stream, a written Buffer is the
// stream's; do not change it afterwards.
import { Duplex } from "node:stream";
import { TcpConnection } from "./connection.js";
import { TcpError } from "./errors.js";
import type { TcpSegment } from "../wire/tcp.js";
import type { Clock, OutSegment, TcpCloseReason, TcpConfig, TcpEvents } from "./types.js";

export interface TcpSocketOptions {
  /** Transmit a segment (the owner adds ports and addresses). */
  onSegment(seg: OutSegment): void;
  /** The connection is fully gone (after TIME-WAIT for the active closer): the owner forgets it. */
  onClosed?(reason: TcpCloseReason): void;
  /** The socket drove the connection for the application (write, read, end, destroy): its deadline may have moved. */
  onActivity?(): void;
  /** As in node:net: false (default) ends our side when the peer's FIN arrives. */
  allowHalfOpen?: boolean;
  writableHighWaterMark?: number;
}

export class TcpSocket extends Duplex {
  private conn!: TcpConnection;
  private pushed = 0;
  private reported = 0;
  private pendingChunk: Buffer | undefined;
  private pendingCb: ((err?: Error | null) => void) | undefined;
  private finalCb: ((err?: Error | null) => void) | undefined;
  private finAcked = false;
  private _established = false;

  private constructor(
    config: TcpConfig,
    private readonly opts: TcpSocketOptions,
  ) {
    super({
      allowHalfOpen: opts.allowHalfOpen ?? false,
      // At least the receive window, so every read below it reaches _read and reports consumption.
      readableHighWaterMark: Math.max(16 * 1024, config.receiveWindow),
      writableHighWaterMark: opts.writableHighWaterMark ?? 64 * 1024,
    });
  }

  /** Active open: the SYN goes out through options.onSegment before this returns. 'connect' follows. */
  static connect(config: TcpConfig, clock: Clock, isn: number, options: TcpSocketOptions): TcpSocket {
    const s = new TcpSocket(config, options);
    s.conn = TcpConnection.connect(config, clock, s.events(), isn);
    return s;
  }

  /** Passive open from a SYN the listener got: the SYN-ACK goes out at once. 'connect' follows the handshake. */
  static accept(config: TcpConfig, clock: Clock, syn: TcpSegment, isn: number, options: TcpSocketOptions): TcpSocket {
    const s = new TcpSocket(config, options);
    s.conn = TcpConnection.accept(config, clock, s.events(), syn, isn);
    return s;
  }

  /** The state machine: the owner calls handle(), tick() and nextDeadline() on it. */
  get connection(): TcpConnection {
    return this.conn;
  }

  /** One TCP keep-alive now: a peer that lost the connection answers RST and this socket fails with ECONNRESET. */
  probe(): void {
    if (!this.destroyed) this.conn.keepAlive();
  }

  /** The handshake completed ('connect' was emitted). */
  get established(): boolean {
    return this._established;
  }

  override _write(chunk: Buffer, _enc: BufferEncoding, cb: (err?: Error | null) => void): void {
    if (this.conn.state === "CLOSED") {
      cb(new TcpError("ECONNRESET", "write on a closed TCP connection"));
      return;
    }
    const n = this.conn.write(chunk);
    if (n === chunk.length) cb();
    else {
      this.pendingChunk = chunk.subarray(n);
      this.pendingCb = cb;
    }
    this.activity();
  }

  override _final(cb: (err?: Error | null) => void): void {
    // 'finish' waits until the peer acknowledged everything, FIN included.
    if (this.finAcked || this.conn.state === "CLOSED") {
      cb();
      return;
    }
    this.finalCb = cb;
    this.conn.close();
    this.activity();
  }

  override _read(): void {
    this.reportConsumed();
  }

  // Every way the application takes data (read(), 'data' in flowing mode, pipe, async
  // iteration) goes through read(); _read alone is not enough: Node stops calling it
  // while a _read is "pending", and at a zero window no push would ever end that.
  override read(size?: number): Buffer | string | null {
    const chunk = super.read(size) as Buffer | string | null;
    this.reportConsumed();
    return chunk;
  }

  override _destroy(err: Error | null, cb: (err?: Error | null) => void): void {
    const st = this.conn.state;
    if (st !== "CLOSED" && st !== "TIME-WAIT") {
      this.conn.abort();
      this.activity();
    }
    this.pendingChunk = undefined;
    this.pendingCb = undefined;
    this.finalCb = undefined;
    cb(err);
  }

  private events(): TcpEvents {
    return {
      onSegment: (seg) => this.opts.onSegment(seg),
      onData: (data) => {
        this.pushed += data.length;
        if (this.destroyed || this.readableEnded) {
          this.reported += data.length;
          this.conn.consumed(data.length);
          return;
        }
        this.push(data);
        this.reportConsumed();
      },
      onEstablished: () => {
        this._established = true;
        this.emit("connect");
      },
      onRemoteClose: () => {
        if (this.destroyed) return;
        this.push(null);
        // As net.Socket does: a paused socket with nothing buffered still ends now. Without it
        // 'end' waits for a read() that a pipe whose destination finished never makes.
        this.read(0);
      },
      onWritable: () => this.retryWrite(),
      onFinAcked: () => {
        this.finAcked = true;
        const cb = this.finalCb;
        this.finalCb = undefined;
        cb?.();
      },
      onClosed: (reason) => {
        this.opts.onClosed?.(reason);
        if (this.destroyed) return;
        if (reason === "reset") {
          this.destroy(
            this._established
              ? new TcpError("ECONNRESET", "connection reset by peer")
              : new TcpError("ECONNREFUSED", "connection refused"),
          );
        } else if (reason === "timeout") {
          this.destroy(new TcpError("ETIMEDOUT", this._established ? "connection timed out" : "connect timed out"));
        } else if (reason === "aborted") {
          this.destroy();
        } else if (!this.readableEnded) {
          this.push(null);
        }
      },
    };
  }

  private retryWrite(): void {
    const chunk = this.pendingChunk;
    if (chunk === undefined) return;
    const n = this.conn.write(chunk);
    if (n === chunk.length) {
      const cb = this.pendingCb;
      this.pendingChunk = undefined;
      this.pendingCb = undefined;
      cb?.();
    } else {
      this.pendingChunk = chunk.subarray(n);
    }
  }

  /** Bytes pushed that left the readable buffer are consumed: they may reopen the window. */
  private reportConsumed(): void {
    const taken = this.pushed - this.readableLength - this.reported;
    if (taken <= 0) return;
    this.reported += taken;
    this.conn.consumed(taken);
    this.activity();
  }

  private activity(): void {
    this.opts.onActivity?.();
  }
}
