// One control connection: reads command lines, runs them one after another, writes one reply
// per write() (a NetX client reads one reply per packet), and owns everything the session
// opened (data listener, data connection, file streams, timers) so that closing it, however it
// ends, leaves nothing behind. ABOR, STAT and QUIT are taken while a transfer runs.
import type { Connection } from "../../network.js";
import { LineReader, formatReply, parseCommand, type Command } from "../protocol/index.js";
import { MLST_FACTS } from "../protocol/index.js";
import { resolvePath } from "../fs/path.js";
import type { FileSystem } from "../fs/types.js";
import { DataChannel } from "./data-channel.js";
import type { Texts, TransferKind } from "./dialect.js";
import type { ServerContext } from "./context.js";
import type { Transfer } from "./transfer.js";
import { COMMANDS } from "./commands/index.js";
import { replyForError } from "./errors.js";

/** Verbs answered at once while a transfer runs; everything else waits for the transfer. */
const URGENT = new Set(["ABOR", "STAT", "QUIT"]);
/** Paused reading beyond this many queued commands: a flood must not grow memory. */
const MAX_QUEUED = 32;

export interface ActiveTransfer {
  readonly kind: TransferKind;
  readonly path: string;
  readonly startedAt: number;
  run: Transfer | undefined;
  aborting: boolean;
  /** Resolves when the transfer has finished and replied (or stayed silent for ABOR). */
  readonly finished: Promise<void>;
}

export class Session {
  readonly texts: Texts;
  readonly data: DataChannel;
  user = "";
  loggedIn = false;
  pendingUser: string | undefined;
  fs: FileSystem | undefined;
  readOnly = false;
  cwd = "/";
  type: "A" | "I" = "A";
  restOffset = 0;
  renameFrom: string | undefined;
  epsvAll = false;
  loginFailures = 0;
  mlstFacts: readonly string[] = MLST_FACTS;
  transfer: ActiveTransfer | undefined;
  closed = false;

  private readonly reader: LineReader;
  private chain: Promise<void> = Promise.resolve();
  private queued = 0;
  private idleTimer: NodeJS.Timeout | undefined;

  constructor(
    readonly id: number,
    readonly control: Connection,
    readonly server: ServerContext,
  ) {
    this.texts = server.texts;
    this.reader = new LineReader(server.options.maxLineLength);
    this.data = new DataChannel(server.network, server.ports, control, (from) =>
      server.emit("error", { id, error: new Error(`refused data connection from ${from.address}:${from.port}`) }),
    );
  }

  start(greeting: string): void {
    const stream = this.control.stream;
    stream.on("data", (chunk: Buffer) => this.onData(chunk));
    stream.on("error", () => undefined);
    stream.once("close", () => this.close());
    this.idleTimer = setTimeout(() => this.onIdle(), this.server.options.idleTimeoutMs);
    this.idleTimer.unref();
    this.reply(...this.texts.greeting(greeting));
  }

  /** One reply, one write. `text` as an array makes a multi-line reply. */
  reply(code: number, text: string | readonly string[]): void {
    if (this.closed || this.control.stream.destroyed) return;
    this.control.stream.write(formatReply(code, text, this.texts.style));
  }

  /** Resolve a client path against the working directory (throws FsError EINVAL for NUL/CR/LF). */
  resolve(arg: string): string {
    return resolvePath(this.cwd, arg);
  }

  get fileSystem(): FileSystem {
    if (!this.fs) throw new Error("no file system before login");
    return this.fs;
  }

  /** Reply 421 and end the session (timeouts, login failures, shutdown). */
  shutdown(text: string): void {
    this.reply(421, text);
    this.close();
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    clearTimeout(this.idleTimer);
    const t = this.transfer;
    if (t) {
      t.aborting = true;
      t.run?.abort();
    }
    this.data.reset();
    const stream = this.control.stream;
    if (!stream.destroyed) {
      stream.end();
      // A peer that never closes its side must not keep the socket.
      setTimeout(() => stream.destroy(), 2000).unref();
    }
    this.server.sessionClosed(this);
  }

  private onIdle(): void {
    if (this.closed) return;
    if (this.transfer) {
      this.idleTimer?.refresh();
      return;
    }
    this.shutdown("Idle timeout, closing control connection");
  }

  private onData(chunk: Buffer): void {
    this.idleTimer?.refresh();
    // Linux drops the urgent byte from the stream (no SO_OOBINLINE), and ftplib sends ABOR's
    // final LF as urgent data: a CR ending a segment therefore ends the line. A CR LF split
    // across segments then yields an empty line, which is ignored.
    const input = chunk[chunk.length - 1] === 0x0d ? Buffer.concat([chunk, LF]) : chunk;
    for (const event of this.reader.push(input)) {
      if (event.kind === "overflow") {
        this.enqueue(() => this.reply(500, "Command line too long"));
        continue;
      }
      const command = parseCommand(event.line);
      if (!command) continue;
      if (this.transfer && URGENT.has(command.verb)) {
        void this.execute(command);
      } else {
        this.enqueue(() => this.execute(command));
      }
    }
  }

  private enqueue(job: () => void | Promise<void>): void {
    this.queued++;
    if (this.queued > MAX_QUEUED) this.control.stream.pause();
    this.chain = this.chain.then(job).then(
      () => this.dequeued(),
      (err: unknown) => {
        this.dequeued();
        this.server.emit("error", { id: this.id, error: err instanceof Error ? err : new Error(String(err)) });
      },
    );
  }

  private dequeued(): void {
    this.queued--;
    if (this.queued <= MAX_QUEUED / 2 && !this.closed) this.control.stream.resume();
  }

  private async execute(command: Command): Promise<void> {
    if (this.closed) return;
    const { verb, arg } = command;
    this.server.emit("command", { id: this.id, verb, arg: verb === "PASS" ? "****" : arg });
    const texts = this.texts;
    const def = COMMANDS.get(verb);
    const needsLogin = texts.style === "netx" ? verb !== "USER" && verb !== "PASS" : (def?.auth ?? true);
    if (needsLogin && !this.loggedIn) {
      this.reply(...texts.notLoggedIn());
      return;
    }
    if (!def) {
      this.reply(...texts.unknown(verb));
      return;
    }
    if (!texts.implements(verb)) {
      this.reply(...texts.notImplemented());
      return;
    }
    if (def.arg === "required" && arg.trim() === "") {
      this.reply(501, `Syntax error: ${verb} needs an argument`);
      return;
    }
    if (def.writes && this.readOnly) {
      this.reply(...texts.readOnly());
      return;
    }
    if (verb !== "RNTO") {
      // RNTO must follow RNFR directly; anything else in between forgets the source.
      if (verb !== "RNFR") this.renameFrom = undefined;
    }
    try {
      await def.run(this, arg);
    } catch (err) {
      const [code, text] = replyForError(err, verb, texts);
      this.reply(code, text);
      if (code === 451) this.server.emit("error", { id: this.id, error: err instanceof Error ? err : new Error(String(err)) });
    }
  }
}

const LF = Buffer.from("\n");
