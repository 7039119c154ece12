// frameLinkPair(): two FrameLinks joined directly, frame for frame, without bytes or SLIP in
// between. For tests of what sits above a FrameLink (decorators, the IP stack), where the
// framing is not the subject. Delivery is a microtask later, like a real link, or synchronous on
// request so a test on a ManualClock sees a frame arrive the moment it is sent.
import { EventEmitter } from "node:events";
import { emptyStats, type FrameLink, type FrameLinkEvents, type LinkStats } from "./frame-link.js";

export interface FrameLinkPairOptions {
  /** Deliver inside send() instead of a microtask later (default false). */
  readonly synchronous?: boolean;
}

class MemoryFrameLink extends EventEmitter<FrameLinkEvents> implements FrameLink {
  peer!: MemoryFrameLink;
  private readonly counters = emptyStats();
  private closed = false;

  constructor(
    readonly name: string,
    private readonly synchronous: boolean,
  ) {
    super();
  }

  get stats(): LinkStats {
    return { ...this.counters };
  }

  send(frame: Buffer): boolean {
    if (this.closed) {
      this.counters.afterClose++;
      return true;
    }
    this.counters.framesOut++;
    this.counters.bytesOut += frame.length;
    if (this.synchronous) this.peer.arrive(frame);
    else queueMicrotask(() => this.peer.arrive(frame));
    return true;
  }

  close(): Promise<void> {
    this.shut();
    this.peer.shut();
    return Promise.resolve();
  }

  private arrive(frame: Buffer): void {
    if (this.closed) return;
    this.counters.framesIn++;
    this.counters.bytesIn += frame.length;
    this.emit("frame", frame);
  }

  private shut(): void {
    if (this.closed) return;
    this.closed = true;
    this.emit("close");
  }
}

export function frameLinkPair(options: FrameLinkPairOptions = {}): [FrameLink, FrameLink] {
  const sync = options.synchronous ?? false;
  const a = new MemoryFrameLink("memory-a", sync);
  const b = new MemoryFrameLink("memory-b", sync);
  a.peer = b;
  b.peer = a;
  return [a, b];
}
