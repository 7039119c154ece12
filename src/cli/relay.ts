// Serving one board link to host sessions that come and go: a listening socket (TCP or unix) whose
// connections take turns at the board's ByteLink, one at a time, bytes relayed both ways. A second
// connection waits until the first ends, as a UART has one host; while nobody is connected the
// board's bytes are read and dropped, as a UART with nothing attached loses them (and so a board
// with retransmissions pending is never stalled by a host that went away).
import { rm, stat } from "node:fs/promises";
import * as net from "node:net";
import type { ByteLink } from "../link/frame-link.js";
import { formatLinkSpec, type TcpSpec, type UnixSpec } from "../link/spec.js";

export interface LinkRelay {
  /** The spec a host gives to --link to reach the board (port 0 resolved). */
  readonly address: string;
  /** Host connections served so far (finished and current). */
  readonly served: number;
  /** Bytes and SLIP frames relayed so far (for hilftp stats). */
  readonly stats: RelayStats;
  /** Stops listening and drops the current host; the board link stays open (the caller owns it). */
  close(): Promise<void>;
}

/**
 * What went through the relay. "In" is from the board, "out" to it, as a host sees its link.
 * The relay moves bytes, not frames; frames are counted by their SLIP END bytes.
 */
export interface RelayStats {
  readonly framesIn: number;
  readonly framesOut: number;
  readonly bytesIn: number;
  readonly bytesOut: number;
  /** Board bytes read while no host was connected, and dropped (counted in bytesIn too). */
  readonly droppedBytes: number;
  readonly hostSessions: number;
}

/** SLIP END. */
const END = 0xc0;

/** Counts the frames a byte stream carries: each END that closes a non-empty run of bytes. */
class FrameCounter {
  frames = 0;
  private open = false;
  add(chunk: Buffer): void {
    let i = 0;
    while (i < chunk.length) {
      const end = chunk.indexOf(END, i);
      if (end < 0) {
        this.open = true;
        return;
      }
      if (end > i || this.open) this.frames++;
      this.open = false;
      i = end + 1;
    }
  }
}

export interface RelayEvents {
  /** A host connected (n counts from 1) or went away. */
  readonly onHost?: (event: "attached" | "detached", n: number) => void;
}

export async function relayLink(link: ByteLink, listen: TcpSpec | UnixSpec, events: RelayEvents = {}): Promise<LinkRelay> {
  const isTcp = "host" in listen;
  const server = net.createServer({ pauseOnConnect: true });
  const waiting: net.Socket[] = [];
  let host: net.Socket | undefined;
  let served = 0;
  let closed = false;
  const fromBoard = new FrameCounter();
  const toBoard = new FrameCounter();
  let bytesIn = 0;
  let bytesOut = 0;
  let droppedBytes = 0;

  const onBoardData = (chunk: Buffer): void => {
    bytesIn += chunk.length;
    fromBoard.add(chunk);
    if (host && !host.destroyed) {
      if (!host.write(chunk)) link.pause();
    } else droppedBytes += chunk.length;
  };
  link.on("data", onBoardData);
  const onBoardDrain = (): void => {
    host?.resume();
  };
  link.on("drain", onBoardDrain);

  const attach = (socket: net.Socket): void => {
    host = socket;
    const n = ++served;
    events.onHost?.("attached", n);
    socket.on("data", (chunk: Buffer) => {
      bytesOut += chunk.length;
      toBoard.add(chunk);
      if (!link.write(chunk)) socket.pause();
    });
    socket.on("drain", () => link.resume());
    const detach = (): void => {
      if (host !== socket) return;
      host = undefined;
      link.resume(); // back to reading and dropping
      events.onHost?.("detached", n);
      next();
    };
    socket.once("close", detach);
    socket.resume();
  };
  const next = (): void => {
    if (closed || host) return;
    const socket = waiting.shift();
    if (socket) attach(socket);
  };

  server.on("connection", (socket) => {
    socket.on("error", () => undefined); // a host that resets just ends its turn
    if (isTcp) socket.setNoDelay(true);
    if (closed) {
      socket.destroy();
      return;
    }
    waiting.push(socket);
    socket.once("close", () => {
      const i = waiting.indexOf(socket);
      if (i >= 0) waiting.splice(i, 1);
    });
    next();
  });

  if (!isTcp) await removeStaleSocket(listen.path);
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    const ready = (): void => {
      server.off("error", reject);
      resolve();
    };
    if (isTcp) server.listen({ host: listen.host, port: listen.port, exclusive: true }, ready);
    else server.listen({ path: listen.path, exclusive: true }, ready);
  });
  const bound = server.address();
  const address =
    typeof bound === "object" && bound !== null
      ? formatLinkSpec({ kind: "tcp", host: bound.address, port: bound.port })
      : formatLinkSpec({ kind: "unix", path: isTcp ? "" : listen.path });

  return {
    address,
    get served() {
      return served;
    },
    get stats(): RelayStats {
      return { framesIn: fromBoard.frames, framesOut: toBoard.frames, bytesIn, bytesOut, droppedBytes, hostSessions: served };
    },
    async close() {
      if (closed) return;
      closed = true;
      link.off("data", onBoardData);
      link.off("drain", onBoardDrain);
      for (const socket of waiting.splice(0)) socket.destroy();
      host?.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      if (!isTcp) await rm(listen.path, { force: true });
    },
  };
}

/** A socket file left by a relay that was killed: nobody accepts on it, so it can go. */
async function removeStaleSocket(path: string): Promise<void> {
  const info = await stat(path).catch(() => undefined);
  if (!info?.isSocket()) return;
  const inUse = await new Promise<boolean>((resolve) => {
    const probe = net.connect({ path });
    probe.once("connect", () => {
      probe.destroy();
      resolve(true);
    });
    probe.once("error", () => resolve(false));
  });
  if (!inUse) await rm(path, { force: true });
}
