// LinkError: the one error type the link layer throws or emits. Its message is a single line
// that starts with the spec it concerns ("tcp:127.0.0.1:5555: connection refused"), so the CLI
// can print it as it is.

export type LinkErrorCode =
  /** The spec string could not be parsed. */
  | "BAD_SPEC"
  /** The device or socket path does not exist. */
  | "NO_DEVICE"
  | "PERMISSION"
  /** The path exists but is not a serial port (or the baud rate is not supported). */
  | "NOT_SERIAL"
  | "REFUSED"
  | "HOST_NOT_FOUND"
  | "UNREACHABLE"
  | "ADDRESS_IN_USE"
  | "TIMEOUT"
  | "ABORTED"
  /** Any other I/O failure; the message carries the system's text. */
  | "IO";

export class LinkError extends Error {
  override readonly name = "LinkError";
  constructor(
    message: string,
    readonly code: LinkErrorCode,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

const ERRNO_TEXT: Record<string, [LinkErrorCode, string]> = {
  ECONNREFUSED: ["REFUSED", "connection refused"],
  ENOENT: ["NO_DEVICE", "no such file or socket"],
  EACCES: ["PERMISSION", "permission denied"],
  EPERM: ["PERMISSION", "permission denied"],
  ENOTFOUND: ["HOST_NOT_FOUND", "host not found"],
  EAI_AGAIN: ["HOST_NOT_FOUND", "host not found (temporary DNS failure)"],
  EHOSTUNREACH: ["UNREACHABLE", "host unreachable"],
  ENETUNREACH: ["UNREACHABLE", "network unreachable"],
  EADDRINUSE: ["ADDRESS_IN_USE", "address already in use"],
  EADDRNOTAVAIL: ["UNREACHABLE", "address not available"],
  ETIMEDOUT: ["TIMEOUT", "timed out"],
  ECONNRESET: ["IO", "connection reset by peer"],
  EPIPE: ["IO", "broken pipe"],
  ENOTSOCK: ["IO", "not a socket"],
};

/** Wraps a system error from node:net/fs into a LinkError that names the spec. */
export function linkErrorFrom(spec: string, err: unknown): LinkError {
  if (err instanceof LinkError) return err;
  const code = errnoOf(err);
  const known = code ? ERRNO_TEXT[code] : undefined;
  if (known) return new LinkError(`${spec}: ${known[1]}`, known[0], { cause: err });
  const text = err instanceof Error ? err.message : String(err);
  return new LinkError(`${spec}: ${oneLine(text)}`, "IO", { cause: err });
}

function errnoOf(err: unknown): string | undefined {
  if (typeof err !== "object" || err === null || !("code" in err)) return undefined;
  const code = (err as { code: unknown }).code;
  return typeof code === "string" ? code : undefined;
}

function oneLine(text: string): string {
  return text.replace(/\s+/g, " ").trim();
}
