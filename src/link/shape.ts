// shape(): makes any FrameLink behave like a UART at a given baud rate, for links that do not
// throttle by themselves (QEMU's USART, linkPair). Each direction is one serial line: a frame
// occupies it for bitsPerByte × (encoded length) / baud seconds, frames queue behind each other,
// and a frame reaches the other side only when its last byte would have (plus a fixed latency).
import { systemClock, type Clock, type Timer } from "./clock.js";
import { FrameLinkDecorator } from "./decorator.js";
import type { FrameLink } from "./frame-link.js";
import { slipEncodedLength } from "./slip-codec.js";

export interface ShapeOptions {
  readonly baud: number;
  /** Added to every frame's arrival, ms (default 0). */
  readonly latencyMs?: number;
  /** Bits on the line per byte: start + 8 data + stop = 10 (default). */
  readonly bitsPerByte?: number;
  /** Bytes a frame occupies on the line (default: its SLIP encoding, escapes and ENDs included). */
  readonly wireLength?: (frame: Buffer) => number;
  /** Outbound payload bytes waiting for the line before send() returns false (default 8 KiB). */
  readonly highWaterMark?: number;
  readonly clock?: Clock;
}

interface Queued {
  readonly frame: Buffer;
  readonly at: number;
}

/** One direction of the line: a FIFO of frames with the time each one has fully arrived. */
class Line {
  private readonly queue: Queued[] = [];
  private busyUntil = -Infinity;
  private timer: Timer | undefined;
  private delivering = false;
  /** Payload bytes queued. */
  bytes = 0;

  constructor(
    private readonly clock: Clock,
    private readonly msPerByte: number,
    private readonly latencyMs: number,
    private readonly wireLength: (frame: Buffer) => number,
    private readonly deliver: (frame: Buffer) => void,
  ) {}

  add(frame: Buffer): void {
    const now = this.clock.now();
    const start = Math.max(now, this.busyUntil);
    this.busyUntil = start + this.wireLength(frame) * this.msPerByte;
    this.queue.push({ frame, at: this.busyUntil + this.latencyMs });
    this.bytes += frame.length;
    if (this.timer === undefined && !this.delivering) this.timer = this.schedule(now);
  }

  stop(): void {
    this.timer?.cancel();
    this.timer = undefined;
    this.queue.length = 0;
    this.bytes = 0;
  }

  private schedule(now: number): Timer | undefined {
    const head = this.queue[0];
    return head ? this.clock.setTimeout(() => this.due(), head.at - now) : undefined;
  }

  private due(): void {
    this.timer = undefined;
    // A delivery can come back here (drain -> send -> add): add() must not schedule meanwhile.
    this.delivering = true;
    try {
      for (;;) {
        const head = this.queue[0];
        // 1 µs of tolerance: a real timer may land a hair before a fractional due time.
        if (!head || head.at > this.clock.now() + 0.001) break;
        this.queue.shift();
        this.bytes -= head.frame.length;
        this.deliver(head.frame);
      }
    } finally {
      this.delivering = false;
    }
    this.timer = this.schedule(this.clock.now());
  }
}

class Shaper extends FrameLinkDecorator {
  private readonly out: Line;
  private readonly in: Line;
  private readonly highWaterMark: number;
  private needDrain = false;
  private afterClose = 0;

  constructor(inner: FrameLink, options: ShapeOptions) {
    super(inner);
    const { baud } = options;
    const latency = options.latencyMs ?? 0;
    const clock = options.clock ?? systemClock;
    const msPerByte = ((options.bitsPerByte ?? 10) * 1000) / baud;
    const wireLength = options.wireLength ?? slipEncodedLength;
    this.highWaterMark = options.highWaterMark ?? 8192;
    this.out = new Line(clock, msPerByte, latency, wireLength, (frame) => {
      this.inner.send(frame);
      if (this.needDrain && this.out.bytes < this.highWaterMark) {
        this.needDrain = false;
        this.emit("drain");
      }
    });
    this.in = new Line(clock, msPerByte, latency, wireLength, (frame) => this.emit("frame", frame));
  }

  override send(frame: Buffer): boolean {
    if (this.isClosed) {
      this.afterClose++;
      return true;
    }
    this.out.add(frame);
    if (this.out.bytes < this.highWaterMark) return true;
    this.needDrain = true;
    return false;
  }

  protected override receive(frame: Buffer): void {
    this.in.add(frame);
  }

  protected override ownStats(): { afterClose: number } {
    return { afterClose: this.afterClose };
  }

  // The inner link is far faster than the line being emulated; its own drain says nothing here.
  protected override onInnerDrain(): void {}

  protected override stop(): void {
    this.out.stop();
    this.in.stop();
  }
}

/** Wraps a FrameLink so each direction runs at `baud` (10 bits per byte of the encoded frame). */
export function shape(link: FrameLink, options: ShapeOptions): FrameLink {
  const { baud, latencyMs = 0, bitsPerByte = 10 } = options;
  if (!(baud > 0) || !Number.isFinite(baud)) throw new RangeError(`shape: baud must be a positive number, got ${baud}`);
  if (!(latencyMs >= 0) || !Number.isFinite(latencyMs)) throw new RangeError(`shape: latencyMs must be >= 0, got ${latencyMs}`);
  if (!(bitsPerByte > 0)) throw new RangeError(`shape: bitsPerByte must be positive, got ${bitsPerByte}`);
  return new Shaper(link, options);
}
