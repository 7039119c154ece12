// A raw FTP control connection for tests: send exact bytes, read replies one at a time.
// It is how hostile input (split lines, junk, NUL, overlong lines) reaches a server without a
// well-behaved client in between.
import * as net from "node:net";
import { ReplyParser, type Reply } from "../ftp/protocol/index.js";

export class RawControl {
  private readonly parser = new ReplyParser();
  private readonly queue: Reply[] = [];
  private waiting: { resolve(r: Reply): void; reject(e: Error): void } | undefined;
  private ended: Error | undefined;

  private constructor(readonly socket: net.Socket) {
    socket.setNoDelay(true);
    socket.on("data", (chunk: Buffer) => {
      try {
        for (const r of this.parser.push(chunk)) this.deliver(r);
      } catch (err) {
        this.fail(err as Error);
      }
    });
    socket.on("error", (err) => this.fail(err));
    socket.on("close", () => this.fail(new Error("control connection closed")));
  }

  static connect(port: number, host = "127.0.0.1", localAddress?: string): Promise<RawControl> {
    return new Promise((resolve, reject) => {
      const socket = net.connect({ port, host, ...(localAddress ? { localAddress } : {}) });
      socket.once("connect", () => resolve(new RawControl(socket)));
      socket.once("error", reject);
    });
  }

  /** Connect, read the greeting, log in. */
  static async login(port: number, user: string, password: string, host = "127.0.0.1"): Promise<RawControl> {
    const c = await RawControl.connect(port, host);
    await c.next();
    const u = await c.cmd(`USER ${user}`);
    if (u.code === 331) {
      const p = await c.cmd(`PASS ${password}`);
      if (p.code !== 230) throw new Error(`login failed: ${p.code} ${p.text}`);
    }
    return c;
  }

  /** Write raw bytes as they are (no CRLF added). */
  write(data: string | Buffer): void {
    this.socket.write(data);
  }

  /** The next reply, or an error after `timeoutMs`. */
  next(timeoutMs = 10_000): Promise<Reply> {
    const r = this.queue.shift();
    if (r) return Promise.resolve(r);
    if (this.ended) return Promise.reject(this.ended);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiting = undefined;
        reject(new Error(`no reply within ${timeoutMs} ms`));
      }, timeoutMs);
      this.waiting = {
        resolve: (x) => {
          clearTimeout(timer);
          resolve(x);
        },
        reject: (e) => {
          clearTimeout(timer);
          reject(e);
        },
      };
    });
  }

  /** Send one command line (CRLF added) and read its reply. */
  async cmd(line: string, timeoutMs?: number): Promise<Reply> {
    this.write(`${line}\r\n`);
    return this.next(timeoutMs);
  }

  /** Resolves when the server closes the connection. */
  closed(timeoutMs = 10_000): Promise<void> {
    if (this.socket.destroyed || this.socket.readableEnded) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error("connection still open")), timeoutMs);
      this.socket.once("close", () => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  close(): void {
    this.socket.destroy();
  }

  private deliver(r: Reply): void {
    const w = this.waiting;
    if (w) {
      this.waiting = undefined;
      w.resolve(r);
    } else this.queue.push(r);
  }

  private fail(err: Error): void {
    this.ended ??= err;
    const w = this.waiting;
    this.waiting = undefined;
    w?.reject(err);
  }
}

/** Open the passive data connection a 227/229 reply names, on the control's host. */
export function dataConnect(port: number, host = "127.0.0.1", localAddress?: string): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const s = net.connect({ port, host, ...(localAddress ? { localAddress } : {}) });
    s.once("connect", () => resolve(s));
    s.once("error", reject);
  });
}

/** Read a socket to its end. */
export function readAll(socket: net.Socket): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    socket.on("data", (c: Buffer) => chunks.push(c));
    socket.once("end", () => resolve(Buffer.concat(chunks)));
    socket.once("error", reject);
  });
}
