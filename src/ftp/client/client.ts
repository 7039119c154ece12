// The public FTP client. Every operation goes through one queue, so calls made while
// another runs wait their turn; separate instances run in parallel. I/O goes only
// through the Network seam (HostNetwork by default, or the SLIP stack to a board) and,
// for path-based transfers, node:fs.
import { createReadStream, createWriteStream } from "node:fs";
import { stat } from "node:fs/promises";
import { Writable, type Readable } from "node:stream";
import { HostNetwork, NetworkError, type Network } from "../../network.js";
import { fromNetworkAscii, toNetworkAscii } from "../protocol/ascii.js";
import { parseListing, parseMlsd, type ListEntry } from "../protocol/listing.js";
import type { Reply } from "../protocol/reply.js";
import { parseMdtm } from "../protocol/time.js";
import { ControlConnection } from "./control.js";
import { openActive, openPassive, type DataChannel, type PassivePreference } from "./data.js";
import { FtpConnectionError, FtpError, FtpTimeoutError } from "./errors.js";
import type { TransferProgress } from "./monitor.js";
import { quotedPath } from "./pathname.js";
import { TaskQueue } from "./queue.js";
import { runTransfer, type TransferPlan, type TransferResult, type TransferSession } from "./transfer.js";

export interface FtpClientOptions {
  /** Default: a new HostNetwork (node:net). */
  network?: Network;
  /** Limit for every control-connection wait, in ms (default 30 000). On expiry the connection is closed. */
  timeoutMs?: number;
  /** Limit for establishing a data connection and for a data stall (no bytes moving), in ms (default 30 000). */
  dataTimeoutMs?: number;
  /** Passive (default true) or active data connections. */
  passive?: boolean;
  /** Connect to the address a PASV reply names even when it is not the control peer (default false). */
  allowForeignPasvAddress?: boolean;
  /** Address to listen on and advertise in active mode (default: the control connection's local address). */
  activeAddress?: string;
  /** Gets each command sent ("> ...", PASS masked) and each reply line received ("< ..."). */
  log?: (line: string) => void;
}

export interface TransferOptions {
  /** Start at this byte of the remote file (REST). */
  offset?: number;
  signal?: AbortSignal;
  /** Called at most every 100 ms while bytes move, and once at the end. */
  onProgress?: (p: TransferProgress) => void;
  /** "binary" (TYPE I, default) or "ascii" (TYPE A with CRLF <-> LF conversion). */
  type?: "binary" | "ascii";
}

export interface DownloadOptions extends TransferOptions {
  /** With a local path: continue from the local file's size (REST) and append to it. */
  resume?: boolean;
}

export interface UploadOptions extends TransferOptions {
  /** APPE instead of STOR. */
  append?: boolean;
  /**
   * With a local path: ask the remote size (SIZE, 0 when 550), then REST + STOR from that
   * byte of the local file, or APPE when the server refuses REST.
   */
  resume?: boolean;
}

export interface FtpConnectOptions extends FtpClientOptions {
  host: string;
  /** Default 21. */
  port?: number;
  /** Default "anonymous". */
  user?: string;
  /** Default "anonymous@". */
  password?: string;
}

/** Local reads and writes in 1 MiB steps: the chunk size is the first lever on throughput. */
const LOCAL_CHUNK = 1024 * 1024;
/** Greeting packets and lines a server may repeat (NetX skips 22x replies) before we give up. */
const MAX_EXTRA_GREETINGS = 16;

export class FtpClient {
  private readonly network: Network;
  private readonly timeoutMs: number;
  private readonly dataTimeoutMs: number;
  private readonly allowForeignPasvAddress: boolean;
  private readonly activeAddress: string | undefined;
  private readonly log: ((line: string) => void) | undefined;
  private readonly queue = new TaskQueue();
  private passiveMode: boolean;
  private control: ControlConnection | undefined;
  /** The TYPE the server is in, as far as we know (undefined: unknown, send TYPE). */
  private currentType: "I" | "A" | undefined;
  private featureCache: ReadonlyMap<string, string> | undefined;
  private passivePref: PassivePreference | undefined;

  constructor(options: FtpClientOptions = {}) {
    this.network = options.network ?? new HostNetwork();
    this.timeoutMs = options.timeoutMs ?? 30_000;
    this.dataTimeoutMs = options.dataTimeoutMs ?? 30_000;
    this.passiveMode = options.passive ?? true;
    this.allowForeignPasvAddress = options.allowForeignPasvAddress ?? false;
    this.activeAddress = options.activeAddress;
    this.log = options.log;
  }

  /** A new client, connected and logged in. */
  static async connect(options: FtpConnectOptions): Promise<FtpClient> {
    const client = new FtpClient(options);
    try {
      await client.connect(options.host, options.port);
      await client.login(options.user, options.password);
      return client;
    } catch (err) {
      client.close();
      throw err;
    }
  }

  get passive(): boolean {
    return this.passiveMode;
  }

  /** Takes effect for the next transfer (like nx_ftp_client_passive_mode_set). */
  setPassive(passive: boolean): void {
    this.passiveMode = passive;
  }

  /** True while the control connection is open. */
  get connected(): boolean {
    return this.control !== undefined && !this.control.closed;
  }

  /** Opens the control connection and reads the greeting (1xx "wait" replies skipped; 220 required). */
  connect(host: string, port = 21): Promise<Reply> {
    return this.queue.run(async () => {
      if (this.connected) throw new FtpConnectionError("already connected");
      this.currentType = undefined;
      this.featureCache = undefined;
      this.passivePref = undefined;
      let connection;
      try {
        connection = await this.network.connect({ host, port, timeoutMs: this.timeoutMs, messages: true });
      } catch (err) {
        if (err instanceof NetworkError && err.code === "ETIMEDOUT") {
          throw new FtpTimeoutError("control", this.timeoutMs, `connecting to ${host} port ${port}`);
        }
        throw err;
      }
      const control = new ControlConnection(connection, this.timeoutMs, this.log);
      this.control = control;
      const greeting = await control.readFinal();
      if (greeting.code !== 220) {
        control.close();
        throw FtpError.fromReply(greeting, "", "the server refused the session");
      }
      return greeting;
    });
  }

  /**
   * USER, then PASS when asked (331). 230 right after USER is fine; 332 (ACCT) is not
   * supported. Extra 220 greetings still arriving are skipped, as NetX does.
   */
  login(user = "anonymous", password = "anonymous@"): Promise<Reply> {
    return this.queue.run(async () => {
      const control = this.ctl();
      control.send("USER", user);
      let reply = await control.readFinal();
      for (let i = 0; i < MAX_EXTRA_GREETINGS && reply.code === 220; i++) reply = await control.readFinal();
      if (reply.code === 331) {
        control.send("PASS", password);
        reply = await control.readFinal();
      }
      // NetX switches to TYPE A at login: whatever we thought, it is unknown now.
      this.currentType = undefined;
      if (reply.code === 230 || reply.code === 202) return reply;
      const detail = reply.code === 332 ? "ACCT is not supported" : undefined;
      throw FtpError.fromReply(reply, control.lastCommand, detail);
    });
  }

  /** QUIT and close. Never throws: the connection is gone afterwards either way. */
  quit(): Promise<void> {
    return this.queue.run(async () => {
      const control = this.control;
      if (!control || control.closed) return;
      try {
        await control.request("QUIT");
      } catch {
        // A server that drops the connection at QUIT did what we asked.
      } finally {
        control.close();
      }
    });
  }

  /** Destroys the control connection (and with it any running transfer) at once; idempotent. */
  close(): void {
    this.control?.fail(new FtpConnectionError("client closed"));
  }

  /**
   * A raw command ("SITE CHMOD 644 a" or verb + arg); resolves with the final reply
   * whatever its code (1xx are skipped). Only 421 throws: the server closed the session.
   */
  send(command: string, arg?: string): Promise<Reply> {
    return this.queue.run(async () => {
      let verb = command;
      let argument = arg;
      const space = command.indexOf(" ");
      if (arg === undefined && space > 0) {
        verb = command.slice(0, space);
        argument = command.slice(space + 1);
      }
      // A raw TYPE may change the transfer type behind our back.
      if (verb.toUpperCase() === "TYPE") this.currentType = undefined;
      return this.ctl().request(verb, argument);
    });
  }

  /** FEAT as a map (upper-case feature name -> rest of the line), cached; 500/502 -> empty map. */
  features(): Promise<ReadonlyMap<string, string>> {
    return this.queue.run(() => this.loadFeatures(true));
  }

  pwd(): Promise<string> {
    return this.queue.run(async () => {
      const control = this.ctl();
      const reply = await control.expect2xx("PWD");
      const path = quotedPath(reply.text);
      if (path === undefined) throw FtpError.fromReply(reply, control.lastCommand, "no quoted path in the reply");
      return path;
    });
  }

  cwd(path: string): Promise<void> {
    return this.simple("CWD", path);
  }

  cdup(): Promise<void> {
    return this.simple("CDUP");
  }

  /** The created path from the reply's quoted path (257, or NetX's 200), else `path`. */
  mkdir(path: string): Promise<string> {
    return this.queue.run(async () => {
      const reply = await this.ctl().expect2xx("MKD", path);
      return quotedPath(reply.text) ?? path;
    });
  }

  rmdir(path: string): Promise<void> {
    return this.simple("RMD", path);
  }

  delete(path: string): Promise<void> {
    return this.simple("DELE", path);
  }

  rename(from: string, to: string): Promise<void> {
    return this.queue.run(async () => {
      const control = this.ctl();
      const reply = await control.request("RNFR", from);
      if (reply.code < 300 || reply.code > 399) throw FtpError.fromReply(reply, control.lastCommand);
      await control.expect2xx("RNTO", to);
    });
  }

  /** SIZE in binary type. 500/502 (not implemented, e.g. NetX) throw FtpError with that code. */
  size(path: string): Promise<number> {
    return this.queue.run(() => this.remoteSize(path));
  }

  mdtm(path: string): Promise<Date> {
    return this.queue.run(async () => {
      const control = this.ctl();
      const reply = await control.request("MDTM", path);
      if (reply.code !== 213) throw FtpError.fromReply(reply, control.lastCommand);
      const date = parseMdtm(reply.text);
      if (date === undefined) throw FtpError.fromReply(reply, control.lastCommand, "not a time-val");
      return date;
    });
  }

  /** MLSD when FEAT names MLSD or MLST, else LIST (parsed in Unix, DOS and NetX forms). */
  list(path?: string): Promise<ListEntry[]> {
    return this.queue.run(async () => {
      const features = await this.loadFeatures(false);
      if (features.has("MLSD") || features.has("MLST")) {
        try {
          return parseMlsd(await this.collect("MLSD", path));
        } catch (err) {
          // FEAT promised more than the server does.
          if (!(err instanceof FtpError) || (err.code !== 500 && err.code !== 502)) throw err;
        }
      }
      return parseListing(await this.collect("LIST", path));
    });
  }

  nlst(path?: string): Promise<string[]> {
    return this.queue.run(async () => {
      const text = await this.collect("NLST", path);
      return text.split(/\r?\n/).filter((name) => name.length > 0);
    });
  }

  /**
   * RETR into a Writable (ended when done) or a local path. `offset` sends REST first;
   * `resume` with a path continues from the local size and appends.
   */
  download(remote: string, dest: Writable | string, options: DownloadOptions = {}): Promise<TransferResult> {
    return this.queue.run(async () => {
      let offset = options.offset ?? 0;
      let open: () => Writable;
      if (typeof dest === "string") {
        const localSize = await sizeOrUndefined(dest);
        if (options.resume) offset = localSize ?? 0;
        const flags = options.resume ? "a" : offset > 0 && localSize !== undefined ? "r+" : "w";
        const start = options.resume ? undefined : offset;
        // A deep buffer keeps the socket flowing while the disk catches up.
        open = () => createWriteStream(dest, { flags, highWaterMark: 4 * LOCAL_CHUNK, ...(start ? { start } : {}) });
      } else {
        open = () => dest;
      }
      const ascii = options.type === "ascii";
      await this.ensureType(ascii ? "A" : "I");
      return this.transfer({
        direction: "download",
        verb: "RETR",
        arg: remote,
        rest: offset,
        open,
        ...(ascii ? { transform: fromNetworkAscii } : {}),
        ...transferHooks(options),
      });
    }, options.signal);
  }

  /**
   * STOR (APPE with `append`) from a Readable or a local path. `offset` sends REST and,
   * with a path, reads the file from that byte; `resume` (path only) finds the offset
   * with SIZE and falls back to APPE when REST is refused.
   */
  upload(source: Readable | string, remote: string, options: UploadOptions = {}): Promise<TransferResult> {
    return this.queue.run(async () => {
      if (options.resume && typeof source !== "string") {
        throw new TypeError("upload: resume needs a local path as the source");
      }
      const ascii = options.type === "ascii";
      let offset = options.offset ?? 0;
      if (options.resume) offset = await this.remoteSizeOrZero(remote);
      let open: () => Readable;
      let total: number | undefined;
      if (typeof source === "string") {
        // Fail before the server creates or truncates anything.
        const info = await stat(source);
        total = Math.max(0, info.size - offset);
        open = () => createReadStream(source, { start: offset, highWaterMark: LOCAL_CHUNK });
      } else {
        open = () => source;
      }
      await this.ensureType(ascii ? "A" : "I");
      return this.transfer({
        direction: "upload",
        verb: options.append ? "APPE" : "STOR",
        arg: remote,
        rest: offset,
        restRefused: options.resume ? "append" : "throw",
        open,
        ...(ascii ? { transform: toNetworkAscii } : {}),
        ...(total !== undefined && !ascii ? { total } : {}),
        ...transferHooks(options),
      });
    }, options.signal);
  }

  /** APPE: upload appending to the remote file. */
  append(source: Readable | string, remote: string, options: TransferOptions = {}): Promise<TransferResult> {
    return this.upload(source, remote, { ...options, append: true });
  }

  // ---- internals (run inside a queue slot) ----

  private ctl(): ControlConnection {
    const control = this.control;
    if (!control) throw new FtpConnectionError("not connected");
    if (control.error) throw control.error;
    return control;
  }

  private simple(verb: string, arg?: string): Promise<void> {
    return this.queue.run(async () => {
      await this.ctl().expect2xx(verb, arg);
    });
  }

  private async ensureType(type: "I" | "A"): Promise<void> {
    if (this.currentType === type) return;
    await this.ctl().expect2xx("TYPE", type);
    this.currentType = type;
  }

  private async remoteSize(path: string): Promise<number> {
    await this.ensureType("I");
    const control = this.ctl();
    const reply = await control.request("SIZE", path);
    if (reply.code !== 213) throw FtpError.fromReply(reply, control.lastCommand);
    const text = reply.text.trim();
    if (!/^\d+$/.test(text)) throw FtpError.fromReply(reply, control.lastCommand, "not a size");
    return Number(text);
  }

  private async remoteSizeOrZero(path: string): Promise<number> {
    try {
      return await this.remoteSize(path);
    } catch (err) {
      if (err instanceof FtpError && err.code === 550) return 0;
      throw err;
    }
  }

  /**
   * FEAT once per connection. `strict` (features()) throws on replies other than
   * 211/500/502; internal callers take any failure as "no features" without caching it.
   */
  private async loadFeatures(strict: boolean): Promise<ReadonlyMap<string, string>> {
    if (this.featureCache) return this.featureCache;
    const control = this.ctl();
    const reply = await control.request("FEAT");
    if (reply.code === 211) this.featureCache = parseFeatures(reply);
    else if (reply.code === 500 || reply.code === 502) this.featureCache = new Map();
    else if (strict) throw FtpError.fromReply(reply, control.lastCommand);
    else return new Map();
    return this.featureCache;
  }

  private async openData(signal: AbortSignal | undefined): Promise<DataChannel> {
    const control = this.ctl();
    const setup = {
      network: this.network,
      control,
      dataTimeoutMs: this.dataTimeoutMs,
      allowForeignPasvAddress: this.allowForeignPasvAddress,
      ...(this.activeAddress !== undefined ? { activeAddress: this.activeAddress } : {}),
      ...(signal ? { signal } : {}),
    };
    if (!this.passiveMode) return openActive(setup);
    if (!this.passivePref) {
      // EPSV carries no address to distrust and suits NAT: use it on IPv4 when advertised.
      const features = control.remote.family === 4 ? await this.loadFeatures(false) : new Map<string, string>();
      this.passivePref = { epsvFirst: features.has("EPSV"), epsvRefused: false };
    }
    return openPassive(setup, this.passivePref);
  }

  private transfer(plan: TransferPlan): Promise<TransferResult> {
    const session: TransferSession = {
      control: this.ctl(),
      timeoutMs: this.timeoutMs,
      dataTimeoutMs: this.dataTimeoutMs,
      openData: (signal) => this.openData(signal),
    };
    return runTransfer(session, plan);
  }

  /** A listing's data, collected as text (listings are small; files are never buffered). */
  private async collect(verb: string, path: string | undefined): Promise<string> {
    const chunks: Buffer[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _enc, done) {
        chunks.push(chunk);
        done();
      },
    });
    await this.transfer({
      direction: "download",
      verb,
      ...(path !== undefined && path !== "" ? { arg: path } : {}),
      open: () => sink,
    });
    return Buffer.concat(chunks).toString("utf8");
  }
}

function transferHooks(options: TransferOptions): Pick<TransferPlan, "signal" | "onProgress"> {
  return {
    ...(options.signal ? { signal: options.signal } : {}),
    ...(options.onProgress ? { onProgress: options.onProgress } : {}),
  };
}

/** FEAT lines between the first and the last, e.g. " MLST type*;size*;" -> MLST => "type*;size*;". */
function parseFeatures(reply: Reply): Map<string, string> {
  const features = new Map<string, string>();
  for (const raw of reply.lines.slice(1, -1)) {
    const line = raw.trim();
    if (line === "") continue;
    const space = line.indexOf(" ");
    const name = (space === -1 ? line : line.slice(0, space)).toUpperCase();
    features.set(name, space === -1 ? "" : line.slice(space + 1).trim());
  }
  return features;
}

async function sizeOrUndefined(path: string): Promise<number | undefined> {
  try {
    return (await stat(path)).size;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw err;
  }
}
