// The FTP server: accepts control connections through a Network, enforces the session limit,
// authenticates (user table, anonymous, or the login callback with the client's address, as
// NetX Duo's login callback sees it), and tracks sessions so close() ends them all.
import { EventEmitter } from "node:events";
import { HostNetwork, type Connection, type Endpoint, type Listener, type Network } from "../../network.js";
import { NodeFileSystem } from "../fs/node.js";
import type { FileSystem } from "../fs/types.js";
import { isAnonymousUser } from "./commands/access.js";
import type { Grant, ResolvedOptions, ServerContext } from "./context.js";
import { textsFor, type Texts } from "./dialect.js";
import type { ServerEvents } from "./events.js";
import { DEFAULTS, type FtpServerOptions, type LoginRequest, type SessionGrant } from "./options.js";
import { PassivePorts } from "./passive-ports.js";
import { Session } from "./session.js";

export interface FtpServer {
  on<E extends keyof ServerEvents>(event: E, listener: (payload: ServerEvents[E]) => void): this;
  once<E extends keyof ServerEvents>(event: E, listener: (payload: ServerEvents[E]) => void): this;
  off<E extends keyof ServerEvents>(event: E, listener: (payload: ServerEvents[E]) => void): this;
  emit<E extends keyof ServerEvents>(event: E, payload: ServerEvents[E]): boolean;
}

export class FtpServer extends EventEmitter implements ServerContext {
  readonly options: ResolvedOptions;
  readonly texts: Texts;
  readonly network: Network;
  readonly ports: PassivePorts;
  private readonly config: FtpServerOptions;
  private readonly sessions = new Set<Session>();
  private listener: Listener | undefined;
  private nextId = 1;
  private defaultFs: FileSystem | undefined;
  private readonly rootFs = new Map<string, FileSystem>();

  constructor(options: FtpServerOptions = {}) {
    super();
    this.config = options;
    this.network = options.network ?? new HostNetwork();
    this.texts = textsFor(options.dialect ?? "rfc");
    this.ports = new PassivePorts(this.network, options.pasvPorts);
    this.options = {
      maxSessions: options.maxSessions ?? DEFAULTS.maxSessions,
      idleTimeoutMs: options.idleTimeoutMs ?? DEFAULTS.idleTimeoutMs,
      dataTimeoutMs: options.dataTimeoutMs ?? DEFAULTS.dataTimeoutMs,
      maxLineLength: options.maxLineLength ?? DEFAULTS.maxLineLength,
      loginFailDelayMs: options.loginFailDelayMs ?? DEFAULTS.loginFailDelayMs,
      maxLoginFailures: options.maxLoginFailures ?? DEFAULTS.maxLoginFailures,
      pasvAddress: options.pasvAddress,
    };
    this.defaultFs = options.fs ?? (options.root !== undefined ? new NodeFileSystem(options.root) : undefined);
    // An "error" event with no listener would throw: the server reports, it never crashes.
    this.on("error", () => undefined);
  }

  get sessionCount(): number {
    return this.sessions.size;
  }

  /** Start accepting; resolves with the bound endpoint once connections are accepted. */
  async listen(): Promise<Endpoint> {
    if (this.listener) return this.listener.local;
    this.listener = await this.network.listen(
      { host: this.config.host ?? DEFAULTS.host, port: this.config.port ?? DEFAULTS.port, backlog: 1024, messages: true },
      (c) => this.accept(c),
    );
    return this.listener.local;
  }

  get address(): Endpoint | undefined {
    return this.listener?.local;
  }

  /** Stop accepting and end every session (421 to each). */
  async close(): Promise<void> {
    const l = this.listener;
    this.listener = undefined;
    await l?.close();
    for (const s of [...this.sessions]) s.shutdown("Server shutting down");
  }

  private accept(c: Connection): void {
    if (this.sessions.size >= this.options.maxSessions) {
      c.stream.on("error", () => undefined);
      c.stream.end("421 Too many connections, try again later\r\n");
      setTimeout(() => c.stream.destroy(), 1000).unref();
      return;
    }
    const session = new Session(this.nextId++, c, this);
    this.sessions.add(session);
    this.emit("session-open", { id: session.id, remote: c.remote });
    session.start(this.config.greeting ?? DEFAULTS.greeting);
  }

  async authenticate(request: LoginRequest): Promise<Grant | null> {
    const readOnly = this.config.readOnly ?? false;
    if (this.config.anonymous && isAnonymousUser(request.user)) {
      return this.grant({ readOnly }, readOnly);
    }
    const table = this.config.users;
    if (table && Object.hasOwn(table, request.user)) {
      if (table[request.user] === request.password) return this.grant({ readOnly }, readOnly);
      if (!this.config.login) return null;
    }
    if (!this.config.login) return null;
    let grant: SessionGrant | null;
    try {
      grant = await this.config.login(request);
    } catch (err) {
      this.emit("error", { error: err instanceof Error ? err : new Error(String(err)) });
      return null;
    }
    return grant ? this.grant(grant, readOnly) : null;
  }

  private grant(grant: SessionGrant, serverReadOnly: boolean): Grant | null {
    let fs = grant.fs;
    if (!fs && grant.root !== undefined) {
      fs = this.rootFs.get(grant.root);
      if (!fs) {
        fs = new NodeFileSystem(grant.root);
        this.rootFs.set(grant.root, fs);
      }
    }
    fs ??= this.defaultFs;
    if (!fs) {
      this.emit("error", { error: new Error("login granted but no root or fs is configured") });
      return null;
    }
    return { fs, readOnly: serverReadOnly || (grant.readOnly ?? false) };
  }

  sessionClosed(session: Session): void {
    if (!this.sessions.delete(session)) return;
    this.emit("session-close", { id: session.id, user: session.loggedIn ? session.user : undefined });
    const logout = this.config.logout;
    if (logout && session.loggedIn) {
      const r = session.control.remote;
      Promise.resolve()
        .then(() => logout({ user: session.user, address: r.address, port: r.port }))
        .catch((err: unknown) => this.emit("error", { error: err instanceof Error ? err : new Error(String(err)) }));
    }
  }
}
