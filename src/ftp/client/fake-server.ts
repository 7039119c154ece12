// Test support: a scripted fake FTP server on 127.0.0.1 / ::1 for the client's unit tests.
// A script reads commands and writes exact bytes, which is the only way to reproduce the
// wire quirks of small servers (NetX Duo: 125/250, replies split or merged, extra 220s).
import * as net from "node:net";

export interface FakeCommand {
  readonly verb: string;
  readonly arg: string;
  readonly line: string;
}

export type Script = (session: FakeSession) => Promise<void>;

/** How long the fake waits for the client before the script fails (a bound, not a measurement). */
const WAIT_MS = 5_000;

export function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function withTimeout<T>(p: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const t = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`fake server: timed out ${what}`)), WAIT_MS);
  });
  return Promise.race([p, t]).finally(() => clearTimeout(timer));
}

export class FakeFtpServer {
  /** Every chunk the control connection(s) received, as text. */
  readonly chunks: string[] = [];
  readonly sessions: FakeSession[] = [];
  private readonly results: Array<Promise<void>> = [];

  private constructor(
    private readonly server: net.Server,
    readonly host: string,
    readonly port: number,
  ) {}

  /** Runs `script` for each connection (the first gets scripts[0], and so on; the last repeats). */
  static start(scripts: Script | readonly Script[], host = "127.0.0.1"): Promise<FakeFtpServer> {
    const list = typeof scripts === "function" ? [scripts] : scripts;
    return new Promise((resolve, reject) => {
      let fake: FakeFtpServer | undefined;
      const server = net.createServer({ noDelay: true }, (socket) => {
        if (!fake) return;
        const session = new FakeSession(socket, fake.chunks, host);
        const script = list[Math.min(fake.sessions.length, list.length - 1)] as Script;
        fake.sessions.push(session);
        fake.results.push(
          script(session).catch((err: unknown) => {
            socket.destroy();
            throw err;
          }),
        );
      });
      server.once("error", reject);
      server.listen(0, host, () => {
        fake = new FakeFtpServer(server, host, (server.address() as net.AddressInfo).port);
        resolve(fake);
      });
    });
  }

  /** Resolves when every session's script finished; rejects with the first script error. */
  async done(): Promise<void> {
    await Promise.all(this.results);
  }

  async close(): Promise<void> {
    for (const s of this.sessions) s.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
    await Promise.allSettled(this.results);
  }
}

export class FakeSession {
  private buffer = "";
  private readonly lines: string[] = [];
  private wake: (() => void) | undefined;
  private ended = false;
  private readonly listeners: DataListener[] = [];
  private readonly dataSockets: net.Socket[] = [];
  /** Resolves when the client closed the control connection. */
  readonly closed: Promise<void>;

  constructor(
    readonly socket: net.Socket,
    chunks: string[],
    private readonly host: string,
  ) {
    this.closed = new Promise((resolve) => socket.once("close", () => resolve()));
    socket.on("data", (chunk: Buffer) => {
      const text = chunk.toString("latin1");
      chunks.push(text);
      this.buffer += text;
      for (let lf = this.buffer.indexOf("\n"); lf !== -1; lf = this.buffer.indexOf("\n")) {
        this.lines.push(this.buffer.slice(0, lf).replace(/\r$/, ""));
        this.buffer = this.buffer.slice(lf + 1);
      }
      this.wake?.();
    });
    socket.on("error", () => undefined);
    socket.on("close", () => {
      this.ended = true;
      this.wake?.();
    });
  }

  /** One write() of exactly these bytes. */
  send(raw: string | Buffer): Promise<void> {
    return new Promise((resolve) => {
      if (this.socket.destroyed) resolve();
      else this.socket.write(raw, () => resolve());
    });
  }

  reply(code: number, text: string): Promise<void> {
    return this.send(`${code} ${text}\r\n`);
  }

  /** The next command line from the client. */
  async command(): Promise<FakeCommand> {
    const line = await withTimeout(this.nextLine(), "waiting for a command");
    const space = line.indexOf(" ");
    const verb = (space === -1 ? line : line.slice(0, space)).toUpperCase();
    return { verb, arg: space === -1 ? "" : line.slice(space + 1), line };
  }

  /** The next command, which must be `verb`; returns its argument. */
  async expect(verb: string): Promise<string> {
    const cmd = await this.command();
    if (cmd.verb !== verb) throw new Error(`fake server: expected ${verb}, got ${JSON.stringify(cmd.line)}`);
    return cmd.arg;
  }

  /** Greeting, USER/331, PASS/230. */
  async login(): Promise<void> {
    await this.reply(220, "fake ready");
    await this.expect("USER");
    await this.reply(331, "password please");
    await this.expect("PASS");
    await this.reply(230, "logged in");
  }

  /** Answers commands with `answers[verb]` until `until` arrives (returned) — for setup chatter. */
  async serve(answers: Readonly<Record<string, string>>, until: string): Promise<FakeCommand> {
    for (let i = 0; i < 100; i++) {
      const cmd = await this.command();
      if (cmd.verb === until) return cmd;
      const answer = answers[cmd.verb];
      if (answer === undefined) throw new Error(`fake server: unexpected ${JSON.stringify(cmd.line)}`);
      await this.send(`${answer}\r\n`);
    }
    throw new Error("fake server: too many commands");
  }

  /** A passive data listener on this server's address (or `host`). */
  async listen(host = this.host): Promise<DataListener> {
    const listener = await DataListener.start(host);
    this.listeners.push(listener);
    return listener;
  }

  /** Active mode: connect to the address a PORT/EPRT argument named. */
  async connect(host: string, port: number, localAddress?: string): Promise<net.Socket> {
    const socket = await withTimeout(
      new Promise<net.Socket>((resolve, reject) => {
        const s = net.connect({ host, port, ...(localAddress ? { localAddress } : {}) });
        s.once("connect", () => resolve(s));
        s.once("error", reject);
      }),
      "connecting to the client",
    );
    socket.on("error", () => undefined);
    this.dataSockets.push(socket);
    return socket;
  }

  destroy(): void {
    this.socket.destroy();
    for (const l of this.listeners) l.close();
    for (const s of this.dataSockets) s.destroy();
  }

  private async nextLine(): Promise<string> {
    for (;;) {
      const line = this.lines.shift();
      if (line !== undefined) return line;
      if (this.ended) throw new Error("fake server: control connection closed");
      await new Promise<void>((resolve) => {
        this.wake = resolve;
      });
      this.wake = undefined;
    }
  }
}

export class DataListener {
  private readonly sockets: net.Socket[] = [];
  private readonly waiting: Array<(s: net.Socket) => void> = [];

  private constructor(
    private readonly server: net.Server,
    readonly host: string,
    readonly port: number,
  ) {
    server.on("connection", (socket) => {
      socket.on("error", () => undefined);
      const w = this.waiting.shift();
      if (w) w(socket);
      else this.sockets.push(socket);
    });
  }

  static start(host: string): Promise<DataListener> {
    return new Promise((resolve, reject) => {
      const server = net.createServer({ noDelay: true });
      server.once("error", reject);
      server.listen(0, host, () => resolve(new DataListener(server, host, (server.address() as net.AddressInfo).port)));
    });
  }

  /** "h1,h2,h3,h4,p1,p2" for a 227 reply, with any address. */
  pasvNumbers(address = this.host): string {
    return `${address.split(".").join(",")},${this.port >> 8},${this.port & 255}`;
  }

  accept(): Promise<net.Socket> {
    const s = this.sockets.shift();
    if (s) return Promise.resolve(s);
    return withTimeout(new Promise((resolve) => this.waiting.push(resolve)), "waiting for a data connection");
  }

  close(): void {
    this.server.close();
    for (const s of this.sockets) s.destroy();
  }
}

/** Reads a socket to its end. */
export function readAll(socket: net.Socket): Promise<Buffer> {
  return withTimeout(
    new Promise((resolve, reject) => {
      const chunks: Buffer[] = [];
      socket.on("data", (c: Buffer) => chunks.push(c));
      socket.once("end", () => resolve(Buffer.concat(chunks)));
      socket.once("error", reject);
    }),
    "reading data",
  );
}

/** Resolves when the socket closed (e.g. the client destroyed its end). */
export function whenClosed(socket: net.Socket): Promise<void> {
  return withTimeout(
    new Promise<void>((resolve) => {
      if (socket.destroyed) resolve();
      else socket.once("close", () => resolve());
    }),
    "waiting for the data connection to close",
  );
}

/** Writes `data` and closes the write side, waiting for the flush. */
export function endWith(socket: net.Socket, data: Buffer | string): Promise<void> {
  return new Promise((resolve) => socket.end(data, () => resolve()));
}
