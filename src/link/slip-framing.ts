// SlipFraming: a FrameLink made of a ByteLink and the SLIP codec. Sending encodes one frame into
// one write (backpressure is the byte link's); bytes read are decoded as they come, and every
// complete frame is emitted as 'frame'. Inbound has no backpressure, like a NIC: the stack above
// drops what it cannot take.
import { EventEmitter } from "node:events";
import { linkErrorFrom } from "./errors.js";
import { emptyStats, type ByteLink, type FrameLink, type FrameLinkEvents, type LinkStats } from "./frame-link.js";
import { SlipDecoder, encodeSlip } from "./slip-codec.js";

export interface SlipFramingOptions {
  /** Largest frame accepted, bytes: the MTU plus some slack (default 1500 + 100). */
  readonly maxFrame?: number;
  /** Used in error messages and FrameLink.name (default "link"). */
  readonly name?: string;
  /** How long close() waits for written bytes to drain before it destroys the link (default 2000 ms). */
  readonly closeTimeoutMs?: number;
}

export const DEFAULT_MAX_FRAME = 1600;

export class SlipFraming extends EventEmitter<FrameLinkEvents> implements FrameLink {
  readonly name: string;
  private readonly counters = emptyStats();
  private readonly decoder: SlipDecoder;
  private readonly closeTimeoutMs: number;
  private closed = false;
  private closing: Promise<void> | undefined;

  constructor(
    private readonly link: ByteLink,
    options: SlipFramingOptions = {},
  ) {
    super();
    this.name = options.name ?? "link";
    this.closeTimeoutMs = options.closeTimeoutMs ?? 2000;
    this.decoder = new SlipDecoder(options.maxFrame ?? DEFAULT_MAX_FRAME, (frame) => {
      this.counters.framesIn++;
      this.counters.bytesIn += frame.length;
      this.emit("frame", frame);
    });
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
    if (this.closed || this.closing || !this.link.writable) {
      this.counters.afterClose++;
      return true;
    }
    const wire = encodeSlip(frame);
    this.counters.framesOut++;
    this.counters.bytesOut += frame.length;
    this.counters.wireBytesOut += wire.length;
    return this.link.write(wire);
  }

  close(): Promise<void> {
    this.closing ??= this.shutDown();
    return this.closing;
  }

  private async shutDown(): Promise<void> {
    const link = this.link;
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
