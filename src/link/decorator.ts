// The base every decorator (shape, faults, pcapTap) builds on: a FrameLink wrapping another one.
// By default it passes everything through; a decorator overrides send() for the outbound
// direction and receive() for the inbound one, and adds its own counters to the inner stats.
import { EventEmitter } from "node:events";
import { addStats, type FrameLink, type FrameLinkEvents, type LinkStats } from "./frame-link.js";

export abstract class FrameLinkDecorator extends EventEmitter<FrameLinkEvents> implements FrameLink {
  private closedEmitted = false;
  private closing: Promise<void> | undefined;
  private stopped = false;
  private closeRun: Promise<void> | undefined;

  constructor(protected readonly inner: FrameLink) {
    super();
    inner.on("frame", (frame) => this.receive(frame));
    inner.on("drain", () => this.onInnerDrain());
    inner.on("error", (err) => this.emit("error", err));
    inner.on("close", () => this.onInnerClose());
  }

  get name(): string {
    return this.inner.name;
  }

  get stats(): LinkStats {
    return addStats(this.inner.stats, this.ownStats());
  }

  send(frame: Buffer): boolean {
    return this.inner.send(frame);
  }

  close(): Promise<void> {
    this.closing ??= this.shutDown();
    return this.closing;
  }

  /** True once close() was called or the inner link closed. */
  protected get isClosed(): boolean {
    return this.closing !== undefined || this.closedEmitted;
  }

  /** A frame from the link below, travelling up. */
  protected receive(frame: Buffer): void {
    this.emit("frame", frame);
  }

  protected ownStats(): Partial<LinkStats> {
    return {};
  }

  protected onInnerDrain(): void {
    this.emit("drain");
  }

  /** Stops timers and drops held frames; runs once, before the close propagates. */
  protected stop(): void {}

  /** Runs after the inner link has closed, before 'close' is emitted (pcapTap flushes here). */
  protected async finish(): Promise<void> {}

  private async shutDown(): Promise<void> {
    this.halt();
    await this.inner.close();
    await this.onInnerClose();
  }

  private halt(): void {
    if (this.stopped) return;
    this.stopped = true;
    this.stop();
  }

  private onInnerClose(): Promise<void> {
    this.closeRun ??= (async () => {
      this.halt();
      try {
        await this.finish();
      } catch (err) {
        // Also reached from the inner 'close' event, where a throw would be an unhandled rejection.
        if (this.listenerCount("error") > 0) this.emit("error", err instanceof Error ? err : new Error(String(err)));
      }
      this.closedEmitted = true;
      this.emit("close");
    })();
    return this.closeRun;
  }
}
