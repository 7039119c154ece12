// The FileSystem contract the FTP server serves from: NetX Duo's filex_stub calls
// (open for read at an offset, open for write/append/truncate, attributes, directory
// walk, create/delete/rename) made async and streaming. Paths are virtual: absolute,
// '/'-separated, already normalised by the caller ("/", "/a/b.txt"); never "..".
import type { Readable, Writable } from "node:stream";

export type FileType = "file" | "dir" | "link" | "other";

export interface FileInfo {
  /** Base name (no slashes). For stat("/") it is "/". */
  readonly name: string;
  readonly type: FileType;
  /** Bytes; 0 for directories where the platform gives nothing better. */
  readonly size: number;
  readonly mtime: Date;
  /** Unix permission bits (e.g. 0o644), when known. */
  readonly mode?: number;
  /** The FileX read-only attribute, or no write permission. */
  readonly readOnly?: boolean;
  /** Symlink target as stored, for `type: "link"`. */
  readonly target?: string;
}

export type WriteMode =
  /** Create or truncate (STOR). */
  | "truncate"
  /** Create or append at the end (APPE). */
  | "append"
  /** Create; the file must not exist (STOU). */
  | "exclusive"
  /** Create or open without truncating and write from `start` (REST + STOR). */
  | "at";

export interface ReadOptions {
  /** Byte offset to start from (REST). */
  readonly start?: number;
}

export interface WriteOptions {
  readonly mode: WriteMode;
  /** With mode "at": the offset to write from. */
  readonly start?: number;
}

export type FsErrorCode =
  | "ENOENT"
  | "EEXIST"
  | "ENOTDIR"
  | "EISDIR"
  | "ENOTEMPTY"
  | "EACCES"
  | "EINVAL"
  | "ENOSPC"
  | "EIO";

/** What every FileSystem method rejects with. The server maps `code` to a reply (550, 553, 452, ...). */
export class FsError extends Error {
  override readonly name = "FsError";
  constructor(
    readonly code: FsErrorCode,
    message: string,
  ) {
    super(message);
  }
}

export interface FileSystem {
  stat(path: string): Promise<FileInfo>;
  /** Entries of a directory, without "." and "..", in a stable order. */
  list(path: string): Promise<FileInfo[]>;
  /** A stream of the file's bytes from `start`. Rejects (not the stream) on open errors. */
  openRead(path: string, options?: ReadOptions): Promise<Readable>;
  /**
   * A stream that stores what is written. Its 'finish' (or the end of `pipeline`) means the
   * bytes are durable in this file system; its 'error' carries an FsError.
   */
  openWrite(path: string, options: WriteOptions): Promise<Writable>;
  mkdir(path: string): Promise<void>;
  rmdir(path: string): Promise<void>;
  delete(path: string): Promise<void>;
  rename(from: string, to: string): Promise<void>;
}
