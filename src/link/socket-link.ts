// ByteLinks over sockets: tcp: and unix: connect (QEMU `-serial tcp:...,server`, ser2net raw,
// a unix chardev); tcp-listen: and unix-listen: wait for the board side to connect and take the
// first connection, then stop listening. TCP links run with Nagle off: with it every small frame
// waits ~40 ms for the peer's delayed ACK.
import * as net from "node:net";
import { LinkError, linkErrorFrom } from "./errors.js";
import type { ByteLink } from "./frame-link.js";
import { formatLinkSpec, type TcpSpec, type UnixSpec } from "./spec.js";

export interface SocketOpenOptions {
  readonly signal?: AbortSignal;
  /** Give up connecting, or waiting for the board side to connect, after this long. */
  readonly timeoutMs?: number;
  /** Listen kinds: called once listening, with the spec a peer connects to (port 0 resolved). */
  readonly onListening?: (connectSpec: string) => void;
}

/**
 * Runs `start` under the timeout and abort signal. start gets ok/fail and returns `abandon`,
 * which undoes whatever it started when the timeout or the abort wins.
 */
function guarded(
  name: string,
  options: SocketOpenOptions,
  start: (ok: (link: ByteLink) => void, fail: (err: LinkError) => void) => () => void,
): Promise<ByteLink> {
  return new Promise<ByteLink>((resolve, reject) => {
    let done = false;
    let timer: NodeJS.Timeout | undefined;
    let abandon: (() => void) | undefined;
    const settle = (): boolean => {
      if (done) return false;
      done = true;
      if (timer) clearTimeout(timer);
      options.signal?.removeEventListener("abort", onAbort);
      return true;
    };
    const ok = (link: ByteLink): void => {
      if (settle()) resolve(link);
      else link.destroy();
    };
    const fail = (err: LinkError): void => {
      if (settle()) reject(err);
    };
    const giveUp = (err: LinkError): void => {
      if (!settle()) return;
      abandon?.();
      reject(err);
    };
    const onAbort = (): void => giveUp(new LinkError(`${name}: aborted`, "ABORTED"));
    if (options.signal?.aborted) {
      reject(new LinkError(`${name}: aborted`, "ABORTED"));
      return;
    }
    options.signal?.addEventListener("abort", onAbort, { once: true });
    const ms = options.timeoutMs;
    if (ms !== undefined) {
      timer = setTimeout(() => giveUp(new LinkError(`${name}: timed out after ${ms} ms`, "TIMEOUT")), ms);
    }
    abandon = start(ok, fail);
  });
}

export function connectSocket(spec: TcpSpec | UnixSpec, name: string, options: SocketOpenOptions): Promise<ByteLink> {
  return guarded(name, options, (ok, fail) => {
    const socket = "host" in spec ? net.connect({ host: spec.host, port: spec.port }) : net.connect({ path: spec.path });
    const onError = (err: Error): void => {
      socket.destroy();
      fail(linkErrorFrom(name, err));
    };
    socket.once("error", onError);
    socket.once("connect", () => {
      socket.off("error", onError);
      if ("host" in spec) socket.setNoDelay(true);
      ok(socket);
    });
    return () => socket.destroy();
  });
}

export function listenSocket(spec: TcpSpec | UnixSpec, name: string, options: SocketOpenOptions): Promise<ByteLink> {
  return guarded(name, options, (ok, fail) => {
    const server = net.createServer({ allowHalfOpen: false });
    let taken = false;
    server.on("connection", (socket) => {
      if (taken) {
        socket.destroy(); // only one board per link
        return;
      }
      taken = true;
      server.close();
      if ("host" in spec) socket.setNoDelay(true);
      ok(socket);
    });
    server.once("error", (err) => {
      server.close();
      fail(linkErrorFrom(name, err));
    });
    const announce = (): void => {
      const address = server.address();
      if (address === null || !options.onListening) return;
      if (typeof address === "string") options.onListening(formatLinkSpec({ kind: "unix", path: address }));
      else options.onListening(formatLinkSpec({ kind: "tcp", host: address.address, port: address.port }));
    };
    if ("host" in spec) server.listen({ host: spec.host, port: spec.port, exclusive: true }, announce);
    else server.listen({ path: spec.path, exclusive: true }, announce);
    return () => server.close();
  });
}
