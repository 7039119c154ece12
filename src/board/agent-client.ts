// The host side of the firmware-shim test agent (firmware-shim/README.md, "Test agent protocol"):
// one TCP connection, one request line at a time, each answered by one `OK ...` or `ERR <code>
// <text>` line. Typed methods for every verb; device refusals are AgentError (code + text), a
// dead, silent or garbled connection is AgentConnectionError. I/O only through the Network seam,
// so the same client runs over the SLIP tunnel or, in tests, over anything else.
import type { Connection, Network } from "../network.js";

/** The agent's TCP port in firmware-shim (AGENT_PORT). */
export const AGENT_PORT = 9000;
/** Longest request line the agent takes (599 bytes + LF). */
export const AGENT_MAX_LINE = 599;
/** Longest reply line we accept before calling the connection garbled (the agent's buffers are 4 KiB). */
const MAX_REPLY_LINE = 64 * 1024;
const DEFAULT_TIMEOUT_MS = 10_000;

/** The device answered `ERR <code> <text>`. */
export class AgentError extends Error {
  override readonly name = "AgentError";
  constructor(
    /** 400 bad request, 404 not found, 409 busy/conflict, 502 FTP server said no, 503 refused/reset, 504 timeout, 507 full. */
    readonly code: number,
    readonly text: string,
    /** The request line that got the error. */
    readonly request: string,
  ) {
    super(`agent ${request.split(" ")[0] ?? ""}: ERR ${code} ${text}`);
  }
}

/** The agent connection is closed, timed out, or sent something that is not the agent protocol. */
export class AgentConnectionError extends Error {
  override readonly name = "AgentConnectionError";
}

export interface AgentHello {
  readonly board: string;
  readonly version: string;
  readonly agent: number;
  readonly mtu: number;
  readonly pool: { readonly count: number; readonly payloadSize: number };
  readonly mss: number;
  readonly window: number;
  /** RAM fs capacity in bytes, and what is free now. */
  readonly fs: number;
  readonly free: number;
  /** Most files + directories the RAM fs holds. */
  readonly files: number;
  readonly ftpPort: number;
  readonly sessions: number;
  readonly ipv6: boolean;
  readonly image: "none" | "loaded" | "corrupt";
  readonly readOnly: boolean;
  readonly uptimeMs: number;
  /** Every key=value of the reply as sent (unknown keys from newer firmware included). */
  readonly fields: Readonly<Record<string, string>>;
}

export type TransferMode = "active" | "passive";

/** Where the device's FTP client goes: `host` may be an address or `host` / `host6` (the profile's host addresses). */
export interface AgentServer {
  readonly host: string;
  readonly port: number;
  readonly user: string;
  readonly password: string;
  readonly mode: TransferMode;
}

export interface AgentTransferRequest extends AgentServer {
  /** Path on the FTP server. */
  readonly remote: string;
  /** Path in the device's RAM fs. */
  readonly local: string;
}

export interface AgentDigest {
  readonly bytes: number;
  readonly sha256: string;
}

export interface AgentTransferResult extends AgentDigest {
  /** The data port the transfer used. */
  readonly port: number;
}

export interface AgentListing extends AgentDigest {
  readonly count: number;
  readonly names: readonly string[];
  readonly truncated: boolean;
}

export type AgentFileEntry =
  | { readonly path: string; readonly kind: "file"; readonly size: number }
  | { readonly path: string; readonly kind: "dir" };

export interface AgentFiles {
  readonly count: number;
  readonly free: number;
  readonly entries: readonly AgentFileEntry[];
  readonly truncated: boolean;
}

export interface AgentRequestOptions {
  /** Limit for this request's reply (default: the client's timeoutMs). On expiry the connection is closed. */
  readonly timeoutMs?: number;
}

export interface AgentClientOptions {
  /** Limit for each reply, ms (default 10 000). GET/PUT/LS answer only when the transfer is over: pass more per call. */
  readonly timeoutMs?: number;
  /** Gets each request ("> ...") and reply ("< ...") line. */
  readonly log?: (line: string) => void;
}

export interface AgentConnectOptions extends AgentClientOptions {
  readonly host: string;
  readonly port?: number;
}

/** `%XX` for bytes <= 0x20, >= 0x7F, and `%` `,` `=` (what the agent escapes; it decodes any %XX). */
export function agentEscape(value: string): string {
  const bytes = Buffer.from(value, "utf8");
  if (bytes.includes(0)) throw new TypeError("agent arguments cannot hold NUL");
  let out = "";
  for (const b of bytes) {
    out += b <= 0x20 || b >= 0x7f || b === 0x25 || b === 0x2c || b === 0x3d ? `%${b.toString(16).toUpperCase().padStart(2, "0")}` : String.fromCharCode(b);
  }
  return out;
}

/** Reverses agentEscape; undefined for a bad escape. */
export function agentUnescape(text: string): string | undefined {
  const bytes: number[] = [];
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c !== 0x25) {
      bytes.push(c & 0xff);
      continue;
    }
    const hex = text.slice(i + 1, i + 3);
    if (!/^[0-9a-fA-F]{2}$/.test(hex)) return undefined;
    bytes.push(parseInt(hex, 16));
    i += 2;
  }
  return Buffer.from(bytes).toString("utf8");
}

export class AgentClient {
  private buffer = "";
  private waiter: { resolve(line: string): void; reject(err: Error): void } | undefined;
  private readonly lines: string[] = [];
  private failure: Error | undefined;
  /** Requests run one after another: the agent answers in order and holds later lines during a transfer. */
  private chain: Promise<unknown> = Promise.resolve();
  private readonly timeoutMs: number;
  private readonly log: ((line: string) => void) | undefined;

  constructor(
    readonly connection: Connection,
    options: AgentClientOptions = {},
  ) {
    this.timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.log = options.log;
    const stream = connection.stream;
    stream.setEncoding("latin1");
    stream.on("data", (chunk: string) => this.onData(chunk));
    stream.on("end", () => this.fail(new AgentConnectionError("agent connection closed by the board")));
    stream.on("close", () => this.fail(new AgentConnectionError("agent connection closed")));
    stream.on("error", (err: Error) => this.fail(new AgentConnectionError(`agent connection failed: ${err.message}`, { cause: err })));
  }

  /** Connects to the agent and checks that it answers HELLO as agent protocol 1. */
  static async connect(network: Network, options: AgentConnectOptions): Promise<{ agent: AgentClient; hello: AgentHello }> {
    const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    const connection = await network.connect({ host: options.host, port: options.port ?? AGENT_PORT, timeoutMs, messages: true });
    const agent = new AgentClient(connection, options);
    try {
      const hello = await agent.hello();
      if (hello.agent !== 1) throw new AgentConnectionError(`agent protocol ${hello.agent}, this client speaks 1`);
      return { agent, hello };
    } catch (err) {
      agent.close();
      throw err;
    }
  }

  /** True until the connection fails or is closed. */
  get connected(): boolean {
    return this.failure === undefined;
  }

  /** One raw request line; resolves with the reply after "OK" ("" for a bare OK). ERR rejects with AgentError. */
  request(line: string, options: AgentRequestOptions = {}): Promise<string> {
    if (line.includes("\n") || line.includes("\r")) return Promise.reject(new TypeError("an agent request is one line"));
    if (Buffer.byteLength(line, "latin1") > AGENT_MAX_LINE) {
      return Promise.reject(new TypeError(`agent request longer than ${AGENT_MAX_LINE} bytes`));
    }
    const run = this.chain.then(() => this.exchange(line, options.timeoutMs ?? this.timeoutMs));
    this.chain = run.catch(() => undefined);
    return run;
  }

  async hello(options?: AgentRequestOptions): Promise<AgentHello> {
    const fields = keyValues(await this.request("HELLO", options), "HELLO");
    const num = (k: string): number => numberField(fields, k, "HELLO");
    const pool = /^(\d+)x(\d+)$/.exec(field(fields, "pool", "HELLO"));
    if (!pool) throw garbled("HELLO", `pool=${fields.pool ?? ""}`);
    const image = field(fields, "image", "HELLO");
    if (image !== "none" && image !== "loaded" && image !== "corrupt") throw garbled("HELLO", `image=${image}`);
    return {
      board: text(fields, "board", "HELLO"),
      version: text(fields, "version", "HELLO"),
      agent: num("agent"),
      mtu: num("mtu"),
      pool: { count: Number(pool[1]), payloadSize: Number(pool[2]) },
      mss: num("mss"),
      window: num("window"),
      fs: num("fs"),
      free: num("free"),
      files: num("files"),
      ftpPort: num("ftp"),
      sessions: num("sessions"),
      ipv6: num("ipv6") === 1,
      image,
      readOnly: num("read_only") === 1,
      uptimeMs: num("uptime_ms"),
      fields,
    };
  }

  /** The device's FTP client downloads `remote` from the server into its RAM fs at `local`. */
  get(request: AgentTransferRequest, options?: AgentRequestOptions): Promise<AgentTransferResult> {
    return this.transfer("GET", request, options);
  }

  /** The device's FTP client uploads its RAM fs file `local` to the server as `remote`. */
  put(request: AgentTransferRequest, options?: AgentRequestOptions): Promise<AgentTransferResult> {
    return this.transfer("PUT", request, options);
  }

  /** The device's FTP client runs NLST on the server. */
  async ls(server: AgentServer, remote?: string, options?: AgentRequestOptions): Promise<AgentListing> {
    const line = ["LS", ...serverArgs(server), ...(remote !== undefined ? [remote] : [])];
    const fields = keyValues(await this.request(join(line), options), "LS");
    const names = fields.names ?? "";
    return {
      ...digest(fields, "LS"),
      count: numberField(fields, "count", "LS"),
      names: names === "" ? [] : names.split(",").map((n) => unescapeOrThrow(n, "LS")),
      truncated: fields.truncated === "1",
    };
  }

  /** Every file and directory in the RAM fs. */
  async files(options?: AgentRequestOptions): Promise<AgentFiles> {
    const reply = await this.request("FILES", options);
    let count: number | undefined;
    let free: number | undefined;
    let truncated = false;
    const entries: AgentFileEntry[] = [];
    for (const token of tokens(reply)) {
      const eq = token.indexOf("=");
      if (eq <= 0) throw garbled("FILES", token);
      const key = token.slice(0, eq);
      const value = token.slice(eq + 1);
      if (key === "count") count = wholeNumber(value, "FILES");
      else if (key === "free") free = wholeNumber(value, "FILES");
      else if (key === "truncated") truncated = value === "1";
      else if (value === "dir" && key.endsWith("/")) entries.push({ path: unescapeOrThrow(key.slice(0, -1), "FILES"), kind: "dir" });
      else entries.push({ path: unescapeOrThrow(key, "FILES"), kind: "file", size: wholeNumber(value, "FILES") });
    }
    if (count === undefined || free === undefined) throw garbled("FILES", reply);
    return { count, free, entries, truncated };
  }

  async hash(path: string, options?: AgentRequestOptions): Promise<AgentDigest> {
    return digest(keyValues(await this.request(join(["HASH", path]), options), "HASH"), "HASH");
  }

  /** Creates (or overwrites) `path` with `size` bytes of the agent's xorshift32 stream for `seed`. */
  async mkfile(path: string, size: number, seed: number, options?: AgentRequestOptions): Promise<AgentDigest> {
    if (!isU32(size) || !isU32(seed)) throw new RangeError("mkfile: size and seed are 32-bit unsigned integers");
    return digest(keyValues(await this.request(join(["MKFILE", path, String(size), String(seed)]), options), "MKFILE"), "MKFILE");
  }

  async mkdir(path: string, options?: AgentRequestOptions): Promise<void> {
    await this.request(join(["MKDIR", path]), options);
  }

  /** Removes a file or an empty directory. */
  async rm(path: string, options?: AgentRequestOptions): Promise<void> {
    await this.request(join(["RM", path]), options);
  }

  /** Empties the RAM fs (the board drops its FTP sessions). */
  async format(options?: AgentRequestOptions): Promise<void> {
    await this.request("FORMAT", options);
  }

  /** Default for later FTP logins. */
  async readOnly(on: boolean, options?: AgentRequestOptions): Promise<void> {
    await this.request(`READONLY ${on ? 1 : 0}`, options);
  }

  /** The net core's counters (pool_low_water, tcp_retransmits, ...) and the FTP server's (ftp_*). */
  async counters(options?: AgentRequestOptions): Promise<Record<string, number>> {
    const fields = keyValues(await this.request("COUNTERS", options), "COUNTERS");
    const out: Record<string, number> = {};
    for (const [k, v] of Object.entries(fields)) out[k] = wholeNumber(v, "COUNTERS");
    return out;
  }

  async resetCounters(options?: AgentRequestOptions): Promise<void> {
    await this.request("RESET-COUNTERS", options);
  }

  /** Asks for a reset; the board forgets every connection (this one too) once the reply is acknowledged. */
  async reboot(options?: AgentRequestOptions): Promise<void> {
    await this.request("REBOOT", options);
  }

  /** QUIT, then close the connection. */
  async quit(options?: AgentRequestOptions): Promise<void> {
    await this.request("QUIT", options);
    this.close();
  }

  /** Closes the connection at once; pending requests fail with AgentConnectionError. Idempotent. */
  close(): void {
    this.fail(new AgentConnectionError("agent connection closed by the client"));
  }

  private async transfer(verb: "GET" | "PUT", r: AgentTransferRequest, options?: AgentRequestOptions): Promise<AgentTransferResult> {
    const fields = keyValues(await this.request(join([verb, ...serverArgs(r), r.remote, r.local]), options), verb);
    return { ...digest(fields, verb), port: numberField(fields, "port", verb) };
  }

  private async exchange(line: string, timeoutMs: number): Promise<string> {
    if (this.failure) throw this.failure;
    this.log?.(`> ${line}`);
    this.connection.stream.write(`${line}\n`, "latin1");
    const reply = await this.nextLine(timeoutMs, line);
    this.log?.(`< ${reply}`);
    if (reply === "OK" || reply.startsWith("OK ")) return reply.slice(3);
    const err = /^ERR (\d{3}) ?(.*)$/.exec(reply);
    if (err) throw new AgentError(Number(err[1]), err[2] ?? "", line);
    const bad = new AgentConnectionError(`agent sent ${JSON.stringify(reply.slice(0, 80))} to ${line.split(" ")[0]}: not OK or ERR`);
    this.fail(bad);
    throw bad;
  }

  private nextLine(timeoutMs: number, line: string): Promise<string> {
    const queued = this.lines.shift();
    if (queued !== undefined) return Promise.resolve(queued);
    if (this.failure) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.fail(new AgentConnectionError(`agent: no reply to ${line.split(" ")[0]} within ${timeoutMs} ms`));
      }, timeoutMs);
      this.waiter = {
        resolve: (l) => {
          clearTimeout(timer);
          resolve(l);
        },
        reject: (e) => {
          clearTimeout(timer);
          reject(e);
        },
      };
    });
  }

  private onData(chunk: string): void {
    if (this.failure) return;
    this.buffer += chunk;
    // Bounded by the number of LFs in the buffer.
    for (let nl = this.buffer.indexOf("\n"); nl >= 0; nl = this.buffer.indexOf("\n")) {
      let line = this.buffer.slice(0, nl);
      this.buffer = this.buffer.slice(nl + 1);
      if (line.endsWith("\r")) line = line.slice(0, -1);
      const w = this.waiter;
      if (w) {
        this.waiter = undefined;
        w.resolve(line);
      } else this.lines.push(line);
    }
    if (this.buffer.length > MAX_REPLY_LINE) this.fail(new AgentConnectionError(`agent reply line longer than ${MAX_REPLY_LINE} bytes`));
  }

  private fail(err: Error): void {
    if (this.failure) return;
    this.failure = err;
    this.connection.stream.destroy();
    const w = this.waiter;
    this.waiter = undefined;
    w?.reject(err);
  }
}

function serverArgs(s: AgentServer): string[] {
  if (!Number.isInteger(s.port) || s.port < 1 || s.port > 65535) throw new RangeError(`agent: bad port ${s.port}`);
  return [s.host, String(s.port), s.user, s.password, s.mode];
}

/** Verb + escaped arguments; an empty argument cannot be sent (it would vanish between the spaces). */
function join([verb, ...args]: string[]): string {
  for (const a of args) if (a === "") throw new TypeError(`agent ${verb}: empty argument`);
  return [verb, ...args.map(agentEscape)].join(" ");
}

function tokens(text: string): string[] {
  return text.split(/[ \t]+/).filter((t) => t !== "");
}

function keyValues(text: string, verb: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const token of tokens(text)) {
    const eq = token.indexOf("=");
    if (eq <= 0) throw garbled(verb, token);
    out[token.slice(0, eq)] = token.slice(eq + 1);
  }
  return out;
}

function field(fields: Record<string, string>, key: string, verb: string): string {
  const v = fields[key];
  if (v === undefined) throw garbled(verb, `no ${key}=`);
  return v;
}

function text(fields: Record<string, string>, key: string, verb: string): string {
  return unescapeOrThrow(field(fields, key, verb), verb);
}

function numberField(fields: Record<string, string>, key: string, verb: string): number {
  return wholeNumber(field(fields, key, verb), verb);
}

function wholeNumber(v: string, verb: string): number {
  if (!/^\d{1,10}$/.test(v)) throw garbled(verb, `not a number: ${v}`);
  return Number(v);
}

function digest(fields: Record<string, string>, verb: string): AgentDigest {
  const sha256 = field(fields, "sha256", verb);
  if (!/^[0-9a-f]{64}$/.test(sha256)) throw garbled(verb, `sha256=${sha256}`);
  return { bytes: numberField(fields, "bytes", verb), sha256 };
}

function unescapeOrThrow(v: string, verb: string): string {
  const s = agentUnescape(v);
  if (s === undefined) throw garbled(verb, `bad escape in ${v}`);
  return s;
}

function isU32(n: number): boolean {
  return Number.isInteger(n) && n >= 0 && n <= 0xffffffff;
}

function garbled(verb: string, what: string): AgentConnectionError {
  return new AgentConnectionError(`agent ${verb}: unexpected reply (${what})`);
}
