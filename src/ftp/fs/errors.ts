// FsError construction shared by the file systems, and the mapping from Node.js system
// errors. Messages name only the virtual path: a Node error's own message carries the
// host's real path, which must never reach an FTP reply.
import { FsError, type FsErrorCode } from "./types.js";

const CODE_OF: Readonly<Record<string, FsErrorCode>> = {
  ENOENT: "ENOENT",
  EEXIST: "EEXIST",
  ENOTDIR: "ENOTDIR",
  EISDIR: "EISDIR",
  ENOTEMPTY: "ENOTEMPTY",
  EACCES: "EACCES",
  EPERM: "EACCES",
  EROFS: "EACCES",
  // We open with O_NOFOLLOW after checking the path: ELOOP means a symlink appeared since.
  ELOOP: "EACCES",
  // O_NONBLOCK write-open of a FIFO nobody reads: not a file a client may upload into.
  ENXIO: "EACCES",
  ENOSPC: "ENOSPC",
  EDQUOT: "ENOSPC",
  EFBIG: "ENOSPC",
  EINVAL: "EINVAL",
  ENAMETOOLONG: "EINVAL",
};

const TEXT: Readonly<Record<FsErrorCode, string>> = {
  ENOENT: "no such file or directory",
  EEXIST: "file exists",
  ENOTDIR: "not a directory",
  EISDIR: "is a directory",
  ENOTEMPTY: "directory not empty",
  EACCES: "permission denied",
  EINVAL: "invalid argument",
  ENOSPC: "no space left on device",
  EIO: "input/output error",
};

/** An FsError for `op` on virtual path `vpath` with the given code. */
export function fsError(code: FsErrorCode, op: string, vpath: string): FsError {
  return new FsError(code, `${op} ${vpath}: ${TEXT[code]}`);
}

/**
 * Maps any thrown value to an FsError. FsErrors pass through. The errno name is kept in the
 * message when it differs from the mapped code (EPERM, EDQUOT, ...) because it helps whoever
 * reads the log and reveals nothing about the host.
 */
export function fromNodeError(err: unknown, op: string, vpath: string): FsError {
  if (err instanceof FsError) return err;
  const errno = errnoOf(err);
  const code = (errno !== undefined ? CODE_OF[errno] : undefined) ?? "EIO";
  const e = fsError(code, op, vpath);
  if (errno !== undefined && errno !== code && /^E[A-Z0-9]+$/.test(errno)) {
    return new FsError(code, `${e.message} (${errno})`);
  }
  return e;
}

/** The errno name ("ENOENT") of a Node system error, if it is one. */
export function errnoOf(err: unknown): string | undefined {
  if (typeof err === "object" && err !== null && "code" in err) {
    const c = (err as { code: unknown }).code;
    if (typeof c === "string") return c;
  }
  return undefined;
}
