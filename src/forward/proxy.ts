// The FTP forwarder: a host TCP listener whose clients each get a control connection to the
// board through the tunnel. Control lines are parsed both ways, not copied: the board reads one
// command per TCP segment (NetX), so commands go one at a time, each in its own write, the next
// only after the board's final reply to the one before (ABOR excepted). Passive replies are
// rewritten to a data listener of ours (data.ts) and active mode is refused here, since the
// board cannot dial a host client through the tunnel.
import { HostNetwork, type Connection, type Endpoint, type Listener, type Network } from "../network.js";
import { formatCommand, formatReply, isPreliminary, LineReader, parseCommand, ReplyParser, type Command, type Reply } from "../ftp/protocol/index.js";
import { DataPair, type DataStats } from "./data.js";
import {
  ACTIVE_REFUSED,
  boardDataPort,
  clientPassiveReply,
  epsvFamilyRefusal,
  loggedCommand,
  NO_PASSIVE,
  PASV_NEEDS_IPV4,
  routeCommand,
  unknownCommand,
  wireReply,
} from "./rewrite.js";

export interface ForwardOptions {
  /** The tunnel's Network: how the board is reached. */
  readonly board: Network;
  readonly boardHost: string;
  readonly boardPort: number;
  /** Where FTP clients connect; default the host's TCP. */
  readonly local?: Network;
  readonly listenHost: string;
  /** 0 picks a free port (see Forwarder.local). */
  readonly listenPort: number;
  readonly onEvent?: (event: ForwardEvent) => void;
  /** Limit for a data connection to come up on either side (default 20 s). */
  readonly dataTimeoutMs?: number;
  /** How long sessions get to end cleanly on close() before they are cut (default 3 s). */
  readonly closeGraceMs?: number;
}

export type ForwardEvent =
  | { readonly type: "session-open"; readonly id: number; readonly client: Endpoint }
  | { readonly type: "board-connected"; readonly id: number; readonly board: Endpoint }
  /** A command line from the client (PASS masked), and whether the forwarder answered it itself. */
  | { readonly type: "command"; readonly id: number; readonly line: string; readonly local: boolean }
  /** A reply line to the client; `rewritten` for passive replies naming our listener. */
  | { readonly type: "reply"; readonly id: number; readonly line: string; readonly rewritten: boolean }
  /** A data connection ended (one that moved bytes or failed). */
  | ({ readonly type: "data"; readonly id: number } & DataStats)
  /** Something the forwarder did on its own, e.g. PASV in place of an EPSV the board does not know. */
  | { readonly type: "note"; readonly id: number; readonly text: string }
  | { readonly type: "session-close"; readonly id: number; readonly reason: string; readonly ms: number };

export interface Forwarder {
  /** The address clients connect to (the real port when 0 was asked). */
  readonly local: Endpoint;
  /** Sessions opened so far. */
  readonly sessions: number;
  /** Stops accepting, ends every session (QUIT to the board), resolves once all are gone. */
  close(): Promise<void>;
}

/** A command line longer than this is refused (NetX takes one command per packet, a few hundred bytes). */
const MAX_LINE = 4096;
/** Client lines queued while a command is in flight before we stop reading the client. */
const MAX_QUEUED = 64;
const DEFAULT_DATA_TIMEOUT_MS = 20_000;
const DEFAULT_CLOSE_GRACE_MS = 3_000;

type Inflight =
  | { readonly kind: "greeting" | "plain" | "transfer" | "quit" }
  /** `asked`: what the client sent; `sent`: what the board got (PASV in place of an EPSV it does not know). */
  | { readonly kind: "passive"; readonly asked: "PASV" | "EPSV"; readonly sent: "PASV" | "EPSV" };

export async function startForward(options: ForwardOptions): Promise<Forwarder> {
  const sessions = new Set<Session>();
  let opened = 0;
  const local = options.local ?? new HostNetwork();
  const listener: Listener = await local.listen({ host: options.listenHost, port: options.listenPort }, (client) => {
    const session = new Session(++opened, client, local, options, () => sessions.delete(session));
    sessions.add(session);
    session.start();
  });
  return {
    local: listener.local,
    get sessions() {
      return opened;
    },
    async close() {
      await listener.close();
      const all = [...sessions];
      for (const s of all) s.shutdown("forwarder stopping");
      const grace = options.closeGraceMs ?? DEFAULT_CLOSE_GRACE_MS;
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([Promise.all(all.map((s) => s.gone)), new Promise((r) => (timer = setTimeout(r, grace)))]);
      clearTimeout(timer);
      for (const s of all) s.destroy();
      await Promise.all(all.map((s) => s.gone));
    },
  };
}

/** Resolves once `stream` has emitted 'close' (at once if it is destroyed already). */
function closed(stream: Connection["stream"]): Promise<void> {
  return new Promise((resolve) => (stream.destroyed ? resolve() : stream.once("close", () => resolve())));
}

class Session {
  private board: Connection | undefined;
  private readonly lines = new LineReader(MAX_LINE);
  private readonly replies = new ReplyParser();
  /** Client lines not yet handled (undefined stands for an over-long line). */
  private readonly queued: (string | undefined)[] = [];
  /** Commands the board has not finished answering, oldest first: normally at most one. */
  private readonly inflight: Inflight[] = [{ kind: "greeting" }];
  /** A local step (opening a data listener, waiting for the board's data side) holds the queue. */
  private holding = false;
  /** The data pair from the last PASV/EPSV, not yet used by a transfer command. */
  private data: DataPair | undefined;
  /** Pairs not yet finished, used or not. */
  private readonly pairs = new Set<DataPair>();
  private readonly abort = new AbortController();
  private ending = false;
  private quitSent = false;
  private readonly started = Date.now();
  private resolveGone!: () => void;
  /** Resolves once both control connections and every data pair are closed. */
  readonly gone = new Promise<void>((r) => (this.resolveGone = r));
  private boardGone: Promise<void> = Promise.resolve();
  private finishTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly id: number,
    private readonly client: Connection,
    private readonly local: Network,
    private readonly o: ForwardOptions,
    private readonly forget: () => void,
  ) {}

  start(): void {
    const c = this.client.stream;
    this.emit({ type: "session-open", id: this.id, client: this.client.remote });
    c.on("data", (chunk: Buffer) => this.fromClient(chunk));
    c.on("error", () => undefined); // 'close' follows and says it all
    c.once("end", () => this.shutdown("client closed"));
    c.once("close", () => this.shutdown("client closed"));
    void this.connectBoard();
  }

  private async connectBoard(): Promise<void> {
    let board: Connection;
    try {
      // No time limit: a board with all its sessions busy leaves a fifth waiting in its listen
      // backlog (NetX sends no 421), and so do we. Closing the client or the forwarder aborts.
      board = await this.o.board.connect({ host: this.o.boardHost, port: this.o.boardPort, signal: this.abort.signal, messages: true });
    } catch (err) {
      if (!this.ending) {
        this.toClient(formatReply(421, `hilftp forward: cannot reach the board's FTP server: ${(err as Error).message}`));
        this.shutdown("board unreachable");
      }
      return;
    }
    if (this.ending) {
      board.stream.destroy();
      return;
    }
    this.board = board;
    this.boardGone = closed(board.stream);
    this.emit({ type: "board-connected", id: this.id, board: board.local });
    const b = board.stream;
    b.on("data", (chunk: Buffer) => this.fromBoard(chunk));
    b.on("error", () => undefined);
    const why = (): string => (this.quitSent ? "quit" : "board closed the connection");
    b.once("end", () => this.shutdown(why()));
    b.once("close", () => this.shutdown(why()));
    this.pump();
  }

  private fromClient(chunk: Buffer): void {
    for (const ev of this.lines.push(chunk)) {
      const line = ev.kind === "line" ? ev.line : undefined;
      // ABOR cannot wait behind the transfer it is meant to stop.
      const cmd = line !== undefined ? parseCommand(line) : undefined;
      if (cmd?.verb === "ABOR" && this.inflight[0]?.kind === "transfer") {
        this.abortTransfer(cmd);
        continue;
      }
      this.queued.push(line);
    }
    if (this.queued.length >= MAX_QUEUED) this.client.stream.pause();
    this.pump();
  }

  private fromBoard(chunk: Buffer): void {
    let got: Reply[];
    try {
      got = this.replies.push(chunk);
    } catch (err) {
      this.toClient(formatReply(421, `hilftp forward: the board sent a line that is not FTP: ${(err as Error).message}`));
      this.shutdown("board sent garbage");
      return;
    }
    for (const reply of got) this.onReply(reply);
    this.pump();
  }

  /** Handles queued client lines while nothing is in flight. */
  private pump(): void {
    while (!this.ending && this.board && !this.holding && this.inflight.length === 0 && this.queued.length > 0) {
      this.onLine(this.queued.shift());
    }
    if (this.queued.length < MAX_QUEUED / 2 && this.client.stream.isPaused() && !this.ending) this.client.stream.resume();
  }

  private onLine(line: string | undefined): void {
    if (line === undefined) {
      this.answer("(line too long)", formatReply(500, `hilftp forward: command line longer than ${MAX_LINE} bytes`));
      return;
    }
    const cmd = parseCommand(line);
    if (!cmd) return; // a blank line: nothing to answer
    let wire: string;
    try {
      wire = formatCommand(cmd.verb, cmd.arg);
    } catch {
      this.answer(loggedCommand(cmd), formatReply(501, "hilftp forward: CR or NUL inside a command"));
      return;
    }
    const family = this.client.local.family;
    switch (routeCommand(cmd)) {
      case "active":
        this.answer(loggedCommand(cmd), ACTIVE_REFUSED);
        return;
      case "long-passive":
        this.answer(loggedCommand(cmd), formatReply(502, "hilftp forward: LPSV is not supported; use PASV or EPSV"));
        return;
      case "epsv-all":
        this.answer(loggedCommand(cmd), formatReply(200, "EPSV ALL ok"));
        return;
      case "pasv":
        if (family !== 4) {
          this.answer(loggedCommand(cmd), PASV_NEEDS_IPV4);
          return;
        }
        this.passive("PASV", cmd);
        return;
      case "epsv": {
        const refusal = epsvFamilyRefusal(cmd.arg, family);
        if (refusal) this.answer(loggedCommand(cmd), refusal);
        else this.passive("EPSV", cmd);
        return;
      }
      case "transfer":
        this.transfer(cmd, wire);
        return;
      case "quit":
        this.quitSent = true;
        this.send(cmd, wire, { kind: "quit" });
        return;
      default:
        this.send(cmd, wire, { kind: "plain" });
    }
  }

  private passive(asked: "PASV" | "EPSV", cmd: Command): void {
    // A passive command replaces an unused pair, as NetX drops its passive socket; one in use runs to its end.
    this.dropUnusedData();
    // The board's EPSV has no argument: the family the client named is ours, not the board's.
    this.send(cmd, `${asked}\r\n`, { kind: "passive", asked, sent: asked });
  }

  private transfer(cmd: Command, wire: string): void {
    const pair = this.data;
    if (!pair) {
      this.answer(loggedCommand(cmd), NO_PASSIVE);
      return;
    }
    this.data = undefined;
    pair.inUse(loggedCommand(cmd));
    this.holding = true;
    void pair.boardReady().then((failure) => {
      this.holding = false;
      if (this.ending) return;
      if (failure !== undefined) {
        pair.close();
        this.answer(loggedCommand(cmd), formatReply(425, `hilftp forward: cannot open the data connection to the board: ${failure}`));
      } else {
        this.send(cmd, wire, { kind: "transfer" });
      }
      this.pump();
    });
  }

  private abortTransfer(cmd: Command): void {
    // Cut the data connection as a server does on ABOR; the board answers the ABOR and the transfer.
    for (const pair of this.pairs) if (pair !== this.data) pair.close("aborted by the client");
    this.send(cmd, "ABOR\r\n", { kind: "plain" });
  }

  private onReply(reply: Reply): void {
    const head = this.inflight[0];
    if (head === undefined || isPreliminary(reply.code)) {
      this.relay(reply);
      return;
    }
    this.inflight.shift();
    if (head.kind === "passive") this.passiveReply(head, reply);
    else this.relay(reply);
  }

  private passiveReply(head: Extract<Inflight, { kind: "passive" }>, reply: Reply): void {
    if (head.sent === "EPSV" && unknownCommand(reply)) {
      // A board without EPSV (NetX built without IPv6): ask PASV and answer the client's EPSV with a 229.
      this.note(`board has no EPSV (${reply.code}): sending PASV instead`);
      this.write("PASV\r\n");
      this.inflight.unshift({ kind: "passive", asked: head.asked, sent: "PASV" });
      return;
    }
    const port = boardDataPort(reply);
    if (port === undefined) {
      // A refusal (501 PASV Fail, 530) goes to the client as it is; a 227/229 we cannot read does not.
      if (reply.code === 227 || reply.code === 229) {
        this.answer(undefined, formatReply(425, `hilftp forward: cannot read the board's passive reply: ${reply.lines[0] ?? ""}`));
      } else {
        this.relay(reply);
      }
      return;
    }
    this.holding = true;
    DataPair.open({
      local: this.local,
      listenHost: this.client.local.address,
      clientAddress: this.client.remote.address,
      board: this.o.board,
      // The board's own address for the control connection, not the one its 227 names.
      boardHost: this.board?.remote.address ?? this.o.boardHost,
      boardPort: port,
      timeoutMs: this.o.dataTimeoutMs ?? DEFAULT_DATA_TIMEOUT_MS,
      onDone: (stats, p) => this.dataDone(p, stats),
    }).then(
      (p) => {
        this.holding = false;
        if (!p.finished) this.pairs.add(p);
        if (this.ending) {
          p.close();
          return;
        }
        this.data = p;
        this.toClient(clientPassiveReply(head.asked, p.local), true);
        this.pump();
      },
      (err: unknown) => {
        this.holding = false;
        if (this.ending) return;
        this.answer(undefined, formatReply(425, `hilftp forward: cannot open a data listener: ${(err as Error).message}`));
        this.pump();
      },
    );
  }

  private dataDone(pair: DataPair, stats: DataStats): void {
    this.pairs.delete(pair);
    // A pair dropped unused (a second PASV) moved nothing and failed at nothing: not worth a line.
    if (stats.toClient > 0 || stats.toBoard > 0 || stats.failure !== undefined) this.emit({ type: "data", id: this.id, ...stats });
    this.maybeGone();
  }

  private dropUnusedData(): void {
    const p = this.data;
    this.data = undefined;
    p?.close();
  }

  private send(cmd: Command, wire: string, inflight: Inflight): void {
    this.emit({ type: "command", id: this.id, line: loggedCommand(cmd), local: false });
    this.inflight.push(inflight);
    this.write(wire);
  }

  /** One command, one write: with the profile's message boundaries that is one TCP segment. */
  private write(wire: string): void {
    if (this.board && !this.board.stream.destroyed && this.board.stream.writable) this.board.stream.write(wire);
  }

  /** A reply from the forwarder itself, to a command the board never sees. */
  private answer(logged: string | undefined, reply: string): void {
    if (logged !== undefined) this.emit({ type: "command", id: this.id, line: logged, local: true });
    this.toClient(reply);
  }

  private relay(reply: Reply): void {
    this.toClient(wireReply(reply));
  }

  private toClient(text: string, rewritten = false): void {
    for (const line of text.split("\r\n")) if (line !== "") this.emit({ type: "reply", id: this.id, line: line.trimEnd(), rewritten });
    const c = this.client.stream;
    if (!c.destroyed && c.writable) c.write(text);
  }

  /**
   * Ends the session from either side: the client gone means QUIT to the board (so its session
   * slot frees at once, not after NetX's idle timeout) and our FIN; the board gone means our FIN
   * to the client once the replies already relayed are out. Bounded: whatever is still open
   * after the grace time is cut.
   */
  shutdown(reason: string): void {
    if (this.ending) return;
    this.ending = true;
    this.abort.abort();
    this.dropUnusedData();
    this.emit({ type: "session-close", id: this.id, reason, ms: Date.now() - this.started });
    const b = this.board?.stream;
    if (b && !b.destroyed) {
      if (!this.quitSent && b.writable) this.write("QUIT\r\n");
      b.end();
    }
    const c = this.client.stream;
    if (!c.destroyed) c.end();
    // Pairs in use finish on their own (the last bytes of a download may still be on their way).
    this.finishTimer = setTimeout(() => this.destroy(), this.o.closeGraceMs ?? DEFAULT_CLOSE_GRACE_MS);
    void Promise.all([closed(c), this.boardGone]).then(() => this.maybeGone());
  }

  /** Cuts everything still open. */
  destroy(): void {
    if (!this.ending) this.shutdown("destroyed");
    this.client.stream.destroy();
    this.board?.stream.destroy();
    for (const p of [...this.pairs]) p.close("session ended");
  }

  private maybeGone(): void {
    if (!this.ending || this.pairs.size > 0) return;
    if (!this.client.stream.destroyed || (this.board !== undefined && !this.board.stream.destroyed)) return;
    clearTimeout(this.finishTimer);
    this.forget();
    this.resolveGone();
  }

  private note(text: string): void {
    this.emit({ type: "note", id: this.id, text });
  }

  private emit(event: ForwardEvent): void {
    this.o.onEvent?.(event);
  }
}
