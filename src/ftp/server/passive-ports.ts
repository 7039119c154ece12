// Hands out passive-mode listeners from a configured port range, server-wide, walking the
// range like NetX's port counter so consecutive PASVs do not fight over one port.
import type { Connection, Listener, Network } from "../../network.js";

export class PassivePorts {
  private next: number;

  constructor(
    private readonly network: Network,
    private readonly range: { readonly min: number; readonly max: number } | undefined,
  ) {
    if (range && (range.min < 1 || range.max > 65535 || range.min > range.max)) {
      throw new RangeError(`passive port range ${range.min}-${range.max} is not within 1-65535`);
    }
    this.next = range?.min ?? 0;
  }

  /** Listen on `host` at the next free port of the range (any free port without a range). */
  async open(host: string, onConnection: (c: Connection) => void): Promise<Listener> {
    if (!this.range) return this.network.listen({ host, port: 0, backlog: 4 }, onConnection);
    const { min, max } = this.range;
    const span = max - min + 1;
    let lastError: unknown;
    for (let i = 0; i < span; i++) {
      const port = this.next;
      this.next = port >= max ? min : port + 1;
      try {
        return await this.network.listen({ host, port, backlog: 4 }, onConnection);
      } catch (err) {
        lastError = err;
      }
    }
    throw lastError instanceof Error ? lastError : new Error("no free passive port");
  }
}
