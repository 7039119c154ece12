// linkPair(): two in-memory ByteLinks wired back to back, for tests and benchmarks. Like a
// socket pair: bytes written on one end are read on the other, a write completes only when the
// reader's buffer has room (backpressure), delivery is asynchronous (never inside write(), so a
// stack answering a packet cannot re-enter its peer), and ending one side ends the other's read.
// Delivery is a process.nextTick, not a microtask: two stacks answering each other through
// microtasks starve the nextTick queue, where Node streams do their work, so the file a server
// sends was read only once the whole send buffer had drained (bench/tunnel.mjs unshaped: about
// 8% more goodput with nextTick; setImmediate, one event-loop turn per delivery, was slower still).
import { Duplex } from "node:stream";
import type { ByteLink } from "./frame-link.js";

export interface LinkPairOptions {
  /** Readable and writable buffer size of each end, bytes (default 64 KiB). */
  readonly highWaterMark?: number;
}

class PairEnd extends Duplex {
  peer!: PairEnd;
  /** The peer's write waiting for room in our read buffer. */
  private blockedWrite: (() => void) | undefined;
  private eofSent = false;

  constructor(highWaterMark: number) {
    super({ allowHalfOpen: false, highWaterMark });
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    process.nextTick(() => this.deliver([chunk], callback));
  }

  override _writev(chunks: { chunk: Buffer }[], callback: (error?: Error | null) => void): void {
    const list = chunks.map((c) => c.chunk);
    process.nextTick(() => this.deliver(list, callback));
  }

  private deliver(chunks: Buffer[], callback: () => void): void {
    const peer = this.peer;
    if (peer.destroyed || peer.readableEnded || this.eofSent) {
      callback(); // the reader is gone: like a socket whose peer closed, the bytes are lost
      return;
    }
    let room = true;
    for (const chunk of chunks) room = peer.push(chunk);
    if (room) callback();
    else peer.blockedWrite = callback;
  }

  override _read(): void {
    const release = this.blockedWrite;
    this.blockedWrite = undefined;
    release?.();
  }

  override _final(callback: (error?: Error | null) => void): void {
    // _final follows the last write's callback, which comes from its delivery: EOF follows the data.
    queueMicrotask(() => {
      this.sendEof();
      callback();
    });
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    this.sendEof();
    const release = this.blockedWrite;
    this.blockedWrite = undefined;
    release?.();
    callback(error);
  }

  private sendEof(): void {
    if (this.eofSent) return;
    this.eofSent = true;
    if (!this.peer.destroyed) this.peer.push(null);
  }
}

/** Two connected in-memory ByteLinks. */
export function linkPair(options: LinkPairOptions = {}): [ByteLink, ByteLink] {
  const hwm = options.highWaterMark ?? 64 * 1024;
  const a = new PairEnd(hwm);
  const b = new PairEnd(hwm);
  a.peer = b;
  b.peer = a;
  return [a, b];
}
