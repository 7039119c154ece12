// The Network seam: the only way FTP code opens or accepts connections.
// HostNetwork is node:net; a later SlipNetwork carries the same calls over the
// user-space stack, so the FTP server and client never know which one they got.
import * as net from "node:net";
import type { Duplex } from "node:stream";

export type Family = 4 | 6;

export interface Endpoint {
  /** Canonical text form: dotted quad, or lower-case IPv6 without zone. IPv4-mapped IPv6 is shown as IPv4. */
  readonly address: string;
  readonly port: number;
  readonly family: Family;
}

/** An established TCP connection: a Duplex plus its two endpoints. */
export interface Connection {
  readonly stream: Duplex;
  readonly local: Endpoint;
  readonly remote: Endpoint;
  /**
   * Ask the peer at once whether it still holds this connection (a TCP keep-alive): one that lost
   * it, e.g. a board that rebooted, answers RST and the stream fails. Absent where the network
   * cannot send one on demand (node:net).
   */
  readonly probe?: () => void;
}

export interface ConnectOptions {
  readonly host: string;
  readonly port: number;
  /** Bind the local end to this address and/or port first (active-mode FTP data from port 20). */
  readonly localAddress?: string;
  readonly localPort?: number;
  readonly timeoutMs?: number;
  readonly signal?: AbortSignal;
  /**
   * Request/response messages, e.g. an FTP control connection: where the link's profile asks for it
   * (NetX reads one command per packet), each write travels in segments of its own. Without it the
   * connection is a plain byte stream that may be coalesced (data connections).
   */
  readonly messages?: boolean;
}

export interface ListenOptions {
  readonly host: string;
  /** 0 picks a free port. */
  readonly port: number;
  readonly backlog?: number;
  /** Accepted connections carry messages (see ConnectOptions.messages). */
  readonly messages?: boolean;
}

export interface Listener {
  readonly local: Endpoint;
  close(): Promise<void>;
}

export interface Network {
  connect(options: ConnectOptions): Promise<Connection>;
  listen(options: ListenOptions, onConnection: (connection: Connection) => void): Promise<Listener>;
}

/** Typed error for connect/listen failures; `code` is the errno name when there is one. */
export class NetworkError extends Error {
  override readonly name = "NetworkError";
  constructor(
    message: string,
    readonly code: string,
  ) {
    super(message);
  }
}

const MAPPED_V4 = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i;

/** Canonical form of an address for display and comparison (drops zone ids and the IPv4-mapped prefix). */
export function canonicalAddress(address: string): string {
  const noZone = address.split("%")[0] ?? address;
  const mapped = MAPPED_V4.exec(noZone);
  if (mapped?.[1]) return mapped[1];
  return noZone.toLowerCase();
}

export function endpoint(address: string | undefined, port: number | undefined): Endpoint {
  const a = canonicalAddress(address ?? "");
  return { address: a, port: port ?? 0, family: net.isIPv4(a) ? 4 : 6 };
}

function wrap(socket: net.Socket): Connection {
  return {
    stream: socket,
    local: endpoint(socket.localAddress, socket.localPort),
    remote: endpoint(socket.remoteAddress, socket.remotePort),
  };
}

function networkError(err: unknown, what: string): NetworkError {
  const e = err as NodeJS.ErrnoException;
  return new NetworkError(`${what}: ${e.message ?? String(err)}`, e.code ?? "EUNKNOWN");
}

/** The host's own TCP/IP through node:net. Every socket gets TCP_NODELAY: FTP is request/reply. */
export class HostNetwork implements Network {
  connect(options: ConnectOptions): Promise<Connection> {
    return new Promise((resolve, reject) => {
      const what = `connect to ${options.host} port ${options.port}`;
      if (options.signal?.aborted) {
        reject(new NetworkError(`${what}: aborted`, "ABORT_ERR"));
        return;
      }
      const socket = net.connect({
        host: options.host,
        port: options.port,
        noDelay: true,
        ...(options.localAddress !== undefined ? { localAddress: options.localAddress } : {}),
        ...(options.localPort !== undefined ? { localPort: options.localPort } : {}),
      });
      let timer: NodeJS.Timeout | undefined;
      const cleanup = (): void => {
        if (timer) clearTimeout(timer);
        socket.off("connect", onConnect);
        socket.off("error", onError);
        options.signal?.removeEventListener("abort", onAbort);
      };
      const onConnect = (): void => {
        cleanup();
        resolve(wrap(socket));
      };
      const onError = (err: Error): void => {
        cleanup();
        socket.destroy();
        reject(networkError(err, what));
      };
      const onAbort = (): void => {
        cleanup();
        socket.destroy();
        reject(new NetworkError(`${what}: aborted`, "ABORT_ERR"));
      };
      socket.once("connect", onConnect);
      socket.once("error", onError);
      options.signal?.addEventListener("abort", onAbort, { once: true });
      if (options.timeoutMs !== undefined) {
        timer = setTimeout(() => {
          cleanup();
          socket.destroy();
          reject(new NetworkError(`${what}: timed out after ${options.timeoutMs} ms`, "ETIMEDOUT"));
        }, options.timeoutMs);
      }
    });
  }

  listen(options: ListenOptions, onConnection: (connection: Connection) => void): Promise<Listener> {
    return new Promise((resolve, reject) => {
      const server = net.createServer({ noDelay: true }, (socket) => {
        // A peer that resets before we look at it has no addresses: nothing to serve.
        if (socket.remoteAddress === undefined) {
          socket.destroy();
          return;
        }
        onConnection(wrap(socket));
      });
      server.once("error", (err) => reject(networkError(err, `listen on ${options.host} port ${options.port}`)));
      server.listen({ host: options.host, port: options.port, backlog: options.backlog ?? 511 }, () => {
        const addr = server.address() as net.AddressInfo;
        server.on("error", () => undefined);
        resolve({
          local: endpoint(addr.address, addr.port),
          // Stop accepting now; connections already accepted live on (net.Server's own
          // close callback would wait for them, which a passive data listener must not).
          close: async () => {
            server.close();
          },
        });
      });
    });
  }
}
