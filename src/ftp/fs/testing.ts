// Small helpers for tests that drive a FileSystem (this folder's and the server's): read a
// whole stream, write bytes through openWrite, and get the FsError code of a failure.
import type { Readable } from "node:stream";
import { Readable as ReadableStream } from "node:stream";
import { pipeline } from "node:stream/promises";
import { FsError, type FileSystem, type WriteOptions } from "./types.js";

/** All bytes of a stream (for small files in tests). */
export async function readAll(stream: Readable): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const chunk of stream) parts.push(Buffer.from(chunk as Uint8Array));
  return Buffer.concat(parts);
}

/** Reads a whole file as UTF-8 text from `start`. */
export async function readText(fs: FileSystem, path: string, start?: number): Promise<string> {
  return (await readAll(await fs.openRead(path, { start }))).toString("utf8");
}

/** Writes `data` (in the given chunks) through openWrite and waits for the stream to finish. */
export async function writeData(
  fs: FileSystem,
  path: string,
  data: string | Buffer | readonly Buffer[],
  options: WriteOptions = { mode: "truncate" },
): Promise<void> {
  const chunks = typeof data === "string" ? [Buffer.from(data)] : Buffer.isBuffer(data) ? [data] : [...data];
  await pipeline(ReadableStream.from(chunks), await fs.openWrite(path, options));
}

/**
 * The FsError code a promise rejects with; "resolved" when it does not reject and
 * "not an FsError: ..." for any other failure, so an assertion shows what went wrong.
 */
export async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
    return "resolved";
  } catch (err) {
    return err instanceof FsError ? err.code : `not an FsError: ${String(err)}`;
  }
}

/** The FsError a promise rejects with (fails loudly otherwise). */
export async function errorOf(promise: Promise<unknown>): Promise<FsError> {
  try {
    await promise;
  } catch (err) {
    if (err instanceof FsError) return err;
    throw new Error(`expected an FsError, got ${String(err)}`);
  }
  throw new Error("expected a rejection");
}
