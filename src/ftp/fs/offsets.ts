// Validation of the byte offsets in ReadOptions/WriteOptions, shared by every FileSystem so
// a bad REST value fails the same way (EINVAL) whichever one serves the session.
import { FsError, type ReadOptions, type WriteOptions } from "./types.js";

/** The offset to read from: a non-negative safe integer, 0 when absent. */
export function readStart(options: ReadOptions | undefined, vpath: string): number {
  return checked(options?.start ?? 0, vpath);
}

/** The offset a write starts at: `start` for mode "at" (default 0), else 0 (ignored). */
export function writeStart(options: WriteOptions, vpath: string): number {
  return options.mode === "at" ? checked(options.start ?? 0, vpath) : 0;
}

function checked(start: number, vpath: string): number {
  if (!Number.isSafeInteger(start) || start < 0) {
    throw new FsError("EINVAL", `${vpath}: invalid offset ${String(start)}`);
  }
  return start;
}
