// One session's data-connection setup: a passive listener (PASV/EPSV) that accepts only the
// control peer, or an active target (PORT/EPRT) dialled from port 20 when that can be bound.
// The transfer asks for a connection with `take()` and owns it from then on.
import type { Connection, Endpoint, Listener, Network } from "../../network.js";
import type { PassivePorts } from "./passive-ports.js";

export class DataConnectError extends Error {
  override readonly name = "DataConnectError";
}

/** Whether binding port 20 may work; cleared server-wide the first time the OS refuses it. */
const port20 = { usable: true };

interface Waiter {
  resolve(c: Connection): void;
  reject(e: Error): void;
}

export class DataChannel {
  private listener: Listener | undefined;
  private pending: Connection | undefined;
  private waiter: Waiter | undefined;
  private active: { host: string; port: number } | undefined;
  /** Bumped on every new setup so a late accept from an abandoned listener is dropped. */
  private generation = 0;

  constructor(
    private readonly network: Network,
    private readonly ports: PassivePorts,
    private readonly control: { readonly local: Endpoint; readonly remote: Endpoint },
    private readonly onForeign: (from: Endpoint) => void,
  ) {}

  get configured(): boolean {
    return this.listener !== undefined || this.pending !== undefined || this.active !== undefined;
  }

  /** Start listening for the client; returns the local port to advertise. */
  async listenPassive(): Promise<number> {
    this.reset();
    const generation = this.generation;
    const listener = await this.ports.open(this.control.local.address, (c) => this.accepted(c, generation));
    if (generation !== this.generation) {
      // reset() ran while we were opening (session closed or another PASV): do not leak it.
      void listener.close();
      throw new DataConnectError("passive setup superseded");
    }
    this.listener = listener;
    return listener.local.port;
  }

  setActive(host: string, port: number): void {
    this.reset();
    this.active = { host, port };
  }

  /** The data connection for one transfer, waiting at most `timeoutMs`. Consumes the setup. */
  async take(timeoutMs: number): Promise<Connection> {
    if (this.active) {
      const target = this.active;
      this.active = undefined;
      return this.dial(target, timeoutMs);
    }
    if (this.pending) {
      const c = this.pending;
      this.pending = undefined;
      this.closeListener();
      return c;
    }
    if (!this.listener) throw new DataConnectError("Use PORT, EPRT, PASV or EPSV first");
    return new Promise<Connection>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiter = undefined;
        this.reset();
        reject(new DataConnectError(`no data connection within ${timeoutMs} ms`));
      }, timeoutMs);
      this.waiter = {
        resolve: (c) => {
          clearTimeout(timer);
          resolve(c);
        },
        reject: (e) => {
          clearTimeout(timer);
          reject(e);
        },
      };
    });
  }

  /** Drop any setup: listener, unclaimed connection, waiting transfer. */
  reset(): void {
    this.generation++;
    this.active = undefined;
    this.closeListener();
    this.pending?.stream.destroy();
    this.pending = undefined;
    const w = this.waiter;
    this.waiter = undefined;
    w?.reject(new DataConnectError("data connection setup cancelled"));
  }

  private accepted(c: Connection, generation: number): void {
    if (generation !== this.generation || c.remote.address !== this.control.remote.address) {
      if (c.remote.address !== this.control.remote.address) this.onForeign(c.remote);
      c.stream.destroy();
      return;
    }
    this.closeListener();
    const w = this.waiter;
    if (w) {
      this.waiter = undefined;
      w.resolve(c);
      return;
    }
    if (this.pending) {
      c.stream.destroy();
      return;
    }
    // The client connected before sending the transfer command: hold it, and notice if it goes.
    this.pending = c;
    c.stream.once("close", () => {
      if (this.pending === c) this.pending = undefined;
    });
    c.stream.on("error", () => undefined);
  }

  private closeListener(): void {
    const l = this.listener;
    this.listener = undefined;
    if (l) void l.close();
  }

  private async dial(target: { host: string; port: number }, timeoutMs: number): Promise<Connection> {
    const base = { host: target.host, port: target.port, localAddress: this.control.local.address, timeoutMs };
    if (port20.usable) {
      try {
        return await this.network.connect({ ...base, localPort: 20 });
      } catch (err) {
        const code = (err as { code?: string }).code;
        if (code === "EACCES" || code === "EPERM") port20.usable = false;
        else if (code !== "EADDRINUSE" && code !== "EADDRNOTAVAIL") throw new DataConnectError(String((err as Error).message));
      }
    }
    try {
      return await this.network.connect(base);
    } catch (err) {
      throw new DataConnectError(String((err as Error).message));
    }
  }
}
