// What an FtpServer can be told, and the defaults it runs with when it is not.
import type { Network } from "../../network.js";
import type { FileSystem } from "../fs/types.js";

/** What the login callback sees: the credentials and the client's control-connection endpoint. */
export interface LoginRequest {
  readonly user: string;
  readonly password: string;
  readonly address: string;
  readonly port: number;
}

/** What a successful login grants. With neither `root` nor `fs`, the server's own root/fs is used. */
export interface SessionGrant {
  readonly root?: string;
  readonly fs?: FileSystem;
  readonly readOnly?: boolean;
}

export interface LogoutInfo {
  readonly user: string;
  readonly address: string;
  readonly port: number;
}

export type Dialect = "rfc" | "netx";

export interface FtpServerOptions {
  /** How connections are accepted and opened (default: the host's TCP). */
  readonly network?: Network;
  readonly host?: string;
  /** 0 picks a free port. */
  readonly port?: number;
  /** Directory served to users whose grant names no root or fs. */
  readonly root?: string;
  readonly fs?: FileSystem;
  /** Simple name -> password table, checked before `login`. */
  readonly users?: Readonly<Record<string, string>>;
  /** Like NetX Duo's login callback, with the client's address; null refuses (530). */
  readonly login?: (request: LoginRequest) => Promise<SessionGrant | null> | SessionGrant | null;
  /** Called once per logged-in session when it ends (QUIT, disconnect, timeout, shutdown). */
  readonly logout?: (info: LogoutInfo) => void | Promise<void>;
  /** USER anonymous / ftp with an e-mail address as password. */
  readonly anonymous?: boolean;
  /** Every session read-only. */
  readonly readOnly?: boolean;
  /** "netx" answers exactly as the NetX Duo FTP server does. */
  readonly dialect?: Dialect;
  readonly pasvPorts?: { readonly min: number; readonly max: number };
  /** Address advertised in 227 replies (NAT); default: the control connection's local address. */
  readonly pasvAddress?: string;
  readonly maxSessions?: number;
  readonly idleTimeoutMs?: number;
  /** Waiting for a data connection, and the longest a transfer may go without a byte moving. */
  readonly dataTimeoutMs?: number;
  readonly maxLineLength?: number;
  readonly loginFailDelayMs?: number;
  readonly maxLoginFailures?: number;
  /** Text of the 220 greeting (rfc dialect). */
  readonly greeting?: string;
}

export const DEFAULTS = {
  host: "127.0.0.1",
  port: 21,
  maxSessions: 1000,
  idleTimeoutMs: 300_000,
  dataTimeoutMs: 30_000,
  maxLineLength: 4096,
  loginFailDelayMs: 1000,
  maxLoginFailures: 3,
  greeting: "hilftp ready",
} as const;
