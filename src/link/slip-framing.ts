// SlipFraming: a FrameLink made of a ByteLink and the SLIP codec. Sending encodes each frame
// straight into a shared output slab; the frames sent in one synchronous burst (a window's worth
// from the stack) go to the byte link as one write at the end of the current job (a microtask),
// or at once past BATCH bytes. One write per burst instead of one per frame is what lets an
// in-memory link carry more than 1 Gbit/s; a UART or socket sees the same bytes in the same order.
// Backpressure is the byte link's: a burst that would fill its buffer is written at once, and
// send() says what that write said. Bytes read are decoded as they come (in place: the chunks a
// byte link reads are ours), and every complete frame is emitted as 'frame'. Inbound has no
// backpressure, like a NIC: the stack above drops what it cannot take.
import { EventEmitter } from "node:events";
import { linkErrorFrom } from "./errors.js";
import { emptyStats, type ByteLink, type FrameLink, type FrameLinkEvents, type LinkStats } from "./frame-link.js";
import { END, SlipDecoder, escapeSlipInto, slipEncodedBound } from "./slip-codec.js";

export interface SlipFramingOptions {
  /** Largest frame accepted, bytes: the MTU plus some slack (default 1500 + 100). */
  readonly maxFrame?: number;
  /** Used in error messages and FrameLink.name (default "link"). */
  readonly name?: string;
  /** How long close() waits for written bytes to drain before it destroys the link (default 2000 ms). */
  readonly closeTimeoutMs?: number;
}

export const DEFAULT_MAX_FRAME = 1600;
/** Encoded bytes gathered before they are written without waiting for the end of the burst. */
const BATCH = 64 * 1024;
/** Output memory is taken in slabs of this size; written bytes belong to the byte link from then on. */
const OUT_SLAB = 64 * 1024;
const NO_SLAB = Buffer.alloc(0);

export class SlipFraming extends EventEmitter<FrameLinkEvents> implements FrameLink {
  readonly name: string;
  private readonly counters = emptyStats();
  private readonly decoder: SlipDecoder;
  private readonly closeTimeoutMs: number;
  private closed = false;
  private closing: Promise<void> | undefined;
  private out: Buffer = NO_SLAB;
  /** out[outStart, outEnd) is encoded and not yet written. */
  private outStart = 0;
  private outEnd = 0;
  private flushQueued = false;
  private readonly flushBound = (): void => {
    this.flushQueued = false;
    this.flush();
  };

  constructor(
    private readonly link: ByteLink,
    options: SlipFramingOptions = {},
  ) {
    super();
    this.name = options.name ?? "link";
    this.closeTimeoutMs = options.closeTimeoutMs ?? 2000;
    // The chunks a byte link reads are ours, as a socket's reads are: unescape them in place.
    this.decoder = new SlipDecoder(
      options.maxFrame ?? DEFAULT_MAX_FRAME,
      (frame) => {
        this.counters.framesIn++;
        this.counters.bytesIn += frame.length;
        this.emit("frame", frame);
      },
      { inPlace: true },
    );
    link.on("data", (chunk: Buffer) => {
      this.counters.wireBytesIn += chunk.length;
      this.decoder.push(chunk);
    });
    link.on("drain", () => this.emit("drain"));
    link.on("error", (err: unknown) => this.emit("error", linkErrorFrom(this.name, err)));
    link.on("close", () => this.markClosed());
  }

  get stats(): LinkStats {
    return { ...this.counters, oversize: this.decoder.oversize, badEscape: this.decoder.badEscape };
  }

  send(frame: Buffer): boolean {
    return this.sendPieces(frame, NO_SLAB);
  }

  /** One frame made of head + body, encoded at once: both buffers are free again on return. */
  sendPieces(head: Buffer, body: Buffer): boolean {
    if (this.closed || this.closing || !this.link.writable) {
      this.counters.afterClose++;
      return true;
    }
    const length = head.length + body.length;
    const bound = slipEncodedBound(length);
    if (this.out.length - this.outEnd < bound) {
      this.flush();
      this.out = Buffer.allocUnsafeSlow(Math.max(OUT_SLAB, bound));
      this.outStart = this.outEnd = 0;
    }
    const out = this.out;
    const start = this.outEnd;
    out[start] = END;
    let o = escapeSlipInto(head, out, start + 1);
    if (body.length > 0) o = escapeSlipInto(body, out, o);
    out[o++] = END;
    this.outEnd = o;
    this.counters.framesOut++;
    this.counters.bytesOut += length;
    this.counters.wireBytesOut += o - start;
    // Written now once the batch would fill the byte link's buffer: false is only returned when
    // a real write said so, because only then does 'drain' follow. (A net.Socket write that the
    // kernel takes at once returns true even past the high-water mark, and emits no 'drain'.)
    const link = this.link;
    const pending = o - this.outStart;
    if (pending >= BATCH || link.writableLength + pending >= link.writableHighWaterMark) this.flush();
    else if (!this.flushQueued) {
      this.flushQueued = true;
      queueMicrotask(this.flushBound);
    }
    return !link.writableNeedDrain;
  }

  /** Writes what was encoded and not yet written, as one chunk. */
  private flush(): void {
    if (this.outEnd === this.outStart) return;
    const chunk = this.out.subarray(this.outStart, this.outEnd);
    this.outStart = this.outEnd;
    if (this.link.writable) this.link.write(chunk);
  }

  close(): Promise<void> {
    this.closing ??= this.shutDown();
    return this.closing;
  }

  private async shutDown(): Promise<void> {
    const link = this.link;
    this.flush();
    if (!link.destroyed && link.writable) {
      await new Promise<void>((resolve) => {
        const done = (): void => {
          clearTimeout(timer);
          link.off("finish", done);
          link.off("close", done);
          link.off("error", done);
          resolve();
        };
        const timer = setTimeout(done, this.closeTimeoutMs);
        link.once("finish", done);
        link.once("close", done);
        link.once("error", done);
        link.end();
      });
    }
    if (!link.destroyed) link.destroy();
    if (!link.closed) await new Promise<void>((resolve) => link.once("close", () => resolve()));
    this.markClosed();
  }

  private markClosed(): void {
    if (this.closed) return;
    this.closed = true;
    this.emit("close");
  }
}
