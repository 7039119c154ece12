// The client's typed errors: a reply the operation did not want (FtpError, carrying
// the code), a wait that ran out (FtpTimeoutError), a control connection that is
// gone or never was (FtpConnectionError), and a caller's cancellation (AbortError).
import type { Reply } from "../protocol/reply.js";

/** A reply that made the operation fail. `code` 421 means the server closed the session. */
export class FtpError extends Error {
  override readonly name = "FtpError";
  /** The reply code (e.g. 550). */
  readonly code: number;
  /** The reply text without the code, lines joined with "\n". */
  readonly text: string;
  /** The command that got the reply, e.g. "RETR x.bin" (PASS masked); "" for the greeting. */
  readonly command: string;

  constructor(code: number, text: string, command = "", detail?: string) {
    const where = command === "" ? "" : ` (${command})`;
    super(`${code} ${text}${where}${detail === undefined ? "" : `: ${detail}`}`);
    this.code = code;
    this.text = text;
    this.command = command;
  }

  static fromReply(reply: Reply, command = "", detail?: string): FtpError {
    return new FtpError(reply.code, reply.text, command, detail);
  }
}

/**
 * A wait that ran out. `kind` says which: "control" (a reply, the connect, the final
 * reply after a transfer; the control connection is then closed because its state is
 * unknown) or "data" (data connection establish or a stalled data transfer).
 */
export class FtpTimeoutError extends Error {
  override readonly name = "FtpTimeoutError";
  constructor(
    readonly kind: "control" | "data",
    readonly timeoutMs: number,
    what: string,
  ) {
    super(`${what}: no progress for ${timeoutMs} ms`);
  }
}

/** The control connection is closed, was reset, sent something that is not FTP, or was never opened. */
export class FtpConnectionError extends Error {
  override readonly name = "FtpConnectionError";
}

/** The operation was cancelled through its AbortSignal; the client stays usable. */
export class AbortError extends Error {
  override readonly name = "AbortError";
}

export function abortError(signal: AbortSignal): AbortError {
  return new AbortError("the operation was aborted", { cause: signal.reason });
}

export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw abortError(signal);
}
