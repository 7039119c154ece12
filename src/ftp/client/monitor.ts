// Watches a running transfer from a timer instead of per chunk: counts bytes (the only
// per-chunk work), reports progress at most every 100 ms, and declares a stall when
// no byte moved for dataTimeoutMs while we were waiting on the peer. A slow local
// consumer or producer is not a stalled server.

export interface TransferProgress {
  readonly bytes: number;
  /** Expected total when known (upload of a file, or a size in the 150 reply). */
  readonly total?: number;
  readonly elapsedMs: number;
}

export const PROGRESS_INTERVAL_MS = 100;

export interface MonitorOptions {
  readonly startedAt: number;
  readonly total?: number;
  readonly stallMs: number;
  readonly onProgress?: (p: TransferProgress) => void;
  /** True while the transfer is waiting for the peer (not held back by the local side). */
  readonly waitingOnPeer: () => boolean;
  readonly onStall: () => void;
}

export class TransferMonitor {
  bytes = 0;
  private lastBytes = 0;
  private lastMoved: number;
  private lastReport = 0;
  private reportedBytes = -1;
  private readonly timer: NodeJS.Timeout;

  constructor(private readonly options: MonitorOptions) {
    this.lastMoved = performance.now();
    const tick = Math.max(5, Math.min(PROGRESS_INTERVAL_MS, options.stallMs / 4));
    this.timer = setInterval(() => this.tick(), tick);
  }

  /** Stops the timer (stall watch and periodic reports); idempotent. */
  stop(): void {
    clearInterval(this.timer);
  }

  /** The one report at the end of a successful transfer. */
  finish(): void {
    this.stop();
    this.report(performance.now());
  }

  private tick(): void {
    const now = performance.now();
    if (this.bytes !== this.lastBytes || !this.options.waitingOnPeer()) {
      this.lastBytes = this.bytes;
      this.lastMoved = now;
    } else if (now - this.lastMoved >= this.options.stallMs) {
      clearInterval(this.timer);
      this.options.onStall();
      return;
    }
    if (now - this.lastReport >= PROGRESS_INTERVAL_MS && this.bytes !== this.reportedBytes) this.report(now);
  }

  private report(now: number): void {
    const cb = this.options.onProgress;
    if (!cb) return;
    this.lastReport = now;
    this.reportedBytes = this.bytes;
    const p: TransferProgress = {
      bytes: this.bytes,
      elapsedMs: now - this.options.startedAt,
      ...(this.options.total !== undefined ? { total: this.options.total } : {}),
    };
    try {
      cb(p);
    } catch {
      // The callback runs from a timer, where a throw would be uncaught and end the
      // process; a broken progress display must not break the transfer.
    }
  }
}
