// Data connection setup. Passive: PASV (IPv4) or EPSV (IPv6, or IPv4 when the server
// advertises it), with fallback on refusal and the control peer's address in place of
// a foreign PASV address. Active: listen, PORT/EPRT, and take only the control peer's
// connection. Either way the caller gets a DataChannel whose connection() it awaits
// after sending the transfer command.
import { canonicalAddress, NetworkError, type Connection, type Listener, type Network } from "../../network.js";
import { formatEprtArg, formatPortArg, parseEpsvText, parsePasvText } from "../protocol/address.js";
import type { Reply } from "../protocol/reply.js";
import type { ControlConnection } from "./control.js";
import { abortError, FtpError, FtpTimeoutError } from "./errors.js";

export interface DataChannel {
  /** The established data connection: at once in passive mode, after the server connects in active mode. */
  connection(): Promise<Connection>;
  /** Destroys the connection and/or listener; idempotent. */
  close(): void;
}

/** What the passive side learned about the server; lives as long as the control connection. */
export interface PassivePreference {
  /** On IPv4: try EPSV before PASV (FEAT said EPSV, or PASV was refused). */
  epsvFirst: boolean;
  /** On IPv4: EPSV was refused once, do not ask again. */
  epsvRefused: boolean;
}

export interface DataSetup {
  readonly network: Network;
  readonly control: ControlConnection;
  readonly dataTimeoutMs: number;
  readonly allowForeignPasvAddress: boolean;
  readonly activeAddress?: string;
  readonly signal?: AbortSignal;
}

export async function openPassive(setup: DataSetup, pref: PassivePreference): Promise<DataChannel> {
  const peer = setup.control.remote;
  // PASV cannot describe an IPv6 address: on IPv6 it is EPSV or nothing.
  const { host, port } =
    peer.family === 6 ? { host: peer.address, port: await epsv(setup.control) } : await passiveV4(setup, pref);
  if (setup.signal?.aborted) throw abortError(setup.signal);
  let connection: Connection;
  try {
    connection = await setup.network.connect({
      host,
      port,
      timeoutMs: setup.dataTimeoutMs,
      ...(setup.signal ? { signal: setup.signal } : {}),
    });
  } catch (err) {
    if (setup.signal?.aborted) throw abortError(setup.signal);
    if (err instanceof NetworkError && err.code === "ETIMEDOUT") {
      throw new FtpTimeoutError("data", setup.dataTimeoutMs, `connecting to ${host} port ${port}`);
    }
    throw err;
  }
  guard(connection);
  let closed = false;
  return {
    connection: () =>
      closed ? Promise.reject(new Error("data channel closed")) : Promise.resolve(connection),
    close: () => {
      closed = true;
      connection.stream.destroy();
    },
  };
}

export async function openActive(setup: DataSetup): Promise<DataChannel> {
  const control = setup.control;
  const peer = canonicalAddress(control.remote.address);
  let accepted: Connection | undefined;
  let closed = false;
  let listening = true;
  let notify: (() => void) | undefined;
  const stopListening = (): void => {
    if (!listening) return;
    listening = false;
    void listener.close();
  };
  const listener: Listener = await setup.network.listen(
    { host: setup.activeAddress ?? control.local.address, port: 0, backlog: 1 },
    (conn) => {
      // Bounce protection the other way round: only the server we talk to may connect.
      if (closed || accepted || canonicalAddress(conn.remote.address) !== peer) {
        conn.stream.destroy();
        return;
      }
      guard(conn);
      accepted = conn;
      stopListening();
      notify?.();
    },
  );
  const close = (): void => {
    if (closed) return;
    closed = true;
    stopListening();
    accepted?.stream.destroy();
    notify?.();
  };
  try {
    const hp = { host: listener.local.address, port: listener.local.port };
    if (listener.local.family === 4) await control.expect2xx("PORT", formatPortArg(hp));
    else await control.expect2xx("EPRT", formatEprtArg(hp));
  } catch (err) {
    close();
    throw err;
  }
  const connection = (): Promise<Connection> =>
    new Promise((resolve, reject) => {
      let timer: NodeJS.Timeout | undefined;
      const onAbort = (): void => settle();
      const settle = (): void => {
        if (timer) clearTimeout(timer);
        notify = undefined;
        setup.signal?.removeEventListener("abort", onAbort);
        if (accepted && !closed) resolve(accepted);
        else if (setup.signal?.aborted) reject(abortError(setup.signal));
        else if (closed) reject(new Error("data channel closed"));
        else {
          close();
          reject(new FtpTimeoutError("data", setup.dataTimeoutMs, "waiting for the server's data connection"));
        }
      };
      if (accepted || closed || setup.signal?.aborted) {
        settle();
        return;
      }
      notify = settle;
      setup.signal?.addEventListener("abort", onAbort, { once: true });
      timer = setTimeout(settle, setup.dataTimeoutMs);
    });
  return { connection, close };
}

/** Until the transfer pipes the stream, an early reset must not become an unhandled 'error'. */
function guard(connection: Connection): void {
  connection.stream.on("error", () => undefined);
}

function refused(reply: Reply): boolean {
  return reply.code >= 500 && reply.code <= 599;
}

async function passiveV4(setup: DataSetup, pref: PassivePreference): Promise<{ host: string; port: number }> {
  const control = setup.control;
  const peer = control.remote.address;
  if (pref.epsvFirst && !pref.epsvRefused) {
    const reply = await control.request("EPSV");
    if (reply.code === 229) return { host: peer, port: epsvPort(reply, control.lastCommand) };
    if (!refused(reply)) throw FtpError.fromReply(reply, control.lastCommand);
    pref.epsvRefused = true;
    pref.epsvFirst = false;
    return pasvEndpoint(await control.request("PASV"), setup);
  }
  const reply = await control.request("PASV");
  // Only "not implemented" sends us to EPSV: other failures are the answer.
  if (reply.code === 227 || (reply.code !== 500 && reply.code !== 502) || pref.epsvRefused) {
    return pasvEndpoint(reply, setup);
  }
  const second = await control.request("EPSV");
  if (second.code === 229) {
    pref.epsvFirst = true;
    return { host: peer, port: epsvPort(second, control.lastCommand) };
  }
  if (refused(second)) pref.epsvRefused = true;
  throw FtpError.fromReply(second, control.lastCommand);
}

async function epsv(control: ControlConnection): Promise<number> {
  const reply = await control.request("EPSV");
  return epsvPort(reply, control.lastCommand);
}

function epsvPort(reply: Reply, command: string): number {
  if (reply.code !== 229) throw FtpError.fromReply(reply, command);
  const port = parseEpsvText(reply.text);
  if (port === undefined) throw FtpError.fromReply(reply, command, "no port in the EPSV reply");
  return port;
}

function pasvEndpoint(reply: Reply, setup: DataSetup): { host: string; port: number } {
  const command = setup.control.lastCommand;
  if (reply.code !== 227) throw FtpError.fromReply(reply, command);
  const hp = parsePasvText(reply.text);
  if (hp === undefined) throw FtpError.fromReply(reply, command, "no address in the PASV reply");
  const peer = setup.control.remote.address;
  const foreign = canonicalAddress(hp.host) !== canonicalAddress(peer);
  // A server behind NAT (or one that lies) names an address we may not reach or must
  // not trust; 0.0.0.0 is never reachable.
  const host = hp.host === "0.0.0.0" || (foreign && !setup.allowForeignPasvAddress) ? peer : hp.host;
  return { host, port: hp.port };
}
