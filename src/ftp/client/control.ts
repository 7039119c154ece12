// The control connection: writes each command as one write() (a NetX server takes
// one TCP packet as one command), parses replies incrementally, and hands them out
// one at a time with a timeout. Any timeout, reset or garbage closes it for good:
// after that nobody knows which reply belongs to which command.
import type { Connection, Endpoint } from "../../network.js";
import { formatCommand } from "../protocol/command.js";
import { ReplyFormatError, ReplyParser, type Reply } from "../protocol/reply.js";
import { FtpConnectionError, FtpError, FtpTimeoutError } from "./errors.js";

interface Waiter {
  readonly resolve: (reply: Reply) => void;
  readonly reject: (err: Error) => void;
  timer: NodeJS.Timeout | undefined;
}

/** Most replies one read skips (preliminary 1xx) before it gives up: bounds every loop. */
const MAX_PRELIMINARY = 16;

export class ControlConnection {
  readonly local: Endpoint;
  readonly remote: Endpoint;
  private readonly parser = new ReplyParser();
  private readonly inbox: Reply[] = [];
  private waiter: Waiter | undefined;
  private failure: Error | undefined;
  /** The last command sent, PASS masked; names the command in errors. */
  private last = "";

  constructor(
    private readonly connection: Connection,
    private readonly timeoutMs: number,
    private readonly log?: (line: string) => void,
  ) {
    this.local = connection.local;
    this.remote = connection.remote;
    const stream = connection.stream;
    stream.on("data", (chunk: Buffer) => this.onData(chunk));
    stream.on("end", () => this.fail(new FtpConnectionError("control connection closed by the server")));
    stream.on("close", () => this.fail(new FtpConnectionError("control connection closed")));
    stream.on("error", (err: Error) =>
      this.fail(new FtpConnectionError(`control connection failed: ${err.message}`, { cause: err })),
    );
  }

  /** The command that replies currently answer ("" before the first). */
  get lastCommand(): string {
    return this.last;
  }

  get closed(): boolean {
    return this.failure !== undefined;
  }

  /** Why the connection is unusable, if it is. */
  get error(): Error | undefined {
    return this.failure;
  }

  /**
   * Sends one command in one write. Replies that arrived unasked since the last read
   * (extra greeting packets, a late duplicate) are dropped first so they cannot be
   * taken for this command's answer.
   */
  send(verb: string, arg?: string): void {
    if (this.failure) throw this.failure;
    const line = formatCommand(verb, arg);
    for (const stale of this.inbox.splice(0)) this.log?.(`(ignored unexpected reply: ${stale.code} ${stale.text})`);
    this.last = verb.toUpperCase() === "PASS" ? "PASS ****" : line.slice(0, -2);
    this.log?.(`> ${this.last}`);
    this.connection.stream.write(line);
  }

  /**
   * The next reply (any code). `timeoutMs` null waits without limit: a transfer's final
   * reply may take as long as the data does; the caller bounds it another way.
   * A 421 rejects with FtpError 421 and closes the connection.
   */
  read(timeoutMs: number | null = this.timeoutMs): Promise<Reply> {
    const queued = this.inbox.shift();
    if (queued) return Promise.resolve(queued);
    if (this.failure) return Promise.reject(this.failure);
    if (this.waiter) return Promise.reject(new Error("ControlConnection.read: a read is already pending"));
    return new Promise((resolve, reject) => {
      const waiter: Waiter = { resolve, reject, timer: undefined };
      if (timeoutMs !== null) waiter.timer = setTimeout(() => this.timeout(timeoutMs), timeoutMs);
      this.waiter = waiter;
    });
  }

  /** The next reply that is not preliminary (1xx replies are skipped). */
  async readFinal(timeoutMs: number | null = this.timeoutMs): Promise<Reply> {
    for (let i = 0; i < MAX_PRELIMINARY; i++) {
      const reply = await this.read(timeoutMs);
      if (reply.code >= 200) return reply;
    }
    const err = new FtpConnectionError(`more than ${MAX_PRELIMINARY} preliminary replies to ${this.last}`);
    this.fail(err);
    throw err;
  }

  /** send() then readFinal(). */
  async request(verb: string, arg?: string): Promise<Reply> {
    this.send(verb, arg);
    return this.readFinal();
  }

  /** Like request(), but anything other than 2xx throws FtpError. */
  async expect2xx(verb: string, arg?: string): Promise<Reply> {
    const reply = await this.request(verb, arg);
    if (reply.code < 200 || reply.code > 299) throw FtpError.fromReply(reply, this.last);
    return reply;
  }

  /** A keep-alive on the control connection where the network has one (Connection.probe): a server that lost the session resets it. */
  probe(): void {
    if (!this.failure) this.connection.probe?.();
  }

  /** Drops replies that arrived but were not read yet (each was logged on arrival); returns how many. */
  discardPending(): number {
    return this.inbox.splice(0).length;
  }

  /** Closes the connection with `err` as the reason every pending and later read gets. */
  fail(err: Error): void {
    if (this.failure) return;
    this.failure = err;
    this.connection.stream.destroy();
    const waiter = this.waiter;
    this.waiter = undefined;
    if (waiter) {
      if (waiter.timer) clearTimeout(waiter.timer);
      waiter.reject(err);
    }
  }

  /** Half-close politely: used after QUIT's reply. */
  close(): void {
    this.fail(new FtpConnectionError("control connection closed by the client"));
  }

  private timeout(ms: number): void {
    const what = this.last === "" ? "waiting for the greeting" : `waiting for the reply to ${this.last}`;
    this.fail(new FtpTimeoutError("control", ms, what));
  }

  private onData(chunk: Buffer): void {
    if (this.failure) return;
    let replies: readonly Reply[];
    let bad: Error | undefined;
    try {
      replies = this.parser.push(chunk);
    } catch (err) {
      bad = err as Error;
      replies = err instanceof ReplyFormatError ? err.replies : [];
    }
    this.accept(replies);
    if (bad) this.fail(new FtpConnectionError(`bad reply from the server: ${bad.message}`, { cause: bad }));
  }

  private accept(replies: readonly Reply[]): void {
    for (const reply of replies) {
      for (const line of reply.lines) this.log?.(`< ${line}`);
      if (reply.code === 421) {
        // The server is closing the session: whoever reads next learns why.
        const err = FtpError.fromReply(reply, this.last);
        this.deliver(undefined, err);
        this.fail(err);
        return;
      }
      this.deliver(reply, undefined);
    }
  }

  private deliver(reply: Reply | undefined, err: Error | undefined): void {
    const waiter = this.waiter;
    if (!waiter) {
      if (reply) this.inbox.push(reply);
      return;
    }
    this.waiter = undefined;
    if (waiter.timer) clearTimeout(waiter.timer);
    if (reply) waiter.resolve(reply);
    else if (err) waiter.reject(err);
  }
}
