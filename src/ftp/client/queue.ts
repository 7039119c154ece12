// Runs one client's operations one after another: FTP has one conversation per
// control connection, so a second call waits for its turn instead of failing.
import { abortError } from "./errors.js";

export class TaskQueue {
  private busy = false;
  private readonly waiting: Array<() => void> = [];

  /** Runs `task` once every earlier task has settled. An abort while still waiting rejects at once. */
  async run<T>(task: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    await this.acquire(signal);
    try {
      return await task();
    } finally {
      this.release();
    }
  }

  /** Number of tasks waiting (not counting the running one). */
  get length(): number {
    return this.waiting.length;
  }

  private acquire(signal: AbortSignal | undefined): Promise<void> {
    if (signal?.aborted) return Promise.reject(abortError(signal));
    if (!this.busy) {
      this.busy = true;
      return Promise.resolve();
    }
    return new Promise((resolve, reject) => {
      const onAbort = (): void => {
        const i = this.waiting.indexOf(start);
        if (i >= 0) this.waiting.splice(i, 1);
        reject(abortError(signal as AbortSignal));
      };
      const start = (): void => {
        signal?.removeEventListener("abort", onAbort);
        resolve();
      };
      signal?.addEventListener("abort", onAbort, { once: true });
      this.waiting.push(start);
    });
  }

  private release(): void {
    const next = this.waiting.shift();
    // Hand the slot straight to the next task: `busy` stays true.
    if (next) next();
    else this.busy = false;
  }
}
