// MemoryFileSystem: a RAM disk for tests and for serving without touching the host. A tree
// of Map-based directories; file bytes in ChunkedBytes. An optional capacity makes writes
// fail with ENOSPC when full, like the RAM disk of NetX Duo's file-write regression test.
//
// Concurrency: every operation runs synchronously once started, so each is atomic. A read
// stream serves a snapshot taken at openRead (bytes written afterwards are not seen); a
// write stream stores each chunk at once, so readers opened later see the bytes so far.
// A file deleted or replaced while a writer has it open behaves like an unlinked inode:
// the writer may finish, but its bytes are dropped and count against no capacity.
import { Readable, Writable } from "node:stream";
import { ChunkedBytes } from "./chunks.js";
import { fsError } from "./errors.js";
import { readStart, writeStart } from "./offsets.js";
import { baseName, compareNames, dirName, resolvePath } from "./path.js";
import type { FileInfo, FileSystem, FsError, ReadOptions, WriteMode, WriteOptions } from "./types.js";

/** Largest chunk a read stream pushes at once. */
const CHUNK = 1024 * 1024;

const MODES: ReadonlySet<WriteMode> = new Set<WriteMode>(["truncate", "append", "exclusive", "at"]);

/** A tree for MemoryFileSystem.from: strings and bytes are files, objects directories. */
export interface MemoryTree {
  readonly [name: string]: string | Uint8Array | MemoryTree;
}

export interface MemoryFileSystemOptions {
  /** Total bytes all files may hold; writes beyond it fail with ENOSPC. Unlimited by default. */
  readonly maxBytes?: number;
  /** Clock for mtimes (tests pass a fixed one). */
  readonly now?: () => Date;
}

interface MemFile {
  readonly kind: "file";
  readonly bytes: ChunkedBytes;
  mtime: Date;
  /** False once deleted or replaced: later writes are dropped. */
  linked: boolean;
}

interface MemDir {
  readonly kind: "dir";
  readonly entries: Map<string, MemNode>;
  mtime: Date;
}

type MemNode = MemFile | MemDir;

export class MemoryFileSystem implements FileSystem {
  private readonly root: MemDir;
  private readonly maxBytes: number;
  private readonly now: () => Date;
  private used = 0;

  constructor(options: MemoryFileSystemOptions = {}) {
    this.maxBytes = options.maxBytes ?? Number.POSITIVE_INFINITY;
    this.now = options.now ?? (() => new Date());
    this.root = this.newDir();
  }

  /** A file system holding `tree`; keys may be names or relative paths ("a/b.txt"). */
  static from(tree: MemoryTree, options?: MemoryFileSystemOptions): MemoryFileSystem {
    const mfs = new MemoryFileSystem(options);
    mfs.plant("/", tree);
    return mfs;
  }

  /** Bytes held by all files (what `maxBytes` limits). */
  get usedBytes(): number {
    return this.used;
  }

  async stat(path: string): Promise<FileInfo> {
    const v = resolvePath("/", path);
    return info(baseName(v), this.find(v, "stat"));
  }

  async list(path: string): Promise<FileInfo[]> {
    const v = resolvePath("/", path);
    const node = this.find(v, "list");
    if (node.kind !== "dir") throw fsError("ENOTDIR", "list", v);
    return [...node.entries].map(([name, n]) => info(name, n)).sort((a, b) => compareNames(a.name, b.name));
  }

  async openRead(path: string, options?: ReadOptions): Promise<Readable> {
    const v = resolvePath("/", path);
    const start = readStart(options, v);
    const node = this.find(v, "open");
    if (node.kind === "dir") throw fsError("EISDIR", "open", v);
    return new SnapshotReader(node.bytes.snapshot(start));
  }

  async openWrite(path: string, options: WriteOptions): Promise<Writable> {
    const v = resolvePath("/", path);
    if (!MODES.has(options.mode)) throw fsError("EINVAL", "open", v);
    const start = writeStart(options, v);
    if (v === "/") throw fsError("EISDIR", "open", v);
    const { dir, name } = this.parent(v, "open");
    const existing = dir.entries.get(name);
    if (existing?.kind === "dir") throw fsError("EISDIR", "open", v);
    if (existing !== undefined && options.mode === "exclusive") throw fsError("EEXIST", "open", v);
    let file = existing;
    if (file === undefined) {
      file = { kind: "file", bytes: new ChunkedBytes(), mtime: this.now(), linked: true };
      dir.entries.set(name, file);
      dir.mtime = this.now();
    }
    if (options.mode === "truncate") this.resize(file, 0, v);
    if (options.mode === "at") this.resize(file, start, v);
    const target = file;
    return new MemoryWriter(
      (chunk) => this.store(target, chunk, v),
      () => {
        target.mtime = this.now();
      },
    );
  }

  async mkdir(path: string): Promise<void> {
    const v = resolvePath("/", path);
    if (v === "/") throw fsError("EEXIST", "mkdir", v);
    const { dir, name } = this.parent(v, "mkdir");
    if (dir.entries.has(name)) throw fsError("EEXIST", "mkdir", v);
    dir.entries.set(name, this.newDir());
    dir.mtime = this.now();
  }

  async rmdir(path: string): Promise<void> {
    const v = resolvePath("/", path);
    if (v === "/") throw fsError("EACCES", "rmdir", v);
    const { dir, name } = this.parent(v, "rmdir");
    const node = dir.entries.get(name);
    if (node === undefined) throw fsError("ENOENT", "rmdir", v);
    if (node.kind !== "dir") throw fsError("ENOTDIR", "rmdir", v);
    if (node.entries.size > 0) throw fsError("ENOTEMPTY", "rmdir", v);
    dir.entries.delete(name);
    dir.mtime = this.now();
  }

  async delete(path: string): Promise<void> {
    const v = resolvePath("/", path);
    if (v === "/") throw fsError("EISDIR", "delete", v);
    const { dir, name } = this.parent(v, "delete");
    const node = dir.entries.get(name);
    if (node === undefined) throw fsError("ENOENT", "delete", v);
    if (node.kind === "dir") throw fsError("EISDIR", "delete", v);
    this.unlink(node);
    dir.entries.delete(name);
    dir.mtime = this.now();
  }

  /** Follows rename(2): replaces a file, or an empty directory with a directory. */
  async rename(from: string, to: string): Promise<void> {
    const vf = resolvePath("/", from);
    const vt = resolvePath("/", to);
    const op = "rename";
    const both = `${vf} -> ${vt}`;
    if (vf === "/" || vt === "/") throw fsError("EACCES", op, both);
    const src = this.parent(vf, op);
    const node = src.dir.entries.get(src.name);
    if (node === undefined) throw fsError("ENOENT", op, both);
    const dst = this.parent(vt, op);
    if (vf === vt) return;
    if (node.kind === "dir" && vt.startsWith(vf + "/")) throw fsError("EINVAL", op, both);
    const target = dst.dir.entries.get(dst.name);
    if (target !== undefined) {
      if (node.kind === "file" && target.kind === "dir") throw fsError("EISDIR", op, both);
      if (node.kind === "dir" && target.kind === "file") throw fsError("ENOTDIR", op, both);
      if (target.kind === "dir" && target.entries.size > 0) throw fsError("ENOTEMPTY", op, both);
      if (target.kind === "file") this.unlink(target);
    }
    src.dir.entries.delete(src.name);
    dst.dir.entries.set(dst.name, node);
    src.dir.mtime = dst.dir.mtime = this.now();
  }

  /** Appends a whole chunk, or throws ENOSPC having stored none of it. */
  private store(file: MemFile, chunk: Uint8Array, v: string): void {
    if (!file.linked) return;
    if (this.used + chunk.length > this.maxBytes) throw fsError("ENOSPC", "write", v);
    file.bytes.append(chunk);
    this.used += chunk.length;
    file.mtime = this.now();
  }

  private resize(file: MemFile, size: number, v: string): void {
    const grow = size - file.bytes.size;
    if (this.used + grow > this.maxBytes) throw fsError("ENOSPC", "open", v);
    try {
      file.bytes.truncate(size);
    } catch {
      // A REST offset too large to allocate.
      throw fsError("ENOSPC", "open", v);
    }
    this.used += grow;
    file.mtime = this.now();
  }

  private unlink(file: MemFile): void {
    file.linked = false;
    this.used -= file.bytes.size;
  }

  private find(v: string, op: string): MemNode {
    let node: MemNode = this.root;
    if (v === "/") return node;
    for (const name of v.slice(1).split("/")) {
      if (node.kind !== "dir") throw fsError("ENOTDIR", op, v);
      const next: MemNode | undefined = node.entries.get(name);
      if (next === undefined) throw fsError("ENOENT", op, v);
      node = next;
    }
    return node;
  }

  /** The directory that holds (or will hold) `v`, and v's last name. */
  private parent(v: string, op: string): { dir: MemDir; name: string } {
    let dir: MemNode;
    try {
      dir = this.find(dirName(v), op);
    } catch (err) {
      // Report the path the caller asked about, not its parent.
      throw fsError((err as FsError).code, op, v);
    }
    if (dir.kind !== "dir") throw fsError("ENOTDIR", op, v);
    return { dir, name: baseName(v) };
  }

  private newDir(): MemDir {
    return { kind: "dir", entries: new Map(), mtime: this.now() };
  }

  private plant(at: string, tree: MemoryTree): void {
    for (const [key, value] of Object.entries(tree)) {
      const v = resolvePath(at, key);
      if (v === "/") throw fsError("EINVAL", "from", key);
      this.mkdirs(dirName(v));
      const { dir, name } = this.parent(v, "from");
      if (typeof value === "string" || value instanceof Uint8Array) {
        if (dir.entries.has(name)) throw fsError("EEXIST", "from", v);
        const file: MemFile = { kind: "file", bytes: new ChunkedBytes(), mtime: this.now(), linked: true };
        dir.entries.set(name, file);
        this.store(file, typeof value === "string" ? Buffer.from(value, "utf8") : value, v);
      } else {
        this.mkdirs(v);
        this.plant(v, value);
      }
    }
  }

  private mkdirs(v: string): void {
    let dir = this.root;
    if (v === "/") return;
    for (const name of v.slice(1).split("/")) {
      let next = dir.entries.get(name);
      if (next === undefined) {
        next = this.newDir();
        dir.entries.set(name, next);
      }
      if (next.kind !== "dir") throw fsError("ENOTDIR", "from", v);
      dir = next;
    }
  }
}

function info(name: string, node: MemNode): FileInfo {
  return {
    name,
    type: node.kind,
    size: node.kind === "file" ? node.bytes.size : 0,
    mtime: new Date(node.mtime.getTime()),
    mode: node.kind === "file" ? 0o644 : 0o755,
    readOnly: false,
  };
}

/** Streams a snapshot's chunks, pushing only while the consumer keeps up. */
class SnapshotReader extends Readable {
  private index = 0;
  private offset = 0;

  constructor(private readonly chunks: Buffer[]) {
    super({ highWaterMark: CHUNK });
  }

  override _read(): void {
    // Bounded: each pass consumes part of a chunk; it stops when push() asks to.
    for (;;) {
      const c = this.chunks[this.index];
      if (c === undefined) {
        this.push(null);
        return;
      }
      const end = Math.min(c.length, this.offset + CHUNK);
      // A copy: the consumer may modify what it gets without touching the stored file.
      const piece = Buffer.from(c.subarray(this.offset, end));
      if (end === c.length) {
        this.index++;
        this.offset = 0;
      } else {
        this.offset = end;
      }
      if (!this.push(piece)) return;
    }
  }
}

/** Stores each chunk as it comes; 'finish' means every byte is in the file system. */
class MemoryWriter extends Writable {
  constructor(
    private readonly store: (chunk: Uint8Array) => void,
    private readonly done: () => void,
  ) {
    super({ highWaterMark: CHUNK });
  }

  override _write(chunk: Buffer, _enc: BufferEncoding, cb: (err?: Error | null) => void): void {
    try {
      this.store(chunk);
      cb();
    } catch (err) {
      cb(err as Error);
    }
  }

  override _final(cb: (err?: Error | null) => void): void {
    this.done();
    cb();
  }
}
