// One passive data connection relayed by `hilftp forward`: a one-shot listener on the host for
// the client, and a connection through the tunnel to the board's passive port, piped both ways.
// The board side is dialled as soon as the board names its port, so it is up before the
// transfer command reaches the board (NetX waits only about a second for it on RETR/LIST).
// End of stream is passed on as a FIN (half-close): the board answers 226/250 only after
// its data socket saw the end of an upload.
import type { Duplex } from "node:stream";
import type { Connection, Endpoint, Listener, Network } from "../network.js";

export interface DataPairOptions {
  /** Where the client's data connection is accepted (the host's TCP). */
  readonly local: Network;
  /** The address the client reached the control connection on: the data listener binds it. */
  readonly listenHost: string;
  /** Only this address may connect (the control connection's client): no data theft by another host. */
  readonly clientAddress: string;
  readonly board: Network;
  readonly boardHost: string;
  readonly boardPort: number;
  /** Limit for the board-side connect, and for the client to connect once the pair is in use. */
  readonly timeoutMs: number;
  /** Once both sides are closed (or the pair was given up): bytes moved each way. */
  readonly onDone: (stats: DataStats, pair: DataPair) => void;
}

export interface DataStats {
  /** The transfer command that used the pair ("RETR big.bin"); undefined for a pair never used. */
  readonly command: string | undefined;
  readonly toClient: number;
  readonly toBoard: number;
  readonly ms: number;
  /** Why the pair ended early (a side failed or was given up); undefined for a normal end. */
  readonly failure: string | undefined;
}

export class DataPair {
  private listener: Listener | undefined;
  private client: Connection | undefined;
  private board: Connection | undefined;
  private readonly boardSide: Promise<Connection | Error>;
  private readonly abort = new AbortController();
  private acceptTimer: NodeJS.Timeout | undefined;
  private toClient = 0;
  private toBoard = 0;
  private readonly started = Date.now();
  private closes = 0;
  private failure: string | undefined;
  private done = false;
  private listenerClosed = false;
  private command: string | undefined;

  private constructor(private readonly o: DataPairOptions) {
    this.boardSide = o.board
      .connect({ host: o.boardHost, port: o.boardPort, timeoutMs: o.timeoutMs, signal: this.abort.signal })
      .then(
        (c) => {
          if (this.done) {
            c.stream.destroy();
            return new Error("given up");
          }
          this.board = c;
          this.join();
          return c;
        },
        (err: unknown) => {
          const e = err instanceof Error ? err : new Error(String(err));
          this.client?.stream.destroy();
          this.finish(`board data connection: ${e.message}`);
          return e;
        },
      );
  }

  /** Starts dialling the board's passive port and opens the client's listener (port chosen by the system). */
  static async open(o: DataPairOptions): Promise<DataPair> {
    const pair = new DataPair(o);
    try {
      pair.listener = await o.local.listen({ host: o.listenHost, port: 0, backlog: 4 }, (c) => pair.accept(c));
    } catch (err) {
      pair.close("listen failed");
      throw err;
    }
    if (pair.done) pair.closeListener();
    return pair;
  }

  /** The client's listener, for the rewritten 227/229. */
  get local(): Endpoint {
    if (!this.listener) throw new Error("DataPair.local before open");
    return this.listener.local;
  }

  /** Whether the pair has ended (onDone was called). */
  get finished(): boolean {
    return this.done;
  }

  /** Whether the board side came up: undefined when it did, else why not. */
  async boardReady(): Promise<string | undefined> {
    const r = await this.boardSide;
    return r instanceof Error ? r.message : undefined;
  }

  /**
   * The transfer command is going to the board: the client must connect within the time limit
   * now (most connect right after the 227/229; a client that never does must not hold the
   * board's transfer forever).
   */
  inUse(command: string): void {
    this.command = command;
    if (this.client || this.done) return;
    this.acceptTimer = setTimeout(() => this.close(`the client did not connect within ${this.o.timeoutMs} ms`), this.o.timeoutMs);
  }

  /** Tears everything down at once (a new PASV, the session ending, a timeout). */
  close(why = "closed"): void {
    this.abort.abort();
    this.client?.stream.destroy();
    this.board?.stream.destroy();
    this.finish(why);
  }

  private accept(c: Connection): void {
    if (this.client || this.done || c.remote.address !== this.o.clientAddress) {
      c.stream.destroy();
      return;
    }
    this.client = c;
    clearTimeout(this.acceptTimer);
    this.closeListener();
    // Until the board side is up the client's bytes wait in its socket (paused: no 'data' listener yet).
    this.join();
  }

  private join(): void {
    const client = this.client;
    const board = this.board;
    if (!client || !board || this.done) return;
    this.pipe(client.stream, board.stream, (n) => (this.toBoard += n));
    this.pipe(board.stream, client.stream, (n) => (this.toClient += n));
  }

  /**
   * from -> to with backpressure; from's end becomes to's end (a FIN once to's data is out).
   * A side that closes without ending (reset, destroyed) takes the other down: the transfer is
   * broken and the board must see that, not a clean end.
   */
  private pipe(from: Duplex, to: Duplex, count: (n: number) => void): void {
    from.on("data", (chunk: Buffer) => count(chunk.length));
    from.pipe(to);
    // pipe() unpipes and pauses `from` once `to` is finished; `from` must still be read to its
    // end, or its 'end' (the other side's FIN) never comes and the socket never closes. After
    // an upload the board's FIN arrives after the client's side is long done.
    const drain = (): void => {
      if (!from.destroyed) from.resume();
    };
    to.once("finish", drain);
    to.once("close", drain);
    from.on("error", (err: Error) => {
      this.failure ??= err.message;
      to.destroy();
    });
    from.once("close", () => {
      if (!from.readableEnded) {
        this.failure ??= "connection closed before its end";
        to.destroy();
      }
      if (++this.closes === 2) this.finish(this.failure);
    });
  }

  private closeListener(): void {
    const l = this.listener;
    if (!l || this.listenerClosed) return;
    this.listenerClosed = true;
    void l.close();
  }

  private finish(why: string | undefined): void {
    if (this.done) return;
    this.done = true;
    clearTimeout(this.acceptTimer);
    this.closeListener();
    const stats = { command: this.command, toClient: this.toClient, toBoard: this.toBoard, ms: Date.now() - this.started };
    this.o.onDone({ ...stats, failure: why === "closed" ? undefined : why }, this);
  }
}
