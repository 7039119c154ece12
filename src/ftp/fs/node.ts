// NodeFileSystem: one host directory served as the FTP root "/". Every operation first maps
// the virtual path into the root and checks, with realpath, that what it will touch lies
// inside realpath(root): symlinks that stay inside are followed, ones that lead out are
// refused with EACCES. Errors name only virtual paths.
//
// Races: the check runs right before each operation and the final open uses O_NOFOLLOW on
// the already-resolved path, so a symlink swapped in for the last name is refused (ELOOP ->
// EACCES). A directory *above* it that is replaced by a symlink between the check and the
// system call is not caught (a TOCTOU window Node cannot close without openat/O_BENEATH).
import * as fs from "node:fs";
import * as fsp from "node:fs/promises";
import * as nodePath from "node:path";
import { Readable, Writable } from "node:stream";
import { fromNodeError, fsError, errnoOf } from "./errors.js";
import { readStart, writeStart } from "./offsets.js";
import { baseName, compareNames, resolvePath } from "./path.js";
import {
  FsError,
  type FileInfo,
  type FileSystem,
  type FileType,
  type ReadOptions,
  type WriteMode,
  type WriteOptions,
} from "./types.js";

/** Measured on loopback: 64 KiB (the default) streams ~0.5 GB/s, 1 MiB ~1.6 GB/s. */
const CHUNK = 1024 * 1024;
/**
 * How much an upload may queue ahead of the disk. Deep enough that the data socket is not
 * paused and resumed for every write and that writev gets large batches (measured: 1 MiB
 * gave ~1900 pause/resume toggles per GiB).
 */
const WRITE_QUEUE = 8 * 1024 * 1024;
/** Linux's own limit on symlinks followed in one lookup. */
const MAX_LINK_HOPS = 40;

const C = fs.constants;
// Absent on Windows; there the final-name hardening is simply not applied.
const O_NOFOLLOW = C.O_NOFOLLOW ?? 0;
// Opening a FIFO would otherwise block a libuv worker until a peer appears.
const O_NONBLOCK = C.O_NONBLOCK ?? 0;

const WRITE_FLAGS: Readonly<Record<WriteMode, number>> = {
  truncate: C.O_WRONLY | C.O_CREAT | C.O_TRUNC,
  append: C.O_WRONLY | C.O_CREAT | C.O_APPEND,
  exclusive: C.O_WRONLY | C.O_CREAT | C.O_EXCL,
  at: C.O_WRONLY | C.O_CREAT,
};

export interface NodeFileSystemOptions {
  /**
   * fsync each uploaded file before its stream finishes. Off by default: 'finish' then
   * means "written and closed, visible to every reader", not "on the platter".
   */
  readonly fsync?: boolean;
}

export class NodeFileSystem implements FileSystem {
  private readonly root: string;
  private realRoot: string | undefined;

  constructor(
    root: string,
    private readonly options: NodeFileSystemOptions = {},
  ) {
    this.root = nodePath.resolve(root);
  }

  async stat(path: string): Promise<FileInfo> {
    const v = resolvePath("/", path);
    try {
      const real = await this.locate(v, false, "stat");
      return await describe(real, baseName(v), await this.getRealRoot());
    } catch (err) {
      throw fromNodeError(err, "stat", v);
    }
  }

  async list(path: string): Promise<FileInfo[]> {
    const v = resolvePath("/", path);
    try {
      const real = await this.locate(v, true, "list");
      const names = await fsp.readdir(real);
      const realRoot = await this.getRealRoot();
      const infos = await Promise.all(
        names.map((name) =>
          describe(nodePath.join(real, name), name, realRoot).catch((err: unknown) => {
            // Removed between readdir and lstat: it is simply no longer there.
            if (errnoOf(err) === "ENOENT") return undefined;
            throw err;
          }),
        ),
      );
      return infos.filter((i): i is FileInfo => i !== undefined).sort((a, b) => compareNames(a.name, b.name));
    } catch (err) {
      throw fromNodeError(err, "list", v);
    }
  }

  async openRead(path: string, options?: ReadOptions): Promise<Readable> {
    const v = resolvePath("/", path);
    const start = readStart(options, v);
    let handle: fsp.FileHandle | undefined;
    let size = 0;
    try {
      const real = await this.locate(v, true, "open");
      // O_NONBLOCK keeps a FIFO from hanging the open; the type is checked on the open file,
      // so a name swapped after locate() cannot slip a device or directory through.
      handle = await fsp.open(real, C.O_RDONLY | O_NOFOLLOW | O_NONBLOCK);
      const st = await handle.stat();
      requireRegular(st, "open", v);
      size = st.size;
    } catch (err) {
      await handle?.close().catch(() => undefined);
      throw fromNodeError(err, "open", v);
    }
    if (start >= size) {
      // Nothing to send: no read at all, the fd closes now.
      await handle.close().catch(() => undefined);
      return Readable.from([]);
    }
    // The size read at open bounds the stream, which saves the read that would only find EOF
    // (a round trip to the thread pool per small file); bytes appended later are not sent.
    // Read errors come from the fd alone, so they carry no host path either.
    return handle.createReadStream({ start, end: size - 1, highWaterMark: CHUNK, autoClose: true });
  }

  async openWrite(path: string, options: WriteOptions): Promise<Writable> {
    const v = resolvePath("/", path);
    if (!Object.hasOwn(WRITE_FLAGS, options.mode)) throw fsError("EINVAL", "open", v);
    const flags = WRITE_FLAGS[options.mode];
    const start = writeStart(options, v);
    let handle: fsp.FileHandle | undefined;
    try {
      handle = await this.openWriteFast(v, flags);
      if (handle === undefined) handle = await this.openWriteThroughLink(v, options.mode, flags);
      requireRegular(await handle.stat(), "open", v);
      // REST + STOR: drop whatever lay beyond the restart point so a resumed upload of a
      // shorter or changed source leaves no stale tail.
      if (options.mode === "at") await handle.truncate(start);
    } catch (err) {
      await handle?.close().catch(() => undefined);
      throw fromNodeError(err, "open", v);
    }
    const position = options.mode === "append" ? null : start;
    return new HandleWriter(handle, position, v, this.options.fsync === true);
  }

  /**
   * The common case in two system calls: the parent resolved and checked, the name opened
   * with O_NOFOLLOW (O_EXCL also refuses a dangling link, as "exclusive" wants). Undefined
   * when the name is a symlink (ELOOP): the caller takes the careful path.
   */
  private async openWriteFast(v: string, flags: number): Promise<fsp.FileHandle | undefined> {
    if (v === "/") throw fsError("EISDIR", "open", v);
    const parent = await this.locate(v.slice(0, v.lastIndexOf("/")) || "/", true, "open");
    try {
      return await fsp.open(nodePath.join(parent, baseName(v)), flags | O_NOFOLLOW | O_NONBLOCK, 0o666);
    } catch (err) {
      const errno = errnoOf(err);
      // A symlink as the name (ELOOP), or O_EXCL meeting one (EEXIST): decide on the careful path.
      if (errno === "ELOOP" || (errno === "EEXIST" && (flags & C.O_EXCL) !== 0)) return undefined;
      throw err;
    }
  }

  /** Writing through a symlink in the last name: allowed when its target stays inside the root. */
  private async openWriteThroughLink(v: string, mode: WriteMode, flags: number): Promise<fsp.FileHandle> {
    {
      const real = await this.locate(v, true, "open");
      // As with O_EXCL, the name itself counts: a dangling symlink is an existing name.
      if (mode === "exclusive" && (await exists(await this.locate(v, false, "open")))) {
        throw fsError("EEXIST", "open", v);
      }
      const existing = await fsp.stat(real).catch((err: unknown) => {
        if (errnoOf(err) === "ENOENT") return undefined;
        throw err;
      });
      if (existing !== undefined) requireRegular(existing, "open", v);
      return fsp.open(real, flags | O_NOFOLLOW | O_NONBLOCK, 0o666);
    }
  }

  async mkdir(path: string): Promise<void> {
    const v = resolvePath("/", path);
    try {
      if (v === "/") throw fsError("EEXIST", "mkdir", v);
      await fsp.mkdir(await this.locate(v, false, "mkdir"));
    } catch (err) {
      throw fromNodeError(err, "mkdir", v);
    }
  }

  async rmdir(path: string): Promise<void> {
    const v = resolvePath("/", path);
    try {
      if (v === "/") throw fsError("EACCES", "rmdir", v);
      await fsp.rmdir(await this.locate(v, false, "rmdir"));
    } catch (err) {
      throw fromNodeError(err, "rmdir", v);
    }
  }

  async delete(path: string): Promise<void> {
    const v = resolvePath("/", path);
    try {
      const real = await this.locate(v, false, "delete");
      // unlink(2) on a directory is EISDIR on Linux but EPERM on macOS: ask first.
      if ((await fsp.lstat(real)).isDirectory()) throw fsError("EISDIR", "delete", v);
      // A symlink is removed itself; its target (inside the root or not) is untouched.
      await fsp.unlink(real);
    } catch (err) {
      throw fromNodeError(err, "delete", v);
    }
  }

  async rename(from: string, to: string): Promise<void> {
    const vf = resolvePath("/", from);
    const vt = resolvePath("/", to);
    try {
      if (vf === "/" || vt === "/") throw fsError("EACCES", "rename", vf === "/" ? vf : vt);
      const rf = await this.locate(vf, false, "rename");
      const rt = await this.locate(vt, false, "rename");
      await fsp.rename(rf, rt);
    } catch (err) {
      throw fromNodeError(err, "rename", `${vf} -> ${vt}`);
    }
  }

  /**
   * The host path to operate on for virtual path `v`, checked to lie inside the root.
   * With `followLast`, a symlink in the last name is resolved too (read, write, list);
   * without it only the parent is (stat, delete, rename, mkdir, rmdir act on the name).
   */
  private async locate(v: string, followLast: boolean, op: string): Promise<string> {
    const realRoot = await this.getRealRoot();
    if (v === "/") return realRoot;
    const names = v.slice(1).split("/");
    const host = nodePath.join(realRoot, ...names);
    try {
      if (followLast) {
        const real = await this.canonical(host, realRoot, { hops: 0 });
        if (!inside(real, realRoot)) throw fsError("EACCES", op, v);
        return real;
      }
      const parent = await this.canonical(nodePath.dirname(host), realRoot, { hops: 0 });
      if (!inside(parent, realRoot)) throw fsError("EACCES", op, v);
      return nodePath.join(parent, names[names.length - 1]!);
    } catch (err) {
      // canonical()'s own refusals carry no path; give them the virtual one.
      throw err instanceof FsError ? fsError(err.code, op, v) : err;
    }
  }

  /**
   * realpath(p), extended to paths whose tail does not exist yet (a file about to be
   * created, a dangling symlink about to be written through): the existing part is
   * resolved and the missing names appended. Stops with EACCES as soon as a resolved
   * parent falls outside the root, so nothing outside is probed further.
   */
  private async canonical(p: string, realRoot: string, state: { hops: number }): Promise<string> {
    try {
      return await fsp.realpath(p);
    } catch (err) {
      const errno = errnoOf(err);
      if (errno !== "ENOENT" && errno !== "ENOTDIR") throw err;
    }
    const parentPath = nodePath.dirname(p);
    if (parentPath === p) return p;
    const parent = await this.canonical(parentPath, realRoot, state);
    if (!inside(parent, realRoot)) throw new FsError("EACCES", "outside the root");
    const candidate = nodePath.join(parent, nodePath.basename(p));
    const st = await fsp.lstat(candidate).catch(() => undefined);
    if (st?.isSymbolicLink()) {
      if (++state.hops > MAX_LINK_HOPS) throw new FsError("EACCES", "too many symbolic links");
      const target = await fsp.readlink(candidate);
      return this.canonical(nodePath.resolve(parent, target), realRoot, state);
    }
    return candidate;
  }

  private async getRealRoot(): Promise<string> {
    if (this.realRoot === undefined) {
      try {
        this.realRoot = await fsp.realpath(this.root);
      } catch {
        throw new FsError("EIO", "file system root is not available");
      }
    }
    return this.realRoot;
  }
}

/** Writes to an open FileHandle; 'finish' is emitted only after the fd is closed. */
class HandleWriter extends Writable {
  constructor(
    private handle: fsp.FileHandle | null,
    /** Next write offset, or null to let O_APPEND place each write at the end. */
    private position: number | null,
    private readonly vpath: string,
    private readonly sync: boolean,
  ) {
    super({ highWaterMark: WRITE_QUEUE });
  }

  override _write(chunk: Buffer, _enc: BufferEncoding, cb: (err?: Error | null) => void): void {
    this.writeAll([chunk]).then(() => cb(), (err: unknown) => cb(fromNodeError(err, "write", this.vpath)));
  }

  override _writev(chunks: { chunk: Buffer }[], cb: (err?: Error | null) => void): void {
    this.writeAll(chunks.map((c) => c.chunk)).then(
      () => cb(),
      (err: unknown) => cb(fromNodeError(err, "write", this.vpath)),
    );
  }

  override _final(cb: (err?: Error | null) => void): void {
    const handle = this.handle;
    this.handle = null;
    if (handle === null) return cb();
    const done = this.sync ? handle.sync().finally(() => handle.close()) : handle.close();
    done.then(() => cb(), (err: unknown) => cb(fromNodeError(err, "close", this.vpath)));
  }

  override _destroy(err: Error | null, cb: (err?: Error | null) => void): void {
    const handle = this.handle;
    this.handle = null;
    if (handle === null) return cb(err);
    // FileHandle.close waits for a write still in flight before closing the fd.
    handle.close().then(
      () => cb(err),
      () => cb(err),
    );
  }

  private async writeAll(buffers: Buffer[]): Promise<void> {
    const handle = this.handle;
    if (handle === null) throw fsError("EIO", "write", this.vpath);
    let rest = buffers.filter((b) => b.length > 0);
    // Bounded: each pass writes at least one byte or throws.
    while (rest.length > 0) {
      const { bytesWritten } = await handle.writev(rest, this.position ?? undefined);
      if (bytesWritten <= 0) throw fsError("EIO", "write", this.vpath);
      if (this.position !== null) this.position += bytesWritten;
      rest = dropBytes(rest, bytesWritten);
    }
  }
}

function dropBytes(buffers: Buffer[], n: number): Buffer[] {
  let i = 0;
  while (i < buffers.length && n >= buffers[i]!.length) n -= buffers[i++]!.length;
  const rest = buffers.slice(i);
  if (n > 0 && rest.length > 0) rest[0] = rest[0]!.subarray(n);
  return rest;
}

async function describe(real: string, name: string, realRoot: string): Promise<FileInfo> {
  const st = await fsp.lstat(real);
  const type = typeOf(st);
  const info: FileInfo = {
    name,
    type,
    size: st.size,
    mtime: st.mtime,
    mode: st.mode & 0o7777,
    readOnly: (st.mode & 0o200) === 0,
  };
  if (type !== "link") return info;
  const target = visibleTarget(await fsp.readlink(real), realRoot);
  return target === undefined ? info : { ...info, target };
}

/**
 * What a listing may show of a link's target: a relative target as stored, an absolute one as
 * its virtual path when it lies inside the root, and nothing when it points outside (a host
 * path would tell the client where the root lives).
 */
function visibleTarget(target: string, realRoot: string): string | undefined {
  if (!nodePath.isAbsolute(target)) return target;
  if (!inside(target, realRoot)) return undefined;
  const rel = nodePath.relative(realRoot, target);
  return rel === "" ? "/" : "/" + rel.split(nodePath.sep).join("/");
}

async function exists(real: string): Promise<boolean> {
  try {
    await fsp.lstat(real);
    return true;
  } catch (err) {
    if (errnoOf(err) === "ENOENT") return false;
    throw err;
  }
}

function typeOf(st: fs.Stats): FileType {
  if (st.isSymbolicLink()) return "link";
  if (st.isFile()) return "file";
  if (st.isDirectory()) return "dir";
  return "other";
}

function requireRegular(st: fs.Stats, op: string, v: string): void {
  if (st.isDirectory()) throw fsError("EISDIR", op, v);
  // Devices, FIFOs and sockets are not files an FTP client may stream.
  if (!st.isFile()) throw fsError("EACCES", op, v);
}

function inside(p: string, realRoot: string): boolean {
  if (p === realRoot) return true;
  const prefix = realRoot.endsWith(nodePath.sep) ? realRoot : realRoot + nodePath.sep;
  return p.startsWith(prefix);
}
