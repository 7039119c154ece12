// Where the long-running commands (sim, qemu, tun, forward, serve over a tunnel) publish their
// counters for `hilftp stats`: each one listens on <runDir>/<pid>.sock and answers every connection
// with one JSON document (a snapshot taken at that moment), then closes it. A socket per process,
// named by pid, so that finding the running instances is a directory listing and a dead one is
// recognised by its pid alone, without a shared file that crashed writers would leave corrupt.
import { unlinkSync } from "node:fs";
import { mkdir, readdir, rm } from "node:fs/promises";
import * as net from "node:net";
import { join } from "node:path";
import { stateDirectory } from "../board/board-link.js";
import { alive } from "../board/firmware-build.js";
import type { LinkStats } from "../link/frame-link.js";
import type { StackCounters, TcpTotals } from "../net/counters.js";
import type { RelayStats } from "./relay.js";

export type InstanceCommand = "sim" | "qemu" | "tun" | "forward" | "serve";

/** The counters of the tun bridge (packets between the device and the link). */
export interface TunStats {
  readonly toLink: number;
  readonly toKernel: number;
  readonly queueDrops: number;
  readonly notIp: number;
}

/** What a running command reports at the moment it is asked; the registry adds who and since when. */
export interface InstanceSnapshot {
  /** The SLIP framing's counters (tun, forward, serve) or the relay's byte and frame counts (sim, qemu). */
  readonly linkStats: LinkStats | RelayStats;
  /** The user-space stack's counters, when the command owns one (forward, serve over a tunnel). */
  readonly stack?: { readonly counters: StackCounters; readonly tcp: TcpTotals };
  /** FTP sessions: opened since the start, and open now when known. */
  readonly sessions?: { readonly total: number; readonly active?: number };
  readonly tun?: TunStats;
}

export interface InstanceStats extends InstanceSnapshot {
  /** The hilftp process (the one to signal, the socket's name). */
  readonly pid: number;
  readonly command: InstanceCommand;
  readonly board: string;
  /** The link spec it serves or uses ("tcp:127.0.0.1:5555", "serial:/dev/ttyACM0@115200"). */
  readonly link: string;
  /** The board's own process (sim, qemu, or a board a tunnel started). */
  readonly boardPid?: number;
  readonly startedAt: string;
  readonly uptimeMs: number;
}

/**
 * $XDG_RUNTIME_DIR/hilftp (per user, tmpfs, cleared at logout: the place for sockets), else
 * <state directory>/run.
 */
export function runDirectory(env: NodeJS.ProcessEnv = process.env): string {
  if (env.XDG_RUNTIME_DIR) return join(env.XDG_RUNTIME_DIR, "hilftp");
  return join(stateDirectory(undefined, env), "run");
}

export interface Registration {
  readonly path: string;
  /** Stops answering and removes the socket. Idempotent. */
  close(): Promise<void>;
}

export interface RegisterOptions {
  readonly command: InstanceCommand;
  readonly board: string;
  readonly link: string;
  readonly boardPid?: number;
  readonly snapshot: () => InstanceSnapshot;
  readonly dir?: string;
}

/**
 * Publishes this process's counters. Never fails the command it serves: without a usable run
 * directory (read-only, a path too long for a unix socket) it says why on `warn` and returns a
 * registration that does nothing.
 */
export async function registerInstance(o: RegisterOptions, warn: (line: string) => void = () => undefined): Promise<Registration> {
  const dir = o.dir ?? runDirectory();
  const path = join(dir, `${process.pid}.sock`);
  const started = Date.now();
  const server = net.createServer((socket) => {
    socket.on("error", () => undefined); // a reader that went away
    let doc: string;
    try {
      const snap = o.snapshot();
      const info: InstanceStats = {
        pid: process.pid,
        command: o.command,
        board: o.board,
        link: o.link,
        ...(o.boardPid !== undefined ? { boardPid: o.boardPid } : {}),
        startedAt: new Date(started).toISOString(),
        uptimeMs: Date.now() - started,
        ...snap,
      };
      doc = JSON.stringify(info);
    } catch (err) {
      doc = JSON.stringify({ pid: process.pid, error: (err as Error).message });
    }
    socket.end(`${doc}\n`);
  });
  server.on("error", () => undefined); // after listening: nothing to do but stay quiet
  try {
    await mkdir(dir, { recursive: true, mode: 0o700 });
    // A socket of the same name is left by an earlier process with this pid, dead now (we are it).
    await rm(path, { force: true });
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen({ path, exclusive: true }, () => {
        server.off("error", reject);
        resolve();
      });
    });
  } catch (err) {
    warn(`stats not published (${path}): ${(err as Error).message}`);
    return { path, close: async () => undefined };
  }
  server.unref(); // it must not keep a command alive that has finished otherwise
  // process.exit() (main()'s grace timer, a second Ctrl-C) skips close(): remove the file anyway.
  const onExit = (): void => {
    try {
      unlinkSync(path);
    } catch {
      // gone already
    }
  };
  process.once("exit", onExit);
  let closed = false;
  return {
    path,
    async close() {
      if (closed) return;
      closed = true;
      process.off("exit", onExit);
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await rm(path, { force: true });
    },
  };
}

/** Registers and returns close(); the shape the commands use around their running phase. */
export async function publishStats(o: RegisterOptions, ctx: { log(line: string): void }): Promise<() => Promise<void>> {
  const reg = await registerInstance(o, (line) => ctx.log(`* ${line}`));
  return () => reg.close();
}

/** Thrown by readInstance: `stale` when the socket's owner is gone (the file was removed). */
export class InstanceUnavailable extends Error {
  override readonly name = "InstanceUnavailable";
  constructor(
    message: string,
    readonly stale: boolean,
  ) {
    super(message);
  }
}

const READ_TIMEOUT_MS = 3_000;
/** A document is a few KiB; anything far larger is not one of ours. */
const MAX_DOCUMENT = 1 << 20;

/** The document the instance behind `path` answers with. Throws InstanceUnavailable. */
export function readInstance(path: string, timeoutMs = READ_TIMEOUT_MS): Promise<InstanceStats> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ path });
    const chunks: Buffer[] = [];
    let size = 0;
    const fail = (message: string, stale: boolean): void => {
      clearTimeout(timer);
      socket.destroy();
      reject(new InstanceUnavailable(message, stale));
    };
    const timer = setTimeout(() => fail(`${path}: no answer within ${timeoutMs} ms`, false), timeoutMs);
    socket.on("data", (b: Buffer) => {
      size += b.length;
      chunks.push(b);
      if (size > MAX_DOCUMENT) fail(`${path}: answer too long`, false);
    });
    socket.once("error", (err: NodeJS.ErrnoException) => fail(`${path}: ${err.message}`, err.code === "ECONNREFUSED" || err.code === "ENOENT"));
    socket.once("end", () => {
      clearTimeout(timer);
      try {
        const doc = JSON.parse(Buffer.concat(chunks).toString("utf8")) as InstanceStats & { error?: string };
        if (doc.error !== undefined) reject(new InstanceUnavailable(`${path}: ${doc.error}`, false));
        else resolve(doc);
      } catch {
        reject(new InstanceUnavailable(`${path}: not a hilftp stats document`, false));
      }
    });
  });
}

export interface Listing {
  readonly instances: InstanceStats[];
  /** Sockets of processes that are gone, removed by this listing. */
  readonly removed: string[];
  /** Sockets of live processes that did not answer (busy, or not hilftp): left alone. */
  readonly unanswered: string[];
}

/**
 * Every running instance in `dir`, by pid. A socket whose pid is dead, or whose pid lives but
 * refuses connections (the pid was reused by another program), is stale and removed.
 */
export async function listInstances(dir: string = runDirectory()): Promise<Listing> {
  const names = await readdir(dir).catch(() => [] as string[]);
  const instances: InstanceStats[] = [];
  const removed: string[] = [];
  const unanswered: string[] = [];
  await Promise.all(
    names.map(async (name) => {
      const m = /^(\d+)\.sock$/.exec(name);
      if (!m) return;
      const path = join(dir, name);
      if (!alive(Number(m[1]))) {
        await rm(path, { force: true });
        removed.push(path);
        return;
      }
      try {
        instances.push(await readInstance(path));
      } catch (err) {
        if (err instanceof InstanceUnavailable && err.stale) {
          await rm(path, { force: true });
          removed.push(path);
        } else unanswered.push(path);
      }
    }),
  );
  instances.sort((a, b) => a.pid - b.pid);
  return { instances, removed, unanswered };
}

