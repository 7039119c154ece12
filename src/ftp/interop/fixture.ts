// Shared set-up for the interop tests: our FtpServer serving a temp directory on 127.0.0.1 or
// ::1 (or both at once, with a scratch directory for the client's own files), with a log of the
// commands and transfers it saw (so a test can prove which data mode a client really used), plus
// helpers to build and compare directory trees by SHA-256.
import { mkdir, mkdtemp, readdir, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { FtpServer, type ServerEvents } from "../server/index.js";
import { makeRandomFile, sha256File } from "../../testing/peers.js";

export const USER = "user";
export const PASSWORD = "pass";

export interface ServedDir {
  readonly server: FtpServer;
  readonly host: string;
  readonly port: number;
  /** The directory on disk that the FTP user sees as "/". */
  readonly root: string;
  /** Every command the server received, in order (PASS arguments masked by the server). */
  readonly commands: ServerEvents["command"][];
  readonly transfers: ServerEvents["transfer-end"][];
  readonly errors: Error[];
  /** Host part for a URL: brackets around IPv6. */
  readonly urlHost: string;
  /** The verbs of the commands received, upper-case, from the `from`-th on (a mark taken earlier). */
  verbs(from?: number): string[];
  close(): Promise<void>;
}

/** Starts our server over `root` (created by the caller) on `host` with one user, no login delay. */
export async function serve(root: string, host = "127.0.0.1"): Promise<ServedDir> {
  const server = new FtpServer({ host, root, users: { [USER]: PASSWORD }, port: 0, loginFailDelayMs: 0 });
  const commands: ServerEvents["command"][] = [];
  const transfers: ServerEvents["transfer-end"][] = [];
  const errors: Error[] = [];
  server.on("command", (e) => commands.push(e));
  server.on("transfer-end", (e) => transfers.push(e));
  server.on("error", (e) => errors.push(e.error));
  const ep = await server.listen();
  return {
    server,
    host,
    port: ep.port,
    root,
    commands,
    transfers,
    errors,
    urlHost: host.includes(":") ? `[${host}]` : host,
    verbs: (from = 0) => commands.slice(from).map((c) => c.verb.toUpperCase()),
    close: () => server.close(),
  };
}

/** One directory served on 127.0.0.1 and on ::1, and a scratch directory for the client's side. */
export interface ServedBoth {
  /** What the FTP user sees as "/", on both servers. */
  readonly root: string;
  /** The client's files (what it uploads from and downloads to). */
  readonly local: string;
  readonly v4: ServedDir;
  readonly v6: ServedDir;
  /** Stops both servers and removes both directories. */
  close(): Promise<void>;
}

/** A client test's set-up: `name` tells the scratch directories apart (hilftp-interop-NAME-root-...). */
export async function serveBoth(name: string): Promise<ServedBoth> {
  let root = "";
  let local = "";
  let v4: ServedDir | undefined;
  let v6: ServedDir | undefined;
  const close = async (): Promise<void> => {
    await v4?.close();
    await v6?.close();
    await removeDir(root);
    await removeDir(local);
  };
  try {
    root = await scratchDir(`${name}-root`);
    local = await scratchDir(`${name}-local`);
    v4 = await serve(root, "127.0.0.1");
    v6 = await serve(root, "::1");
  } catch (err) {
    // The test gets no object to close when this throws, so a half-done set-up is undone here.
    await close();
    throw err;
  }
  return { root, local, v4, v6, close };
}

/** A scratch directory under the OS temp dir; remove it with `rm(dir, {recursive: true})`. */
export function scratchDir(prefix: string): Promise<string> {
  return mkdtemp(join(tmpdir(), `hilftp-interop-${prefix}-`));
}

export async function removeDir(dir: string): Promise<void> {
  if (dir !== "") await rm(dir, { recursive: true, force: true });
}

export interface TreeEntry {
  /** '/'-separated path relative to the tree's top. */
  readonly path: string;
  readonly type: "file" | "dir";
  /** SHA-256 for files. */
  readonly sha?: string;
  readonly size?: number;
}

/**
 * Builds the mirror test tree under `dir`: three levels of nested directories, `files` files in
 * all (one empty, one of `bigBytes`, the rest small and random), and one empty directory.
 */
export async function makeTree(dir: string, files = 55, bigBytes = 5 * 1024 * 1024): Promise<void> {
  const dirs = ["", "a", "a/b", "a/b/c", "d", "d/e f", "empty-dir"];
  for (const d of dirs) await mkdir(join(dir, d), { recursive: true });
  const filled = dirs.filter((d) => d !== "empty-dir");
  for (let i = 0; i < files; i++) {
    const where = filled[i % filled.length] ?? "";
    const name = i === 0 ? "empty.txt" : i === 1 ? "big.bin" : `file-${String(i).padStart(3, "0")}.dat`;
    const bytes = i === 0 ? 0 : i === 1 ? bigBytes : 1 + ((i * 7919) % 20_000);
    await makeRandomFile(join(dir, where, name), bytes, 1000 + i);
  }
}

/** Every file and directory under `dir`, sorted by path, files with their SHA-256. */
export async function listTree(dir: string): Promise<TreeEntry[]> {
  const out: TreeEntry[] = [];
  const walk = async (rel: string): Promise<void> => {
    const entries = await readdir(join(dir, rel), { withFileTypes: true });
    for (const e of entries) {
      const path = rel === "" ? e.name : `${rel}/${e.name}`;
      if (e.isDirectory()) {
        out.push({ path, type: "dir" });
        await walk(path);
      } else if (e.isFile()) {
        const full = join(dir, path);
        out.push({ path, type: "file", sha: await sha256File(full), size: (await stat(full)).size });
      }
    }
  };
  await walk("");
  return out.sort((x, y) => (x.path < y.path ? -1 : x.path > y.path ? 1 : 0));
}
