// The Network seam over the user-space stack: the FTP server and client run on the SLIP
// tunnel exactly as they run on HostNetwork. Sockets are TcpSocket Duplexes.
import type { ConnectOptions, Connection, Endpoint, ListenOptions, Listener, Network } from "../network.js";
import { NetworkError } from "../network.js";
import type { TcpSocket } from "./tcp/index.js";
import { StackError, type SocketEndpoints, type Stack } from "./stack.js";

function ends(e: SocketEndpoints): { local: Endpoint; remote: Endpoint } {
  return {
    local: { address: e.localAddress, port: e.localPort, family: e.family },
    remote: { address: e.remoteAddress, port: e.remotePort, family: e.family },
  };
}

function wrap(socket: TcpSocket, e: SocketEndpoints): Connection {
  return { stream: socket, ...ends(e), probe: () => socket.probe() };
}

/** The profile's message boundaries apply to message connections only; byte streams are coalesced freely. */
function streamOnly(messages: boolean | undefined): { tcp?: { messageBoundaries: false } } {
  return messages ? {} : { tcp: { messageBoundaries: false } };
}

export class SlipNetwork implements Network {
  constructor(readonly stack: Stack) {}

  connect(options: ConnectOptions): Promise<Connection> {
    const what = `connect to ${options.host} port ${options.port}`;
    let socket: TcpSocket;
    try {
      socket = this.stack.connect(options.host, options.port, {
        ...(options.localPort !== undefined ? { localPort: options.localPort } : {}),
        ...streamOnly(options.messages),
      });
    } catch (err) {
      const e = err as StackError;
      return Promise.reject(new NetworkError(`${what}: ${e.message}`, e.code ?? "EINVAL"));
    }
    const endpoints = this.stack.endpointsOf(socket);
    return new Promise((resolve, reject) => {
      let timer: NodeJS.Timeout | undefined;
      const cleanup = (): void => {
        clearTimeout(timer);
        socket.off("connect", onConnect);
        socket.off("error", onError);
        socket.off("close", onClose);
        options.signal?.removeEventListener("abort", onAbort);
      };
      const fail = (code: string, message: string): void => {
        cleanup();
        socket.destroy();
        reject(new NetworkError(`${what}: ${message}`, code));
      };
      const onConnect = (): void => {
        cleanup();
        resolve(wrap(socket, endpoints!));
      };
      const onError = (err: Error & { code?: string }): void => fail(err.code ?? "ECONNREFUSED", err.message);
      const onClose = (): void => fail("ECONNREFUSED", "connection refused");
      const onAbort = (): void => fail("ABORT_ERR", "aborted");
      socket.once("connect", onConnect);
      socket.once("error", onError);
      socket.once("close", onClose);
      options.signal?.addEventListener("abort", onAbort, { once: true });
      if (options.timeoutMs !== undefined) timer = setTimeout(() => fail("ETIMEDOUT", `timed out after ${options.timeoutMs} ms`), options.timeoutMs);
    });
  }

  async listen(options: ListenOptions, onConnection: (connection: Connection) => void): Promise<Listener> {
    const family = this.familyOf(options.host);
    try {
      const l = this.stack.listen(options.port, (socket, e) => onConnection(wrap(socket, e)), { family, ...streamOnly(options.messages) });
      const local = this.stack.addresses(family === 6 ? 6 : 4) ?? this.stack.addresses(6);
      return {
        local: { address: family === "both" ? "::" : local!.local, port: l.port, family: family === 4 ? 4 : 6 },
        close: async () => l.close(),
      };
    } catch (err) {
      const e = err as StackError;
      throw new NetworkError(`listen on ${options.host} port ${options.port}: ${e.message}`, e.code ?? "EINVAL");
    }
  }

  private familyOf(host: string): 4 | 6 | "both" {
    if (host === "::" || host === "") return "both";
    if (host === "0.0.0.0") return 4;
    const f = this.stack.familyFor(host);
    if (f === undefined) throw new NetworkError(`listen on ${host}: not an address of this link`, "EADDRNOTAVAIL");
    const mine = this.stack.addresses(f);
    if (mine && mine.local !== host && mine.peer !== host) {
      throw new NetworkError(`listen on ${host}: this link's host address is ${mine.local}`, "EADDRNOTAVAIL");
    }
    return f;
  }
}
